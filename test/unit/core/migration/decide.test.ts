import { describe, it, expect } from 'vitest';
import { decideMigrate, decideFinalize } from '../../../../src/core/migration/decide.ts';
import { emptyState, decideLock, lockedBy, type StateRecord } from '../../../../src/core/migration/state.ts';
import type { ClusterView } from '../../../../src/core/migration/cluster-view.ts';
import type { CensusDiff } from '../../../../src/core/migration/census.ts';

const view = (over: Partial<ClusterView> = {}): ClusterView => ({
  release: { status: 'deployed', chartVersion: '0.27.0', revision: 1 },
  store: 'deployed',
  deployedEtcd: { replicas: 1, readyReplicas: 1 },
  etcdServices: ['vc-etcd', 'vc-etcd-headless'],
  controlPlane: 'Deployment',
  etcdPods: [],
  etcdPvcs: [],
  storageClasses: [{ name: 'standard', isDefault: true }],
  ...over,
});
const verified = (s: StateRecord): StateRecord => ({
  ...s,
  phase1: {
    status: 'verified',
    startedAt: 't',
    chartVersion: '0.27.0',
    valuesDigest: 'd',
    verifiedAt: 't2',
    diff: { ok: true, rows: [], lost: [] },
  },
});
const readyPod = { name: 'vc-0', uid: 'u', phase: 'Running', ready: true, restarts: 0, deleting: false };

describe('decideMigrate', () => {
  const s0 = emptyState('vc', 'ns');
  it('starts on a deployed release with no record', () => expect(decideMigrate(s0, view())).toEqual({ kind: 'start' }));
  it('refuses a missing release', () =>
    expect(decideMigrate(s0, view({ release: undefined }))).toMatchObject({
      kind: 'refuse',
      why: expect.stringContaining('does not exist'),
    }));
  it('resumes at the log wait when the phase-one upgrade is applied', () =>
    expect(decideMigrate(s0, view({ store: 'migrating' }))).toMatchObject({ kind: 'resume', at: 'log-wait' }));
  it('is a no-op once phase one is verified', () =>
    expect(decideMigrate(verified(s0), view({ store: 'migrating' }))).toMatchObject({ kind: 'noop' }));
  it('refuses a release in a pending Helm state', () =>
    expect(
      decideMigrate(s0, view({ release: { status: 'pending-upgrade', chartVersion: '0.27.0', revision: 2 } })),
    ).toMatchObject({ kind: 'refuse' }));
  it('is a no-op on a release already on embedded etcd', () =>
    expect(decideMigrate(s0, view({ store: 'embedded' }))).toMatchObject({ kind: 'noop' }));
  it('after an interrupted phase two, sends the user to finalize instead of calling the migration complete', () => {
    const s = { ...verified(s0), phase2: { status: 'started' as const, startedAt: 't', valuesDigest: 'd2' } };
    const d = decideMigrate(
      s,
      view({ store: 'embedded', release: { status: 'pending-upgrade', chartVersion: '0.27.0', revision: 3 } }),
    );
    expect(d).toMatchObject({
      kind: 'noop',
      why: expect.stringContaining('phase two has begun (started)'),
      next: expect.stringContaining('finalize'),
    });
    expect(
      decideMigrate({ ...s, phase2: { ...s.phase2, status: 'verified' } }, view({ store: 'embedded' })),
    ).toMatchObject({ kind: 'noop', why: expect.stringContaining('complete') });
  });
});

describe('decideFinalize', () => {
  const s0 = emptyState('vc', 'ns');
  const lost = {
    group: '/registry/pods/',
    before: 3,
    after: 2,
    delta: -1,
    volatile: false,
    verdict: 'lost' as const,
  };
  const failedPhaseOne = (failure: string, diff?: CensusDiff): StateRecord => ({
    ...s0,
    phase1: { status: 'failed', startedAt: 't', chartVersion: '0.27.0', valuesDigest: 'd', failure, diff },
  });
  it('refuses without a phase-one record', () =>
    expect(decideFinalize(s0, view())).toMatchObject({
      kind: 'refuse',
      why: expect.stringContaining('no phase-one record'),
    }));
  it('refuses when phase one failed', () => {
    const s = failedPhaseOne('timeout');
    expect(decideFinalize(s, view({ store: 'migrating' }))).toMatchObject({
      kind: 'refuse',
      why: expect.stringContaining('failed (timeout)'),
    });
  });
  it('refuses when groups lost keys', () => {
    const s = verified(s0);
    s.phase1!.diff = { ok: false, rows: [lost], lost: [lost] };
    expect(decideFinalize(s, view({ store: 'migrating', embeddedPod: readyPod }))).toMatchObject({
      kind: 'refuse',
      why: expect.stringContaining('/registry/pods/'),
    });
  });
  it('after a copy that lost keys, refuses and names the commands that make vCluster copy again', () => {
    const s = failedPhaseOne('groups lost keys: /registry/pods/', { ok: false, rows: [lost], lost: [lost] });
    const d = decideFinalize(s, view({ store: 'migrating', embeddedPod: readyPod }));
    expect(d).toMatchObject({ kind: 'refuse', why: expect.stringContaining('/registry/pods/') });
    expect(d.kind === 'refuse' && d.remedy).toContain('kubectl -n ns delete pvc data-vc-0;');
    // With HA, every replica's PVC, from the StatefulSet the cluster shows.
    const ha = decideFinalize(
      s,
      view({ store: 'migrating', embeddedPod: readyPod, controlPlane: 'StatefulSet', controlPlaneReplicas: 3 }),
    );
    expect(ha.kind === 'refuse' && ha.remedy).toContain('delete pvc data-vc-0 data-vc-1 data-vc-2;');
    // A failure that is not lost keys (a timeout) is resumed by migrate, not by deleting anything.
    const t = failedPhaseOne('timeout');
    const dt = decideFinalize(t, view({ store: 'migrating' }));
    expect(dt.kind === 'refuse' && dt.remedy).not.toContain('delete pvc');
  });
  it('refuses while the embedded etcd pod is not ready', () => {
    expect(
      decideFinalize(
        verified(s0),
        view({ store: 'migrating', embeddedPod: { ...readyPod, ready: false, phase: 'Pending' } }),
      ),
    ).toMatchObject({ kind: 'refuse', why: expect.stringContaining('not Ready') });
  });
  it('starts after a verified phase one with a healthy embedded etcd', () => {
    expect(decideFinalize(verified(s0), view({ store: 'migrating', embeddedPod: readyPod }))).toEqual({
      kind: 'start',
    });
  });
  it('resumes the verification when the phase-two upgrade was applied', () => {
    const s = { ...verified(s0), phase2: { status: 'upgraded' as const, startedAt: 't', valuesDigest: 'd' } };
    expect(decideFinalize(s, view({ store: 'embedded', embeddedPod: readyPod }))).toMatchObject({
      kind: 'resume',
      at: 'verify',
    });
  });
  it('is a no-op once phase two is verified', () => {
    const s = {
      ...verified(s0),
      phase2: { status: 'verified' as const, startedAt: 't', valuesDigest: 'd', verifiedAt: 't3' },
    };
    expect(decideFinalize(s, view({ store: 'embedded' }))).toMatchObject({ kind: 'noop' });
  });
});

describe('lock', () => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const held = lockedBy(emptyState('vc', 'ns'), 'run-1', 'migrate', t0);
  it('lets the holder keep it', () => expect(decideLock(held, 'run-1', t0)).toEqual({ take: true }));
  it('refuses a second run while the holder renews it', () =>
    expect(decideLock(held, 'run-2', new Date(t0.getTime() + 30_000))).toMatchObject({
      take: false,
      holder: { runId: 'run-1' },
    }));
  it('lets a run take over a lock nobody renewed for 90 seconds', () =>
    expect(decideLock(held, 'run-2', new Date(t0.getTime() + 91_000))).toMatchObject({
      take: true,
      takeover: { runId: 'run-1' },
    }));
});
