// The fleet's waves on their own: the order releases take (the same on every run and every version
// of the action, since each run places the waves again from what discover reads), which releases
// the campaign takes, the canaries, wave sizes, batches and the note about canaries not found.
import { describe, expect, it } from 'vitest';
import type { FleetEntry } from '../../../../src/core/fleet/classification.ts';
import type { ReleaseFacts } from '../../../../src/core/fleet/grouping.ts';
import {
  campaignCandidates,
  campaignOrder,
  inCampaign,
  isCanary,
  planWaves,
  waveSizes,
  type CampaignCandidate,
  type CanaryChoice,
  type WaveSettings,
} from '../../../../src/core/fleet/waves.ts';

const entry = (key: string, state: FleetEntry['state'] = 'deployed'): FleetEntry => {
  const [namespace, release] = key.split('/') as [string, string];
  return { namespace, release, state, reason: '', next: '', attention: false };
};
const cand = (key: string, o: Partial<Omit<CampaignCandidate, 'entry'>> & { state?: FleetEntry['state'] } = {}) => {
  const { state, ...rest } = o;
  return { entry: entry(key, state), marks: [], ...rest } satisfies CampaignCandidate;
};
const rel = (key: string) => {
  const [namespace, release] = key.split('/') as [string, string];
  return { namespace, release };
};
const keys = (rs: { namespace: string; release: string }[]) => rs.map((r) => `${r.namespace}/${r.release}`);
const placedKeys = (p: { candidate: CampaignCandidate }[]) =>
  p.map((x) => `${x.candidate.entry.namespace}/${x.candidate.entry.release}`);

/** FNV-1a 32 bit, written out here to pin the order the action has always used. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const EIGHT = ['team-a/vc-1', 'team-a/vc-2', 'team-b/vc-1', 'team-b/vc-2', 'team-c/vc-1', 'team-c/vc-2', 'x/a', 'x/b'];
const NO_CANARY: WaveSettings = { sizes: [2], rest: false, batchSize: 256 };

describe('the order of the campaign', () => {
  it('is the same on every version of the action: canaries first, then by the FNV-1a hash of namespace/release', () => {
    // The reference implementation gives the published FNV-1a values.
    expect([fnv1a(''), fnv1a('a'), fnv1a('foobar')]).toEqual([0x811c9dc5, 0xe40c292c, 0xbf9cf968]);
    expect(keys(campaignOrder(EIGHT.map(rel), () => false))).toEqual([
      'team-a/vc-2',
      'team-a/vc-1',
      'team-b/vc-2',
      'team-b/vc-1',
      'x/a',
      'x/b',
      'team-c/vc-1',
      'team-c/vc-2',
    ]);
    expect(keys(campaignOrder(EIGHT.map(rel).reverse(), (r) => r.namespace === 'x'))).toEqual([
      'x/a',
      'x/b',
      'team-a/vc-2',
      'team-a/vc-1',
      'team-b/vc-2',
      'team-b/vc-1',
      'team-c/vc-1',
      'team-c/vc-2',
    ]);
    const many = Array.from({ length: 300 }, (_, i) => rel(`ns-${i % 7}/vc-${i}`));
    const byHash = [...many].sort(
      (a, b) => fnv1a(`${a.namespace}/${a.release}`) - fnv1a(`${b.namespace}/${b.release}`),
    );
    expect(keys(campaignOrder([...many].reverse(), () => false))).toEqual(keys(byHash));
  });

  it('puts two releases whose hashes are equal in the order of their names, whatever order discover listed them in', () => {
    // ns/vc-549599 and ns/vc-712382 share the FNV-1a hash 0x1c821682.
    expect(fnv1a('ns/vc-549599')).toBe(fnv1a('ns/vc-712382'));
    const pair = [rel('ns/vc-712382'), rel('ns/vc-549599')];
    expect(keys(campaignOrder(pair, () => false))).toEqual(['ns/vc-549599', 'ns/vc-712382']);
    expect(keys(campaignOrder([...pair].reverse(), () => false))).toEqual(['ns/vc-549599', 'ns/vc-712382']);
  });
});

describe('wave sizes', () => {
  it('take the sizes in the order given and never more than is left', () => {
    expect(waveSizes({ sizes: [2, 3], rest: false }, 1)).toEqual([1]);
    expect(waveSizes({ sizes: [2, 3], rest: false }, 2)).toEqual([2]);
    expect(waveSizes({ sizes: [2, 3], rest: false }, 6)).toEqual([2, 3, 1]);
    expect(waveSizes({ sizes: [2, 3], rest: true }, 5)).toEqual([2, 3]);
    expect(waveSizes({ sizes: [2, 3], rest: true }, 6)).toEqual([2, 3, 1]);
    expect(waveSizes({ sizes: [4], rest: true }, 3)).toEqual([3]);
  });
});

describe('which releases the campaign takes', () => {
  it('those that can be migrated, and any this action recorded', () => {
    expect(inCampaign(cand('ns/a', { state: 'deployed' }))).toBe(true);
    expect(inCampaign(cand('ns/a', { state: 'migrating' }))).toBe(true);
    expect(inCampaign(cand('ns/a', { state: 'verified' }))).toBe(true);
    expect(inCampaign(cand('ns/a', { state: 'embedded' }))).toBe(false);
    expect(inCampaign(cand('ns/a', { state: 'not-eligible' }))).toBe(false);
    expect(inCampaign(cand('ns/a', { state: 'embedded', record: {} }))).toBe(true);
    expect(inCampaign(cand('ns/a', { state: 'not-eligible', record: { error: 'not JSON' } }))).toBe(true);
  });

  it('lists the others as outside, in the order discover gave them', () => {
    const plan = planWaves(
      [cand('ns/out-2', { state: 'not-eligible' }), cand('ns/in'), cand('ns/out-1', { state: 'embedded' })],
      NO_CANARY,
    );
    expect(keys(plan.outside)).toEqual(['ns/out-2', 'ns/out-1']);
    expect(placedKeys(plan.placed)).toEqual(['ns/in']);
  });
});

describe('canaries', () => {
  it('by name: namespace/release, exactly', () => {
    const choice: CanaryChoice = { kind: 'releases', releases: ['ns/a'] };
    expect(isCanary(cand('ns/a'), choice)).toBe(true);
    expect(isCanary(cand('ns/b'), choice)).toBe(false);
    expect(isCanary(cand('other/a'), choice)).toBe(false);
    // A mark does not make a release a canary when the canaries are named.
    expect(isCanary(cand('ns/b', { marks: [{ 'example.com/wave': 'canary' }] }), choice)).toBe(false);
  });

  it('by mark: the key with the value, on any of the objects', () => {
    const choice = { kind: 'mark', key: 'example.com/wave', value: 'canary' } as const;
    expect(isCanary(cand('ns/a', { marks: [{}, { 'example.com/wave': 'canary' }] }), choice)).toBe(true);
    expect(isCanary(cand('ns/a', { marks: [{ 'example.com/wave': 'later' }] }), choice)).toBe(false);
    expect(isCanary(cand('ns/a', { marks: [{ 'example.com/other': 'canary' }] }), choice)).toBe(false);
    expect(isCanary(cand('ns/a'), choice)).toBe(false);
    expect(isCanary(cand('ns/a', { marks: [{ 'example.com/wave': 'canary' }] }), undefined)).toBe(false);
  });

  it('the marks come from the control plane and the namespace, labels and annotations alike', () => {
    const facts = (ns: string, release: string, o: Partial<ReleaseFacts> = {}): ReleaseFacts => ({
      namespace: ns,
      release,
      marks: [],
      ...o,
    });
    const cp = (labels: Record<string, string>, annotations: Record<string, string>) => ({
      kind: 'Deployment' as const,
      namespace: 'ns',
      name: 'x',
      replicas: 1,
      labels,
      annotations,
    });
    const cs = campaignCandidates(
      [
        facts('ns', 'both', {
          controlPlane: cp({ l: 'cp' }, { a: 'cp' }),
          namespaceMeta: { labels: { l: 'ns' }, annotations: { a: 'ns' } },
          record: { p1: { status: 'verified' } },
        }),
        facts('ns', 'cp-only', { controlPlane: cp({ l: 'cp' }, {}) }),
        facts('ns', 'ns-only', { namespaceMeta: { labels: {}, annotations: { a: 'ns' } } }),
      ],
      [entry('ns/both'), entry('ns/cp-only'), entry('ns/ns-only'), entry('ns/unknown')],
    );
    expect(cs.map((c) => c.marks)).toEqual([
      [{ l: 'cp' }, { a: 'cp' }, { l: 'ns' }, { a: 'ns' }],
      [{ l: 'cp' }, {}],
      [{}, { a: 'ns' }],
      [],
    ]);
    expect(cs[0]!.record).toEqual({ p1: { status: 'verified' } });
    expect('record' in cs[1]!).toBe(false);
    expect(cs.map((c) => c.entry.release)).toEqual(['both', 'cp-only', 'ns-only', 'unknown']);
  });
});

describe('planning the waves', () => {
  it('without canaries: the first wave is an ordinary one, and no release is a canary', () => {
    const plan = planWaves(
      EIGHT.map((k) => cand(k)),
      { sizes: [3], rest: true, batchSize: 256 },
    );
    expect(plan.canaries).toBe(0);
    expect(plan.waves).toEqual([
      { wave: 1, canary: false, batches: [1] },
      { wave: 2, canary: false, batches: [2] },
    ]);
    expect(plan.placed.map((p) => [p.wave, p.batch, p.canary])).toEqual([
      [1, 1, false],
      [1, 1, false],
      [1, 1, false],
      [2, 2, false],
      [2, 2, false],
      [2, 2, false],
      [2, 2, false],
      [2, 2, false],
    ]);
    expect(placedKeys(plan.placed)).toEqual(keys(campaignOrder(EIGHT.map(rel), () => false)));
    expect(plan.notes).toEqual([]);
  });

  it('with canaries: wave 1 holds them all, marked as canaries, and the sizes count from the wave after', () => {
    const plan = planWaves(
      EIGHT.map((k) => cand(k)),
      {
        sizes: [2],
        rest: false,
        batchSize: 256,
        canary: { kind: 'releases', releases: ['x/b', 'team-c/vc-2'] },
      },
    );
    expect(plan.canaries).toBe(2);
    expect(plan.waves.map((w) => [w.wave, w.canary, w.batches])).toEqual([
      [1, true, [1]],
      [2, false, [2]],
      [3, false, [3]],
      [4, false, [4]],
    ]);
    expect(plan.placed.slice(0, 2).map((p) => p.canary)).toEqual([true, true]);
    expect(placedKeys(plan.placed.slice(0, 2)).sort()).toEqual(['team-c/vc-2', 'x/b']);
    expect(plan.placed.slice(2).every((p) => !p.canary)).toBe(true);
    expect(plan.placed.map((p) => p.wave)).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    expect(plan.notes).toEqual([]);
  });

  it('cut a wave into batches of batchSize, the first batch at its first release', () => {
    const plan = planWaves(
      EIGHT.map((k) => cand(k)),
      { sizes: [5], rest: true, batchSize: 2 },
    );
    expect(plan.waves.map((w) => w.batches)).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(plan.placed.map((p) => p.batch)).toEqual([1, 1, 2, 2, 3, 4, 4, 5]);
    const one = planWaves(
      EIGHT.slice(0, 3).map((k) => cand(k)),
      { sizes: [3], rest: true, batchSize: 1 },
    );
    expect(one.placed.map((p) => p.batch)).toEqual([1, 2, 3]);
  });

  it('names each canary of the list that is not there, the wave going on with those found', () => {
    const plan = planWaves([cand('ns/here'), cand('ns/asleep', { state: 'not-eligible' }), cand('ns/other')], {
      ...NO_CANARY,
      canary: { kind: 'releases', releases: ['ns/gone', 'ns/here', 'ns/asleep'] },
    });
    expect(plan.canaries).toBe(1);
    expect(plan.notes).toEqual([
      'canary ns/gone, ns/asleep is not a release discover found that can be migrated; the canary wave goes without it',
    ]);
  });

  it('leaves the note to the campaign when none of the listed canaries is there (nothing starts then)', () => {
    const plan = planWaves([cand('ns/a'), cand('ns/b')], {
      ...NO_CANARY,
      canary: { kind: 'releases', releases: ['ns/gone'] },
    });
    expect(plan.canaries).toBe(0);
    expect(plan.notes).toEqual([]);
    expect(plan.waves[0]).toEqual({ wave: 1, canary: false, batches: [1] });
  });

  it('a canary found by mark gives no note', () => {
    const plan = planWaves([cand('ns/a', { marks: [{ w: 'c' }] }), cand('ns/b')], {
      ...NO_CANARY,
      canary: { kind: 'mark', key: 'w', value: 'c' },
    });
    expect(plan.canaries).toBe(1);
    expect(placedKeys(plan.placed)).toEqual(['ns/a', 'ns/b']);
    expect(plan.notes).toEqual([]);
  });

  it('no releases: no waves', () => {
    expect(planWaves([], NO_CANARY)).toEqual({ placed: [], waves: [], canaries: 0, outside: [], notes: [] });
  });
});
