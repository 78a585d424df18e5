// A run killed during phase one's `helm upgrade --wait` leaves the release pending-upgrade with the
// phase-one values. The next migrate must neither wait for a pod helm never created nor leave helm
// stuck (finalize's upgrade would fail with "another operation is in progress"), nor apply that
// revision against itself (what the killed upgrade had not yet done would stay undone).
import { describe, expect, it } from 'vitest';
import { decideFinalize, decideMigrate, interruptedUpgradeRefusal } from '../../../../src/core/migration/decide.ts';
import { emptyState, type StateRecord } from '../../../../src/core/migration/state.ts';
import type { ClusterView } from '../../../../src/core/migration/cluster-view.ts';

const pending = (status = 'pending-upgrade'): ClusterView => ({
  release: { status, chartVersion: '0.27.0', revision: 2 },
  store: 'migrating',
  deployedEtcd: { replicas: 1, readyReplicas: 1 },
  etcdServices: [],
  controlPlane: 'none',
  etcdPods: [],
  etcdPvcs: [],
  storageClasses: [],
});
const started: StateRecord = {
  ...emptyState('vc', 'ns'),
  phase1: { status: 'started', startedAt: 't', chartVersion: '0.27.0', valuesDigest: 'sha256:x' },
};

describe('decideMigrate after an interrupted phase-one upgrade', () => {
  it('records the pending revision as failed and upgrades again when the record says phase one started', () => {
    expect(decideMigrate(started, pending())).toMatchObject({
      kind: 'resume',
      at: 'interrupted-upgrade',
      settle: 2,
      why: expect.stringContaining('revision 2'),
    });
  });
  it('upgrades again without settling when a run was killed after settling (release failed, record still started)', () => {
    const d = decideMigrate(started, pending('failed'));
    expect(d).toMatchObject({ kind: 'resume', at: 'interrupted-upgrade' });
    expect(d).not.toHaveProperty('settle');
  });
  it('keeps resuming at the log wait after an upgrade failure the last run recorded', () => {
    const failed: StateRecord = { ...started, phase1: { ...started.phase1!, status: 'failed', failure: 'timed out' } };
    expect(decideMigrate(failed, pending('failed'))).toMatchObject({ kind: 'resume', at: 'log-wait' });
  });
  it('refuses, naming a rollback to the last deployed revision (not to the pending one), when the record does not show our upgrade', () => {
    const d = decideMigrate(emptyState('vc', 'ns'), pending());
    expect(d).toMatchObject({ kind: 'refuse' });
    expect(d.kind === 'refuse' && d.remedy).toContain('helm rollback vc <that revision> -n ns --wait');
    expect(d.kind === 'refuse' && d.remedy).toContain('a rollback to revision 2 itself would leave');
  });
  it('refuses other pending states (a rollback or install cut short)', () => {
    expect(decideMigrate(started, pending('pending-rollback'))).toMatchObject({
      kind: 'refuse',
      why: expect.stringContaining('pending-rollback'),
    });
  });
  it('resumes at the log wait once the release is deployed again', () => {
    expect(
      decideMigrate({ ...started, phase1: { ...started.phase1!, status: 'upgraded' } }, pending('deployed')),
    ).toMatchObject({ kind: 'resume', at: 'log-wait' });
  });
});

// The same for phase two: the pending revision holds the phase-two values (store: embedded).
describe('decideFinalize after an interrupted phase-two upgrade', () => {
  const verified: StateRecord = { ...started, phase1: { ...started.phase1!, status: 'verified', verifiedAt: 't' } };
  const p2Started: StateRecord = {
    ...verified,
    phase2: { status: 'started', startedAt: 't', valuesDigest: 'sha256:y' },
  };
  const pendingEmbedded = (status = 'pending-upgrade'): ClusterView => ({
    ...pending(status),
    store: 'embedded',
    release: { status, chartVersion: '0.27.0', revision: 3 },
  });
  it('records the pending revision as failed and upgrades again when the record says phase two started', () => {
    expect(decideFinalize(p2Started, pendingEmbedded())).toMatchObject({
      kind: 'resume',
      at: 'interrupted-upgrade',
      settle: 3,
      why: expect.stringContaining('revision 3'),
    });
  });
  it('upgrades again (not only verifies) when the release is failed and the record still says started', () => {
    expect(decideFinalize(p2Started, pendingEmbedded('failed'))).toMatchObject({
      kind: 'resume',
      at: 'interrupted-upgrade',
    });
  });
  it('upgrades again after a phase-two upgrade helm itself ended as failed (the last run recorded the failure)', () => {
    const failed: StateRecord = {
      ...p2Started,
      phase2: { ...p2Started.phase2!, status: 'failed', failure: 'cannot patch "vc": refused' },
    };
    const d = decideFinalize(failed, pendingEmbedded('failed'));
    expect(d).toMatchObject({ kind: 'resume', at: 'interrupted-upgrade' });
    expect(d).not.toHaveProperty('settle');
    expect(d.kind === 'resume' && d.why).toContain('(revision 3) failed (cannot patch "vc": refused)');
    // Once helm has a deployed phase-two revision, only the removal check is left.
    expect(decideFinalize(failed, pendingEmbedded('deployed'))).toMatchObject({ kind: 'resume', at: 'verify' });
  });
  it('does not take a pending release for a finished upgrade (helm would refuse every later operation)', () => {
    expect(decideFinalize(p2Started, pendingEmbedded())).not.toMatchObject({ at: 'verify' });
  });
  it('refuses a pending release it did not start, naming a rollback to the last deployed revision', () => {
    const d = decideFinalize(verified, pendingEmbedded());
    expect(d).toMatchObject({ kind: 'refuse' });
    expect(d.kind === 'refuse' && d.remedy).toContain('helm rollback vc <that revision> -n ns --wait');
    expect(decideFinalize(p2Started, pendingEmbedded('pending-rollback'))).toMatchObject({
      kind: 'refuse',
      why: expect.stringContaining('pending-rollback'),
    });
  });
  it('resumes at the removal check once the release is deployed again', () => {
    expect(
      decideFinalize(
        { ...p2Started, phase2: { ...p2Started.phase2!, status: 'upgraded' } },
        pendingEmbedded('deployed'),
      ),
    ).toMatchObject({ kind: 'resume', at: 'verify' });
  });
});

describe('interruptedUpgradeRefusal', () => {
  const base = {
    label: 'phase one',
    phase: 'migrate' as const,
    release: 'vc',
    namespace: 'ns',
    revision: 2,
    status: 'pending-upgrade',
    digest: 'sha256:x',
    recordedDigest: 'sha256:x',
    chartVersion: '0.27.0',
    inputChartVersion: '0.27.0',
  };
  it('lets our own interrupted upgrade run again', () => {
    expect(interruptedUpgradeRefusal(base)).toBeUndefined();
  });
  it('refuses values this migration did not record', () => {
    expect(interruptedUpgradeRefusal({ ...base, digest: 'sha256:other' })?.why).toContain(
      'are not the phase one values this migration recorded (sha256:x)',
    );
  });
  it('refuses another chart version than the interrupted upgrade used, naming the one to use', () => {
    const r = interruptedUpgradeRefusal({ ...base, inputChartVersion: '0.28.0' });
    expect(r?.why).toContain('used chart 0.27.0, not chart-version 0.28.0');
    expect(r?.remedy).toContain('chart-version: 0.27.0');
  });
});
