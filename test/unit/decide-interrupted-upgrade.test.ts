// A run killed during phase one's `helm upgrade --wait` leaves the release pending-upgrade with the
// phase-one values. The next migrate must neither wait for a pod helm never created nor leave helm
// stuck (finalize's upgrade would fail with "another operation is in progress").
import { describe, expect, it } from 'vitest';
import { decideFinalize, decideMigrate } from '../../src/decide.ts';
import { emptyState, type StateRecord } from '../../src/state.ts';
import type { ClusterView } from '../../src/cluster-view.ts';

const pending = (status = 'pending-upgrade'): ClusterView => ({
  release: { status, chartVersion: '0.27.0', revision: 2 }, store: 'migrating',
  deployedEtcd: { replicas: 1, readyReplicas: 1 }, etcdServices: [], controlPlane: 'none', etcdPods: [], etcdPvcs: [], storageClasses: [],
});
const started: StateRecord = { ...emptyState('vc', 'ns'), phase1: { status: 'started', startedAt: 't', chartVersion: '0.27.0', valuesDigest: 'sha256:x' } };

describe('decideMigrate after an interrupted phase-one upgrade', () => {
  it('applies the pending revision again when the record says phase one started', () => {
    expect(decideMigrate(started, pending())).toMatchObject({ kind: 'resume', at: 'interrupted-upgrade', why: expect.stringContaining('revision 2') });
  });
  it('refuses, naming helm rollback to that revision, when the record does not show our upgrade', () => {
    const d = decideMigrate(emptyState('vc', 'ns'), pending());
    expect(d).toMatchObject({ kind: 'refuse' });
    expect(d.kind === 'refuse' && d.remedy).toContain('helm rollback <release> 2 --wait');
  });
  it('refuses other pending states (a rollback or install cut short)', () => {
    expect(decideMigrate(started, pending('pending-rollback'))).toMatchObject({ kind: 'refuse', why: expect.stringContaining('pending-rollback') });
  });
  it('resumes at the log wait once the release is deployed again', () => {
    expect(decideMigrate({ ...started, phase1: { ...started.phase1!, status: 'upgraded' } }, pending('deployed'))).toMatchObject({ kind: 'resume', at: 'log-wait' });
  });
});

// The same for phase two: the pending revision holds the phase-two values (store: embedded).
describe('decideFinalize after an interrupted phase-two upgrade', () => {
  const verified: StateRecord = { ...started, phase1: { ...started.phase1!, status: 'verified', verifiedAt: 't' } };
  const p2Started: StateRecord = { ...verified, phase2: { status: 'started', startedAt: 't', valuesDigest: 'sha256:y' } };
  const pendingEmbedded = (status = 'pending-upgrade'): ClusterView => ({ ...pending(status), store: 'embedded', release: { status, chartVersion: '0.27.0', revision: 3 } });
  it('applies the pending revision again when the record says phase two started', () => {
    expect(decideFinalize(p2Started, pendingEmbedded())).toMatchObject({ kind: 'resume', at: 'interrupted-upgrade', why: expect.stringContaining('revision 3') });
  });
  it('does not take a pending release for a finished upgrade (helm would refuse every later operation)', () => {
    expect(decideFinalize(p2Started, pendingEmbedded())).not.toMatchObject({ at: 'verify' });
  });
  it('refuses a pending release it did not start, naming helm rollback to that revision', () => {
    const d = decideFinalize(verified, pendingEmbedded());
    expect(d).toMatchObject({ kind: 'refuse' });
    expect(d.kind === 'refuse' && d.remedy).toContain('helm rollback <release> 3 --wait');
    expect(decideFinalize(p2Started, pendingEmbedded('pending-rollback'))).toMatchObject({ kind: 'refuse', why: expect.stringContaining('pending-rollback') });
  });
  it('resumes at the removal check once the release is deployed again', () => {
    expect(decideFinalize({ ...p2Started, phase2: { ...p2Started.phase2!, status: 'upgraded' } }, pendingEmbedded('deployed'))).toMatchObject({ kind: 'resume', at: 'verify' });
  });
});
