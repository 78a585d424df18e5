// What the Helm adapter reads from helm's output: the StatefulSet of an update refused as spec: Forbidden.
import { describe, expect, it } from 'vitest';
import { forbiddenStatefulSet } from '../../../../src/adapters/helm/helm.ts';

describe('forbiddenStatefulSet', () => {
  it('names the StatefulSet of a Forbidden update', () => {
    const err =
      'Error: UPGRADE FAILED: cannot patch "vc-etcd" with kind StatefulSet: StatefulSet.apps "vc-etcd" is invalid: spec: Forbidden: updates to statefulset spec for fields other than ...';
    expect(forbiddenStatefulSet(err)).toBe('vc-etcd');
    expect(forbiddenStatefulSet('Error: timed out waiting for the condition')).toBeUndefined();
  });
});
