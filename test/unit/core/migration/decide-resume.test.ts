// The resume decisions around a failed Helm release: finalize may start on a release whose last
// upgrade failed (helm upgrades from failed), and the refusal of someone else's interrupted upgrade
// says exactly what to inspect.
import { describe, expect, it } from 'vitest';
import { decideFinalize, interruptedUpgradeRefusal } from '../../../../src/core/migration/decide.ts';
import { emptyState, type StateRecord } from '../../../../src/core/migration/state.ts';
import type { ClusterView } from '../../../../src/core/migration/cluster-view.ts';

const verified: StateRecord = {
  ...emptyState('vc', 'ns'),
  phase1: { status: 'verified', startedAt: 't', verifiedAt: 't', chartVersion: '0.27.0', valuesDigest: 'sha256:x' },
};
const view = (status: string): ClusterView => ({
  release: { status, chartVersion: '0.27.0', revision: 4 },
  store: 'migrating',
  deployedEtcd: { replicas: 1, readyReplicas: 1 },
  etcdServices: [],
  controlPlane: 'none',
  embeddedPod: { name: 'vc-0', uid: 'u', phase: 'Running', ready: true, restarts: 0, deleting: false },
  etcdPods: [],
  etcdPvcs: [],
  storageClasses: [],
});

describe('decideFinalize on a failed release it did not start', () => {
  it('starts phase two: a failed release is not an interrupted operation, helm upgrades from it', () => {
    expect(decideFinalize(verified, view('failed'))).toEqual({ kind: 'start' });
  });
  it('still refuses a pending release it did not start', () => {
    expect(decideFinalize(verified, view('pending-upgrade'))).toMatchObject({
      kind: 'refuse',
      why: 'release vc is pending-upgrade (revision 4): a Helm operation this migration did not record was interrupted',
    });
  });
});

describe('interruptedUpgradeRefusal of values this migration did not record', () => {
  const base = {
    label: 'phase two',
    phase: 'finalize' as const,
    release: 'vc',
    namespace: 'team-a',
    revision: 5,
    status: 'pending-upgrade',
    digest: 'sha256:other',
    chartVersion: '0.27.0',
    inputChartVersion: '0.27.0',
  };
  it('says no values were recorded when the state record holds none, and names the helm history to inspect', () => {
    expect(interruptedUpgradeRefusal(base)).toEqual({
      why: 'release vc is pending-upgrade at revision 5, but its values (sha256:other) are not the phase two values this migration recorded (none)',
      remedy:
        "someone else's Helm operation was interrupted: inspect helm history vc -n team-a, finish or roll it back, then run finalize again",
    });
  });
});
