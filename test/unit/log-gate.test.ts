import { describe, it, expect } from 'vitest';
import { scanLog, lastLines, SUCCESS_LINE } from '../../src/core/migration/log-scan.ts';
import { forbiddenStatefulSet } from '../../src/adapters/helm/helm.ts';
import { helmVersionOk } from '../../src/core/inputs/version.ts';

describe('scanLog', () => {
  it("finds vCluster's success line", () => {
    const log = `2026-01-01T00:00:00Z INFO start\n2026-01-01T00:00:05Z INFO ${SUCCESS_LINE}\n`;
    expect(scanLog(log).success).toContain(SUCCESS_LINE);
  });
  it('reports a failure line when no success follows', () => {
    expect(scanLog('INFO start\nERROR failed to migrate etcd: context deadline exceeded\n')).toEqual({
      failure: 'ERROR failed to migrate etcd: context deadline exceeded',
    });
  });
  it('lets a later success win over an earlier retried failure', () => {
    expect(scanLog(`error migrating, retrying\n${SUCCESS_LINE}`).success).toBe(SUCCESS_LINE);
  });
  it('finds nothing in an ordinary log', () => expect(scanLog('INFO starting vcluster\nINFO etcd ready')).toEqual({}));
  it('keeps the last lines', () => expect(lastLines('a\nb\n\nc\n', 2)).toEqual(['b', 'c']));
});

describe('helm output', () => {
  it('names the StatefulSet of a Forbidden update', () => {
    const err =
      'Error: UPGRADE FAILED: cannot patch "vc-etcd" with kind StatefulSet: StatefulSet.apps "vc-etcd" is invalid: spec: Forbidden: updates to statefulset spec for fields other than ...';
    expect(forbiddenStatefulSet(err)).toBe('vc-etcd');
    expect(forbiddenStatefulSet('Error: timed out waiting for the condition')).toBeUndefined();
  });
  it('requires helm 3.10 or later', () => {
    expect(helmVersionOk('v3.18.6')).toBe(true);
    expect(helmVersionOk('v3.9.4')).toBe(false);
    expect(helmVersionOk('v4.0.0')).toBe(true);
  });
});
