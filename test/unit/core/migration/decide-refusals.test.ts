// Every branch of the migrate and finalize decisions, with the exact text the user reads: a refusal's why and
// remedy end the run (PhaseStop), a no-op's why and next go to the summary and the PR comment.
import { describe, expect, it } from 'vitest';
import { decideFinalize, decideMigrate } from '../../../../src/core/migration/decide.ts';
import {
  emptyState,
  type PhaseOneRecord,
  type PhaseTwoRecord,
  type StateRecord,
} from '../../../../src/core/migration/state.ts';
import type { ClusterView, PodView } from '../../../../src/core/migration/cluster-view.ts';

const view = (over: Partial<ClusterView> = {}): ClusterView => ({
  release: { status: 'deployed', chartVersion: '0.27.0', revision: 4 },
  store: 'deployed',
  deployedEtcd: { replicas: 1, readyReplicas: 1 },
  etcdServices: [],
  controlPlane: 'StatefulSet',
  etcdPods: [],
  etcdPvcs: [],
  storageClasses: [],
  ...over,
});
const release = (status: string, revision = 4) => ({ status, chartVersion: '0.27.0', revision });
const p1 = (over: Partial<PhaseOneRecord> = {}): PhaseOneRecord => ({
  status: 'started',
  startedAt: 't1',
  chartVersion: '0.27.0',
  valuesDigest: 'd1',
  ...over,
});
const p2 = (over: Partial<PhaseTwoRecord> = {}): PhaseTwoRecord => ({
  status: 'started',
  startedAt: 't3',
  valuesDigest: 'd2',
  ...over,
});
const state = (phase1?: PhaseOneRecord, phase2?: PhaseTwoRecord): StateRecord => ({
  ...emptyState('vc', 'team-a'),
  phase1,
  phase2,
});
const okDiff = { ok: true, rows: [], lost: [] };
const verified = p1({ status: 'verified', verifiedAt: '2026-03-01T10:00:00Z', diff: okDiff });
const pod = (over: Partial<PodView> = {}): PodView => ({
  name: 'vc-0',
  uid: 'u1',
  phase: 'Running',
  ready: true,
  restarts: 0,
  deleting: false,
  ...over,
});

describe('decideMigrate', () => {
  it('starts only on a deployed release that runs on deployed etcd', () => {
    expect(decideMigrate(state(), view())).toEqual({ kind: 'start' });
    expect(decideMigrate(state(), view({ release: release('deployed', 9) }))).toEqual({ kind: 'start' });
  });

  it('calls the migration complete once phase two is verified', () => {
    expect(decideMigrate(state(verified, p2({ status: 'verified' })), view({ store: 'embedded' }))).toEqual({
      kind: 'noop',
      why: 'the migration is complete: phase two is done',
      next: 'nothing; the release runs on embedded etcd',
    });
  });

  it('sends the user to finalize once phase two has begun, naming its status and failure', () => {
    const next = 'run phase finalize again: it resumes where phase two stopped';
    expect(
      decideMigrate(state(verified, p2({ status: 'failed', failure: 'helm timed out' })), view({ store: 'embedded' })),
    ).toEqual({
      kind: 'noop',
      why: 'phase two has begun (failed: helm timed out); phase one has nothing left to do',
      next,
    });
    expect(decideMigrate(state(verified, p2({ status: 'upgraded' })), view({ store: 'deployed' }))).toEqual({
      kind: 'noop',
      why: 'phase two has begun (upgraded); phase one has nothing left to do',
      next,
    });
  });

  it('has nothing to do once phase one is verified', () => {
    expect(decideMigrate(state(verified), view({ store: 'migrating' }))).toEqual({
      kind: 'noop',
      why: 'phase one was verified at 2026-03-01T10:00:00Z',
      next: 'run phase finalize from the job that names the approval environment',
    });
  });

  it('refuses a release that does not exist', () => {
    expect(decideMigrate(state(p1()), view({ release: undefined }))).toEqual({
      kind: 'refuse',
      why: 'Helm release vc does not exist in namespace team-a',
      remedy:
        'check the release and namespace inputs (helm list -n team-a lists the releases there); nothing was changed',
    });
  });

  it('has nothing to migrate on a release already on embedded etcd', () => {
    expect(decideMigrate(state(), view({ store: 'embedded' }))).toEqual({
      kind: 'noop',
      why: 'the release already runs on embedded etcd without the migration flag; there is nothing to migrate',
      next: 'nothing',
    });
  });

  it('resumes at the log wait when the phase-one values are applied, naming the last failure', () => {
    expect(
      decideMigrate(
        state(p1({ status: 'failed', failure: 'no success line within 15m0s' })),
        view({ store: 'migrating' }),
      ),
    ).toEqual({
      kind: 'resume',
      at: 'log-wait',
      why: 'the phase-one upgrade is applied; the last run failed (no success line within 15m0s); waiting for the log line again',
    });
    const plain = {
      kind: 'resume',
      at: 'log-wait',
      why: 'the phase-one upgrade is already applied; resuming at the wait for the success log line',
    };
    expect(decideMigrate(state(p1({ status: 'upgraded' })), view({ store: 'migrating' }))).toEqual(plain);
    expect(decideMigrate(state(p1({ status: 'failed' })), view({ store: 'migrating' }))).toEqual(plain);
    expect(decideMigrate(state(), view({ store: 'migrating', release: release('deployed') }))).toEqual(plain);
  });

  it('upgrades again after an interrupted phase-one upgrade only when the record says it started', () => {
    expect(decideMigrate(state(p1()), view({ store: 'migrating', release: release('pending-upgrade', 5) }))).toEqual({
      kind: 'resume',
      at: 'interrupted-upgrade',
      settle: 5,
      why: 'the phase-one helm upgrade (revision 5) was interrupted and left the release pending-upgrade; recording that revision as failed and upgrading again from the last deployed revision',
    });
    expect(decideMigrate(state(p1()), view({ store: 'migrating', release: release('failed', 5) }))).toEqual({
      kind: 'resume',
      at: 'interrupted-upgrade',
      why: 'the phase-one helm upgrade (revision 5) did not finish (release status failed) and the last run did not record its end; upgrading again from the last deployed revision',
    });
    const refused = {
      kind: 'refuse',
      why: 'release vc is pending-upgrade (revision 5): a Helm operation this migration did not record was interrupted',
      remedy:
        'check helm history vc -n team-a; roll back to the last deployed revision with helm rollback vc <that revision> -n team-a --wait (it undoes what the cut-short operation applied; a rollback to revision 5 itself would leave what it had not yet applied undone), then run migrate again',
    };
    expect(
      decideMigrate(
        state(p1({ status: 'failed' })),
        view({ store: 'migrating', release: release('pending-upgrade', 5) }),
      ),
    ).toEqual(refused);
    expect(
      decideMigrate(
        state(p1({ status: 'upgraded' })),
        view({ store: 'migrating', release: release('pending-upgrade', 5) }),
      ),
    ).toEqual(refused);
    expect(
      decideMigrate(state(p1()), view({ store: 'migrating', release: release('pending-install', 5) })),
    ).toMatchObject({
      kind: 'refuse',
      why: 'release vc is pending-install (revision 5): a Helm operation this migration did not record was interrupted',
    });
  });

  it.each(['other', 'unknown'] as const)('refuses a release whose store is %s, before touching it', (store) => {
    expect(decideMigrate(state(), view({ store }))).toEqual({
      kind: 'refuse',
      why: 'release vc does not run on deployed etcd (controlPlane.backingStore.etcd.deploy.enabled is not true in its values)',
      remedy:
        'this action only moves a deployed etcd to embedded etcd: check that release and namespace name the vCluster you meant (helm get values vc -n team-a); nothing was changed',
    });
    expect(decideMigrate(state(p1()), view({ store, release: release('pending-upgrade') }))).toMatchObject({
      kind: 'refuse',
    });
  });

  it.each(['failed', 'pending-upgrade', 'pending-rollback', 'superseded', 'uninstalling'])(
    'refuses a deployed-etcd release whose status is %s',
    (status) => {
      expect(decideMigrate(state(p1()), view({ release: release(status) }))).toEqual({
        kind: 'refuse',
        why: `release vc is ${status} at revision 4, not deployed`,
        remedy:
          'finish or roll back that Helm operation (helm history vc -n team-a; helm rollback vc <last deployed revision> -n team-a --wait), then run migrate again',
      });
    },
  );
});

describe('decideFinalize', () => {
  const migrating = (over: Partial<ClusterView> = {}) => view({ store: 'migrating', embeddedPod: pod(), ...over });

  it('starts after a verified phase one on the phase-one values with a Ready embedded etcd', () => {
    expect(decideFinalize(state(verified), migrating())).toEqual({ kind: 'start' });
    expect(decideFinalize(state(p1({ status: 'verified' })), migrating())).toEqual({ kind: 'start' });
  });

  it('has nothing to do once phase two is verified', () => {
    expect(
      decideFinalize(
        state(verified, p2({ status: 'verified', verifiedAt: '2026-03-02T08:00:00Z' })),
        view({ store: 'embedded' }),
      ),
    ).toEqual({
      kind: 'noop',
      why: 'phase two was verified at 2026-03-02T08:00:00Z',
      next: 'nothing; the release runs on embedded etcd',
    });
  });

  it('refuses after a copy that lost keys, naming every group that lost keys', () => {
    const row = (group: string) => ({
      group,
      before: 3,
      after: 2,
      delta: -1,
      volatile: false,
      verdict: 'lost' as const,
    });
    const diff = {
      ok: false,
      rows: [row('/registry/pods/'), row('/registry/secrets/')],
      lost: [row('/registry/pods/'), row('/registry/secrets/')],
    };
    const d = decideFinalize(state({ ...verified, diff }), migrating());
    expect(d).toMatchObject({
      kind: 'refuse',
      why: 'the embedded etcd has fewer keys than the deployed one in /registry/pods/, /registry/secrets/',
    });
    expect(d.kind === 'refuse' && d.remedy).toContain('kubectl -n team-a delete pvc data-vc-0;');
  });

  it('refuses while phase one is not verified, saying what the record shows', () => {
    const remedy = 'run phase migrate and let it see the success log line and equal key counts first';
    expect(decideFinalize(state(), migrating())).toEqual({
      kind: 'refuse',
      why: 'phase one is not verified: there is no phase-one record',
      remedy,
    });
    expect(decideFinalize(state(p1({ status: 'upgraded' })), migrating())).toEqual({
      kind: 'refuse',
      why: 'phase one is not verified: its status is upgraded',
      remedy,
    });
    expect(decideFinalize(state(p1({ status: 'failed', failure: 'timeout' })), migrating())).toEqual({
      kind: 'refuse',
      why: 'phase one is not verified: its status is failed (timeout)',
      remedy,
    });
  });

  it('upgrades again after an interrupted phase-two upgrade only when the record says it started', () => {
    expect(
      decideFinalize(state(verified, p2()), view({ store: 'embedded', release: release('pending-upgrade', 7) })),
    ).toEqual({
      kind: 'resume',
      at: 'interrupted-upgrade',
      settle: 7,
      why: 'the phase-two helm upgrade (revision 7) was interrupted and left the release pending-upgrade; recording that revision as failed and upgrading again from the last deployed revision',
    });
    const refused = {
      kind: 'refuse',
      why: 'release vc is pending-upgrade (revision 7): a Helm operation this migration did not record was interrupted',
      remedy:
        'check helm history vc -n team-a; roll back to the last deployed revision with helm rollback vc <that revision> -n team-a --wait (it undoes what the cut-short operation applied; a rollback to revision 7 itself would leave what it had not yet applied undone), then run finalize again',
    };
    expect(decideFinalize(state(verified), migrating({ release: release('pending-upgrade', 7) }))).toEqual(refused);
    expect(
      decideFinalize(
        state(verified, p2({ status: 'upgraded' })),
        view({ store: 'embedded', release: release('pending-upgrade', 7) }),
      ),
    ).toEqual(refused);
    expect(
      decideFinalize(state(verified, p2()), view({ store: 'embedded', release: release('pending-rollback', 7) })),
    ).toMatchObject({
      kind: 'refuse',
      why: 'release vc is pending-rollback (revision 7): a Helm operation this migration did not record was interrupted',
    });
  });

  it('verifies when the phase-two upgrade is applied, or the release already shows the phase-two values', () => {
    const verify = {
      kind: 'resume',
      at: 'verify',
      why: 'the phase-two upgrade is already applied; verifying what it removed',
    };
    expect(decideFinalize(state(verified, p2({ status: 'upgraded' })), migrating())).toEqual(verify);
    expect(decideFinalize(state(verified, p2({ status: 'started' })), view({ store: 'embedded' }))).toEqual(verify);
    expect(decideFinalize(state(verified, p2({ status: 'failed' })), view({ store: 'embedded' }))).toEqual(verify);
  });

  it('runs the phase-two upgrade again when a phase-two record is started or failed and the release still shows phase one', () => {
    expect(decideFinalize(state(verified, p2({ status: 'started' })), migrating())).toEqual({ kind: 'start' });
    expect(decideFinalize(state(verified, p2({ status: 'failed', failure: 'helm timed out' })), migrating())).toEqual({
      kind: 'start',
    });
  });

  it('refuses when the release is gone after phase one', () => {
    expect(decideFinalize(state(verified), view({ release: undefined, store: 'unknown' }))).toMatchObject({
      kind: 'refuse',
      why: 'the values of release vc do not show the phase-one state (store: unknown)',
    });
  });

  it.each(['deployed', 'embedded', 'other', 'unknown'] as const)(
    'refuses a release whose values show store %s instead of phase one',
    (store) => {
      expect(decideFinalize(state(verified), view({ store, embeddedPod: pod() }))).toEqual({
        kind: 'refuse',
        why: `the values of release vc do not show the phase-one state (store: ${store})`,
        remedy:
          'someone changed release vc since phase one, and finalize removes nothing from values it did not set: see who in helm history vc -n team-a and what in helm get values vc -n team-a, next to the state record (ConfigMap vc-etcd-migration)',
      });
    },
  );

  it('refuses while the embedded etcd is missing or not Ready, saying what the pod shows', () => {
    const remedy =
      'wait for pod vc-0 to be Ready (kubectl -n team-a describe pod vc-0 says why it is not), then run finalize again';
    expect(decideFinalize(state(verified), migrating({ embeddedPod: undefined }))).toEqual({
      kind: 'refuse',
      why: 'the embedded etcd is not healthy: pod is missing',
      remedy,
    });
    expect(
      decideFinalize(state(verified), migrating({ embeddedPod: pod({ ready: false, phase: 'Pending' }) })),
    ).toEqual({
      kind: 'refuse',
      why: 'the embedded etcd is not healthy: pod vc-0 is Pending, not Ready',
      remedy,
    });
    expect(
      decideFinalize(
        state(verified),
        migrating({ embeddedPod: pod({ ready: false, waitingReason: 'CrashLoopBackOff' }) }),
      ),
    ).toEqual({
      kind: 'refuse',
      why: 'the embedded etcd is not healthy: pod vc-0 is Running (CrashLoopBackOff), not Ready',
      remedy,
    });
  });
});
