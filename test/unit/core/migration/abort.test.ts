// decideAbort: every refusal (which, why, remedy), the verified case, the three ways of the unverified case,
// the abort-source input, and volatile groups that never decide.
import { describe, expect, it } from 'vitest';
import { decideAbort, describeDiscard, type AbortDecision } from '../../../../src/core/migration/abort.ts';
import type { ClusterView } from '../../../../src/core/migration/cluster-view.ts';
import {
  emptyGroupComparison,
  type GroupComparison,
  type KeyspaceComparison,
} from '../../../../src/core/migration/keyspace-comparison.ts';
import {
  emptyState,
  type PhaseOneRecord,
  type PhaseTwoRecord,
  type StateRecord,
} from '../../../../src/core/migration/state.ts';

const view = (over: Partial<ClusterView> = {}): ClusterView => ({
  release: { status: 'deployed', chartVersion: '0.27.0', revision: 5 },
  store: 'migrating',
  deployedEtcd: { replicas: 1, readyReplicas: 1 },
  etcdServices: ['vc-etcd'],
  controlPlane: 'StatefulSet',
  etcdPods: [],
  etcdPvcs: [{ name: 'data-vc-etcd-0' }],
  storageClasses: [],
  ...over,
});
const p1 = (over: Partial<PhaseOneRecord> = {}): PhaseOneRecord => ({
  status: 'verified',
  startedAt: 't1',
  chartVersion: '0.27.0',
  valuesDigest: 'd1',
  verifiedAt: 't2',
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
  ...(phase1 ? { phase1 } : {}),
  ...(phase2 ? { phase2 } : {}),
});
const group = (name: string, over: Partial<GroupComparison> = {}): GroupComparison => ({
  ...emptyGroupComparison(name),
  same: 10,
  ...over,
});
const comparison = (...groups: GroupComparison[]): KeyspaceComparison => ({
  sourceRevision: 900,
  targetRevision: 700,
  sourceKeys: 0,
  targetKeys: 0,
  groups,
});
const refusal = (d: AbortDecision) => {
  if (d.kind !== 'refuse') throw new Error(`expected a refusal, got ${JSON.stringify(d)}`);
  return d;
};
const go = (d: AbortDecision) => {
  if (d.kind !== 'abort') throw new Error(`expected abort, got ${JSON.stringify(d)}`);
  return d;
};

const embeddedWrote = group('/registry/configmaps/', {
  onlyInSource: 2,
  changed: 1,
  first: {
    onlyInSource: ['/registry/configmaps/a/new1', '/registry/configmaps/a/new2'],
    onlyInTarget: [],
    changed: ['/registry/configmaps/a/cm'],
  },
});
const deployedOnly = group('/registry/secrets/', {
  onlyInTarget: 4,
  first: {
    onlyInSource: [],
    onlyInTarget: ['/registry/secrets/a/s1', '/registry/secrets/a/s2', '/registry/secrets/a/s3'],
    changed: [],
  },
});

describe('decideAbort refusals', () => {
  it('after phase two began: names why and the snapshot phase one took', () => {
    const backup = { file: 'vc-phase1.db', bytes: 10, sha256: 'ab12', revision: 700, keys: 42 };
    const r = refusal(decideAbort(state(p1({ backup }), p2({ status: 'failed', failure: 'timeout' })), view()));
    expect(r.which).toBe('phase two');
    expect(r.why).toBe(
      'phase two (finalize) began at t3 (failed: timeout): it removes the deployed etcd, so abort cannot return to it',
    );
    expect(r.remedy).toContain('vc-phase1.db (revision 700, 42 keys, sha256 ab12)');
    expect(r.remedy).toContain('etcdutl snapshot restore --bump-revision and --mark-compacted');
  });

  it('after phase two began without a snapshot: says so and points to finalize', () => {
    const r = refusal(
      decideAbort(state(p1({ backupSkipReason: 'input backup: false' }), p2({ status: 'verified' })), view()),
    );
    expect(r.why).toContain('began at t3 (verified)');
    expect(r.remedy).toContain('no snapshot of phase one is recorded (input backup: false)');
    expect(r.remedy).toContain('run phase finalize again');
  });

  it('phase two refuses even when a comparison and abort-source are given', () => {
    const d = decideAbort(state(p1(), p2()), view(), comparison(embeddedWrote), { abortSource: 'embedded' });
    expect(refusal(d).which).toBe('phase two');
  });

  it('without phase one: nothing to abort', () => {
    const r = refusal(decideAbort(state(), view()));
    expect(r.which).toBe('phase one');
    expect(r.why).toBe(
      'no phase one of release vc is recorded in ConfigMap vc-etcd-migration in team-a: the release was not migrated by this action, so there is nothing to abort',
    );
    expect(r.remedy).toContain('nothing was changed');
  });

  it('without the Helm release', () => {
    const r = refusal(decideAbort(state(p1()), view({ release: undefined })));
    expect(r.which).toBe('Helm release vc');
    expect(r.why).toBe('Helm release vc does not exist in namespace team-a');
  });

  it('when the deployed etcd StatefulSet is gone', () => {
    const r = refusal(decideAbort(state(p1()), view({ deployedEtcd: undefined })));
    expect(r.which).toBe('StatefulSet vc-etcd');
    expect(r.why).toContain('is gone from namespace team-a');
    expect(r.remedy).toContain('helm upgrade');
  });

  it('when the deployed etcd PVCs are gone', () => {
    const r = refusal(decideAbort(state(p1({ status: 'upgraded' })), view({ etcdPvcs: [] })));
    expect(r.which).toBe('PVCs data-vc-etcd-*');
    expect(r.why).toContain('its data is lost');
    expect(r.remedy).toContain('run phase finalize');
  });
});

describe('decideAbort, phase one verified', () => {
  it('restores from the embedded etcd, before any comparison', () => {
    expect(decideAbort(state(p1()), view())).toEqual({
      kind: 'abort',
      case: 'verified',
      keep: 'embedded',
      by: 'state',
      why: 'phase one was verified at t2: the embedded etcd holds the truth and goes back into the deployed etcd',
    });
  });

  it('with the comparison: keeps embedded and lists what the deployed etcd loses', () => {
    const d = go(decideAbort(state(p1()), view(), comparison(embeddedWrote, deployedOnly)));
    expect(d.keep).toBe('embedded');
    expect(d.by).toBe('state');
    expect(d.discard).toEqual({
      side: 'deployed',
      onlyThere: 4,
      changed: 1,
      groups: [
        { group: '/registry/configmaps/', onlyThere: 0, changed: 1, firstKeys: ['/registry/configmaps/a/cm'] },
        {
          group: '/registry/secrets/',
          onlyThere: 4,
          changed: 0,
          firstKeys: ['/registry/secrets/a/s1', '/registry/secrets/a/s2', '/registry/secrets/a/s3'],
        },
      ],
    });
  });

  it('with equal keyspaces: nothing is discarded', () => {
    const d = go(decideAbort(state(p1()), view(), comparison(group('/registry/pods/'))));
    expect(d.discard).toBeUndefined();
  });

  it('abort-source deployed first needs the comparison, then keeps the deployed etcd listing the loss', () => {
    const first = decideAbort(state(p1()), view(), undefined, { abortSource: 'deployed' });
    expect(first).toMatchObject({ kind: 'compare', case: 'verified' });
    const d = go(decideAbort(state(p1()), view(), comparison(embeddedWrote), { abortSource: 'deployed' }));
    expect(d).toMatchObject({ keep: 'deployed', by: 'input', case: 'verified' });
    expect(d.discard).toMatchObject({ side: 'embedded', onlyThere: 2, changed: 1 });
  });
});

describe('decideAbort, phase one not verified', () => {
  const unverified = state(p1({ status: 'failed', verifiedAt: undefined, failure: 'the success line never came' }));

  it('asks for the comparison first, saying why', () => {
    expect(decideAbort(unverified, view())).toEqual({
      kind: 'compare',
      case: 'not-verified',
      why: 'phase one was not verified (failed: the success line never came): which etcd holds the truth is decided by comparing both',
    });
  });

  it('embedded holds no write the deployed lacks: the deployed etcd is kept (bump and compaction only)', () => {
    const d = go(decideAbort(unverified, view(), comparison(group('/registry/pods/'), deployedOnly)));
    expect(d).toMatchObject({ keep: 'deployed', by: 'comparison', case: 'not-verified' });
    expect(d.why).toBe(
      "the embedded etcd holds no write the deployed etcd lacks (it lacks 4 of the deployed etcd's keys: the copy was incomplete): the deployed etcd holds the truth",
    );
    expect(d.discard).toBeUndefined();
  });

  it('equal keyspaces: the deployed etcd is kept', () => {
    const d = go(decideAbort(unverified, view(), comparison(group('/registry/pods/'))));
    expect(d.keep).toBe('deployed');
    expect(d.why).toBe('the embedded etcd holds no write the deployed etcd lacks: the deployed etcd holds the truth');
  });

  it('embedded has writes and lacks none of the deployed keys: restore from embedded', () => {
    const d = go(decideAbort(unverified, view(), comparison(embeddedWrote, group('/registry/pods/'))));
    expect(d).toMatchObject({ keep: 'embedded', by: 'comparison' });
    expect(d.why).toContain('(3 key(s) added or changed)');
    // Only the deployed etcd's old value of the changed key is overwritten: still listed, never silent.
    expect(d.discard).toMatchObject({ side: 'deployed', onlyThere: 0, changed: 1 });
  });

  it('both sides have writes the other lacks: refused, naming both ways and what each throws away', () => {
    const r = refusal(decideAbort(unverified, view(), comparison(embeddedWrote, deployedOnly)));
    expect(r.which).toBe('input abort-source');
    expect(r.why).toContain(
      'the embedded etcd has 3 key(s) added or changed since the copy and lacks 4 key(s) of the deployed etcd',
    );
    expect(r.remedy).toContain(
      'abort-source: embedded — the deployed etcd loses 4 key(s) only it has and its value of 1 changed key(s), in 2 group(s) (/registry/configmaps/, /registry/secrets/; first keys: /registry/configmaps/a/cm, /registry/secrets/a/s1, /registry/secrets/a/s2, /registry/secrets/a/s3)',
    );
    expect(r.remedy).toContain(
      'abort-source: deployed — the embedded etcd loses 2 key(s) only it has and its value of 1 changed key(s), in 1 group(s) (/registry/configmaps/; first keys: /registry/configmaps/a/cm, /registry/configmaps/a/new1, /registry/configmaps/a/new2)',
    );
    expect(r.remedy).toContain('Nothing was changed in either etcd');
  });

  it('abort-source embedded settles it and lists what the deployed etcd loses', () => {
    const d = go(decideAbort(unverified, view(), comparison(embeddedWrote, deployedOnly), { abortSource: 'embedded' }));
    expect(d).toMatchObject({ keep: 'embedded', by: 'input' });
    expect(d.why).toBe('input abort-source is embedded: the embedded etcd is kept');
    expect(describeDiscard(d.discard!)).toContain('the deployed etcd loses 4 key(s)');
  });

  it('abort-source deployed settles it and lists what the embedded etcd loses', () => {
    const d = go(decideAbort(unverified, view(), comparison(embeddedWrote, deployedOnly), { abortSource: 'deployed' }));
    expect(d).toMatchObject({ keep: 'deployed', by: 'input' });
    expect(d.discard).toMatchObject({ side: 'embedded', onlyThere: 2, changed: 1 });
  });

  it('volatile groups and the action own reserved keys never decide', () => {
    const noisy = [
      group('/registry/events/', { onlyInSource: 50, onlyInTarget: 20, changed: 3 }),
      group('/registry/leases/', { changed: 9 }),
      group('compact_rev_key', { changed: 1 }),
      group('/vcluster-etcd-migrate/', { onlyInTarget: 1 }),
    ];
    const keepDeployed = go(decideAbort(unverified, view(), comparison(group('/registry/pods/'), ...noisy)));
    expect(keepDeployed.keep).toBe('deployed');
    expect(keepDeployed.discard).toBeUndefined();
    const keepEmbedded = go(decideAbort(unverified, view(), comparison(embeddedWrote, ...noisy)));
    expect(keepEmbedded.keep).toBe('embedded');
    expect(keepEmbedded.discard?.groups.map((g) => g.group)).toEqual(['/registry/configmaps/']);
  });

  it('custom volatile prefixes are honoured', () => {
    const d = go(
      decideAbort(unverified, view(), comparison(embeddedWrote, deployedOnly), {
        volatilePrefixes: ['/registry/secrets/'],
      }),
    );
    expect(d.keep).toBe('embedded');
  });

  it('phase one only started (no upgrade yet) is not verified either', () => {
    expect(decideAbort(state(p1({ status: 'started', verifiedAt: undefined })), view())).toMatchObject({
      kind: 'compare',
      case: 'not-verified',
    });
  });
});

describe('decideAbort, the words of the less common ways', () => {
  const unverified = state(p1({ status: 'started', verifiedAt: undefined }));

  it('a phase two recorded without a phase one: refused, and no snapshot is claimed', () => {
    const r = refusal(decideAbort(state(undefined, p2()), view()));
    expect(r.why).toBe(
      'phase two (finalize) began at t3 (started): it removes the deployed etcd, so abort cannot return to it',
    );
    expect(r.remedy).toBe(
      'the way that is left is no snapshot of phase one is recorded (none was taken); the embedded etcd is the only copy: run phase finalize again to complete the migration',
    );
  });

  it('without the Helm release: the remedy names the command to list releases', () => {
    expect(refusal(decideAbort(state(p1()), view({ release: undefined }))).remedy).toBe(
      'check the release and namespace inputs (helm list -n team-a); nothing was changed',
    );
  });

  it('verified, with the comparison: the embedded etcd is kept, saying when phase one was verified', () => {
    expect(go(decideAbort(state(p1()), view(), comparison(group('/registry/pods/')))).why).toBe(
      'phase one was verified at t2: the embedded etcd holds the truth',
    );
  });

  it('verified with abort-source embedded: no comparison needed, kept by the input', () => {
    expect(decideAbort(state(p1()), view(), undefined, { abortSource: 'embedded' })).toMatchObject({
      kind: 'abort',
      keep: 'embedded',
      by: 'input',
    });
  });

  it('the comparison asked for says why: abort-source deployed, or an unverified phase one without a failure', () => {
    expect(decideAbort(state(p1()), view(), undefined, { abortSource: 'deployed' })).toEqual({
      kind: 'compare',
      case: 'verified',
      why: 'input abort-source is deployed: what the embedded etcd would lose is listed from the comparison of both etcds',
    });
    expect(decideAbort(unverified, view())).toEqual({
      kind: 'compare',
      case: 'not-verified',
      why: 'phase one was not verified (started): which etcd holds the truth is decided by comparing both',
    });
  });

  it("the action's own revision-bump keys never decide", () => {
    const bump = group('/vcluster-etcd-migrate/revision-bump/', { onlyInTarget: 1, changed: 1 });
    const d = go(decideAbort(unverified, view(), comparison(embeddedWrote, bump)));
    expect(d.keep).toBe('embedded');
    expect(d.discard?.groups.map((g) => g.group)).toEqual(['/registry/configmaps/']);
  });

  it('groups with keys only the deployed etcd has and changed ones list both, each its first three keys in key order', () => {
    const keys = (k: string[]) => k.map((x) => `/registry/pods/a/${x}`);
    const pods = group('/registry/pods/', {
      onlyInTarget: 3,
      changed: 3,
      first: { onlyInSource: [], onlyInTarget: keys(['d', 'e', 'f']), changed: keys(['a', 'b', 'c']) },
    });
    const secrets = group('/registry/secrets/', {
      onlyInTarget: 2,
      changed: 1,
      first: {
        onlyInSource: [],
        onlyInTarget: ['/registry/secrets/a/x', '/registry/secrets/a/z'],
        changed: ['/registry/secrets/a/y'],
      },
    });
    const d = go(decideAbort(state(p1()), view(), comparison(pods, secrets)));
    expect(d.discard).toEqual({
      side: 'deployed',
      onlyThere: 5,
      changed: 4,
      groups: [
        { group: '/registry/pods/', onlyThere: 3, changed: 3, firstKeys: keys(['a', 'b', 'c']) },
        {
          group: '/registry/secrets/',
          onlyThere: 2,
          changed: 1,
          firstKeys: ['/registry/secrets/a/x', '/registry/secrets/a/y', '/registry/secrets/a/z'],
        },
      ],
    });
    // The one-line description names at most five first keys over all groups.
    expect(describeDiscard(d.discard!)).toBe(
      'the deployed etcd loses 5 key(s) only it has and its value of 4 changed key(s), in 2 group(s) (/registry/pods/, /registry/secrets/; first keys: /registry/pods/a/a, /registry/pods/a/b, /registry/pods/a/c, /registry/secrets/a/x, /registry/secrets/a/y)',
    );
  });
});
