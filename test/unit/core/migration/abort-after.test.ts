// What the other phases make of an abort: migrate starts again (or refuses a stale embedded PVC),
// discover counts the release as deployed again, and the permissions abort checks before it starts.
import { describe, expect, it } from 'vitest';
import { decideMigrate } from '../../../../src/core/migration/decide.ts';
import { abortFinished, abortStarted } from '../../../../src/core/migration/abort-record.ts';
import { emptyState, type StateRecord } from '../../../../src/core/migration/state.ts';
import { accessNeeds } from '../../../../src/core/migration/permissions.ts';
import { classifyFleet } from '../../../../src/core/fleet/classification.ts';
import { groupFleet, type WorkloadObj } from '../../../../src/core/fleet/grouping.ts';
import { clusterView, sampleCensus, withVerifiedPhaseOne } from '../../../support/state-records.ts';
import { abortPlanLines, wouldAbortLines } from '../../../../src/core/migration/abort-plan.ts';
import type { EqualizeRecord } from '../../../../src/core/migration/abort-record.ts';

const view = clusterView;
const verifiedPhaseOne = (s: StateRecord): StateRecord =>
  withVerifiedPhaseOne(s, { verifiedAt: '2026-12-07T07:00:00Z', diff: { ok: true, rows: [], lost: [] } });
const at = new Date('2026-12-07T08:00:00Z');
const census = sampleCensus();
const underWay = abortStarted(
  verifiedPhaseOne(emptyState('vc', 'ns')),
  { case: 'verified', source: 'embedded', why: 'verified', valuesRevision: 3 },
  at,
);
const aborted = abortFinished(underWay, census, ['data-vc-0'], at);
const stalePvc = { embeddedPvcs: [{ name: 'data-vc-0' }] };

describe('migrate after an abort', () => {
  it('starts phase one again from the deployed etcd once the embedded PVC is gone', () => {
    expect(decideMigrate(aborted, view())).toEqual({ kind: 'start' });
  });

  it('refuses while the old embedded etcd PVC exists, naming the delete command and the input', () => {
    const d = decideMigrate(aborted, view(stalePvc));
    expect(d).toMatchObject({ kind: 'refuse' });
    if (d.kind !== 'refuse') throw new Error('not a refusal');
    expect(d.why).toContain('PVC data-vc-0 still exists');
    expect(d.why).toContain('take it for a finished copy');
    expect(d.remedy).toContain('kubectl -n ns delete pvc data-vc-0');
    expect(d.remedy).toContain('delete-stale-embedded-pvc: true');
  });

  it('refuses such a PVC without an abort too (a stale copy is a stale copy)', () => {
    expect(decideMigrate(emptyState('vc', 'ns'), view(stalePvc))).toMatchObject({ kind: 'refuse' });
  });

  it('with delete-stale-embedded-pvc: true starts and names the PVCs to delete first', () => {
    expect(
      decideMigrate(aborted, view({ embeddedPvcs: [{ name: 'data-vc-0' }, { name: 'data-vc-1' }] }), {
        deleteStaleEmbeddedPvc: true,
      }),
    ).toEqual({ kind: 'start', deleteStalePvcs: ['data-vc-0', 'data-vc-1'] });
  });

  it('refuses while an abort is under way: only abort goes on from there', () => {
    const d = decideMigrate(underWay, view({ store: 'migrating' }));
    expect(d).toMatchObject({ kind: 'refuse', remedy: expect.stringContaining('run phase abort again') });
  });

  it('without an abort a verified phase one is still a no-op', () => {
    expect(decideMigrate(verifiedPhaseOne(emptyState('vc', 'ns')), view({ store: 'migrating' }))).toMatchObject({
      kind: 'noop',
    });
  });
});

describe('permissions of abort', () => {
  const names = (p: Parameters<typeof accessNeeds>[0], o = { deletePvcs: false }) =>
    accessNeeds(p, o).map(
      (n) => `${n.verb} ${n.resource}${n.subresource ? `/${n.subresource}` : ''}${n.group ? `.${n.group}` : ''}`,
    );

  it('adds the reader pod, the Deployment wait and the annotation patch to what the changing phases need', () => {
    const abort = names('abort');
    for (const x of ['create pods', 'delete pods', 'get deployments.apps', 'patch secrets', 'patch statefulsets.apps'])
      expect(abort).toContain(x);
    expect(names('migrate')).not.toContain('create pods');
    expect(names('finalize')).not.toContain('delete pods');
  });

  it('migrate needs to delete PVCs only with delete-stale-embedded-pvc', () => {
    expect(names('migrate')).not.toContain('delete persistentvolumeclaims');
    expect(names('migrate', { deletePvcs: false, deleteStaleEmbeddedPvc: true } as never)).toContain(
      'delete persistentvolumeclaims',
    );
  });
});

describe('discover after an abort', () => {
  const workloads: WorkloadObj[] = [
    {
      kind: 'Deployment',
      namespace: 'ns',
      name: 'vc',
      replicas: 1,
      labels: { app: 'vcluster', release: 'vc', chart: 'vcluster-0.27.0' },
      annotations: {},
    },
    {
      kind: 'StatefulSet',
      namespace: 'ns',
      name: 'vc-etcd',
      replicas: 1,
      labels: { app: 'vcluster-etcd', release: 'vc', chart: 'vcluster-0.27.0' },
      annotations: {},
    },
  ];
  const classify = (s: StateRecord) =>
    classifyFleet(
      groupFleet({
        controlPlanes: [workloads[0]!],
        etcds: [workloads[1]!],
        records: [{ namespace: 'ns', name: 'vc-etcd-migration', release: 'vc', text: JSON.stringify(s) }],
      }),
      { chartVersion: 'keep', gitopsPaused: false },
    )[0]!;

  it('counts an aborted release as deployed again, and says what migrate needs first', () => {
    const e = classify(aborted);
    expect(e.state).toBe('deployed');
    expect(e.reason).toContain('back from phase one by an abort at 2026-12-07T08:00:00.000Z');
    expect(e.next).toContain('PVC data-vc-0');
    expect(e.next).toContain('delete-stale-embedded-pvc: true');
  });

  it('keeps a release whose abort is under way out of every matrix, asking for abort again', () => {
    const e = classify(underWay);
    expect(e.state).toBe('not-eligible');
    expect(e.attention).toBe(true);
    expect(e.next).toContain('run abort again');
  });
});

describe('what abort would do, and what it did', () => {
  it('plan lists the steps, the revision it goes back to and the PVC it leaves', () => {
    const s = verifiedPhaseOne(emptyState('vc', 'ns'));
    const lines = wouldAbortLines(s, { kind: 'abort', case: 'verified', keep: 'embedded', by: 'state', why: 'w' });
    const text = lines.join('\n');
    expect(text).toContain('Case: phase one was verified');
    expect(text).toContain('scale StatefulSet vc to 0');
    expect(text).toMatch(/make the deployed etcd's keyspace equal to the embedded etcd's/i);
    expect(text).toContain('Helm revision 3');
    expect(text).toContain('vcluster.loft.sh/store and vcluster.loft.sh/distro on Secret vc-config-vc');
    expect(text).toContain('PVC data-vc-0 stays');
    expect(text).not.toContain('content proof');
    // With the content proof's baseline recorded, plan says only the changes since it go back.
    const withProof = {
      ...s,
      phase1: { ...s.phase1!, contentBaseline: { deployedRevision: 70, embeddedRevision: 80, sameGroups: [] } },
    };
    expect(
      wouldAbortLines(withProof, { kind: 'abort', case: 'verified', keep: 'embedded', by: 'state', why: 'w' })[3],
    ).toContain(
      "(w): only what changed since phase one's content proof (embedded etcd revision 80) is carried back while the deployed etcd is still at revision 70, else both are compared key by key; lift",
    );
  });

  it('plan says when abort would compare both etcds first', () => {
    const lines = wouldAbortLines(emptyState('vc', 'ns'), { kind: 'compare', case: 'not-verified', why: 'w' });
    expect(lines.join('\n')).toContain('Case: phase one was never verified');
    expect(lines.join('\n')).toMatch(/compare both etcds key by key/i);
    expect(lines.join('\n')).toContain('the last Helm revision on deployed etcd');
  });

  it('plan gives a refusal with why and the remedy', () => {
    const lines = wouldAbortLines(emptyState('vc', 'ns'), {
      kind: 'refuse',
      which: 'phase two',
      why: 'phase two began',
      remedy: 'restore the snapshot',
    });
    expect(lines).toEqual(['abort would be refused (phase two): phase two began.', 'Remedy: restore the snapshot.']);
  });

  it('a finished abort names the revisions, the snapshot and the delete command of the PVC left', () => {
    const a = {
      ...aborted.abort!,
      equalize: { sourceRevision: 900, deleted: 2, put: 5, unchanged: 10, revisionBefore: 400, revisionAfter: 905 },
      snapshot: { file: '/x/vc-embedded-etcd.snapshot.db', bytes: 10, sha256: 'abc', revision: 900, keys: 15 },
    };
    const text = abortPlanLines(a, 'vc', 'ns').join('\n');
    expect(text).toContain('5 keys written, 2 deleted, 10 already equal; revision 400 → 905, above the embedded etcd');
    expect(text).toContain('15 keys at revision 900, sha256 abc');
    expect(text).toContain('values of Helm revision 3');
    expect(text).toContain('kubectl -n ns delete pvc data-vc-0');
    expect(abortPlanLines({ ...a, leftoverPvcs: [] }, 'vc', 'ns').join('\n')).toContain('No embedded etcd PVC');
    const line = (equalize: EqualizeRecord) => abortPlanLines({ ...a, equalize }, 'vc', 'ns')[0];
    expect(line({ ...a.equalize, how: 'changes-since-proof', replayed: 7 })).toMatch(
      /^Deployed etcd: 7 changes since phase one's content proof replayed; 5 keys written/,
    );
    expect(line({ ...a.equalize, how: 'key-by-key', whyKeyByKey: 'it was written since' })).toMatch(
      /^Deployed etcd: compared key by key \(it was written since\); 5 keys written/,
    );
    expect(line({ ...a.equalize, how: 'changes-since-proof' })).toMatch(/^Deployed etcd: 0 changes since/);
  });
});
