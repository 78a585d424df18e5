import { describe, expect, it } from 'vitest';
import { classifyFleet } from '../../../../src/core/fleet/classification.ts';
import { groupFleet, type FleetObjects, type WorkloadObj } from '../../../../src/core/fleet/grouping.ts';
import { campaignMatrix, planCampaign, type CampaignSettings } from '../../../../src/core/fleet/campaign.ts';
import { campaignCandidates, campaignOrder, planWaves, waveSizes } from '../../../../src/core/fleet/waves.ts';
import { KEEP, deployed, record } from './fixtures.ts';

type Rec = ReturnType<typeof record>;

/** Seven releases in three namespaces; the canary namespace carries the label input canary names. */
const SEVEN = [
  ['canary', 'vc-canary'],
  ['a', 'vc-a1'],
  ['a', 'vc-a2'],
  ['a', 'vc-a3'],
  ['b', 'vc-b1'],
  ['b', 'vc-b2'],
  ['b', 'vc-b3'],
] as const;
const CANARY_LABEL = { kind: 'mark', key: 'example.com/wave', value: 'canary' } as const;
const SETTINGS: CampaignSettings = { sizes: [3], rest: true, canary: CANARY_LABEL, maxFailures: 0, batchSize: 256 };

function candidates(workloads: WorkloadObj[], records: Rec[] = [], extra: Partial<FleetObjects> = {}) {
  const facts = groupFleet({
    controlPlanes: workloads.filter((w) => w.labels.app === 'vcluster'),
    etcds: workloads.filter((w) => w.labels.app === 'vcluster-etcd'),
    records,
    namespaces: [{ name: 'canary', labels: { 'example.com/wave': 'canary' } }],
    ...extra,
  });
  return campaignCandidates(facts, classifyFleet(facts, KEEP));
}

const seven = () => SEVEN.flatMap(([ns, r]) => deployed(ns, r));
const key = (m: { entry: { namespace: string; release: string } }) => `${m.entry.namespace}/${m.entry.release}`;
const names = (ms: { release: string; namespace: string }[]) => ms.map((x) => `${x.namespace}/${x.release}`);

/** The waves of SEVEN as the campaign places them: [canary], [3], [3]. */
function wavesOfSeven(): string[][] {
  const v = planCampaign(candidates(seven()), SETTINGS);
  return v.waves.map((w) => w.members.map(key));
}

/** Records that say each release of `done` went through both phases. */
const embedded = (done: string[]) =>
  done.map((k) => {
    const [ns, r] = k.split('/') as [string, string];
    return record(ns, r, 'verified', 'verified');
  });

/** What a release looks like after phase two: the control plane alone (a StatefulSet), no deployed etcd. */
function afterPhaseTwo(workloads: WorkloadObj[], done: string[]): WorkloadObj[] {
  return workloads
    .filter((w) => !(w.labels.app === 'vcluster-etcd' && done.includes(`${w.namespace}/${w.labels.release}`)))
    .map((w) => (done.includes(`${w.namespace}/${w.labels.release}`) ? { ...w, kind: 'StatefulSet' as const } : w));
}

describe('wave sizes', () => {
  it('repeat the last size, or give rest all that is left', () => {
    expect(waveSizes({ sizes: [1, 5, 25], rest: true }, 100)).toEqual([1, 5, 25, 69]);
    expect(waveSizes({ sizes: [1, 5, 25], rest: false }, 100)).toEqual([1, 5, 25, 25, 25, 19]);
    expect(waveSizes({ sizes: [1, 5, 25], rest: true }, 4)).toEqual([1, 3]);
    expect(waveSizes({ sizes: [], rest: true }, 7)).toEqual([7]);
    expect(waveSizes({ sizes: [2], rest: false }, 0)).toEqual([]);
  });
});

describe('the waves', () => {
  it('put the canaries first, then each release in one wave, the same whatever order discover listed them in', () => {
    const waves = wavesOfSeven();
    expect(waves.map((w) => w.length)).toEqual([1, 3, 3]);
    expect(waves[0]).toEqual(['canary/vc-canary']);
    expect(new Set(waves.flat()).size).toBe(7);
    const shuffled = planCampaign(candidates([...seven()].reverse()), SETTINGS);
    expect(shuffled.waves.map((w) => w.members.map(key))).toEqual(waves);
  });

  it('finds canaries by a label or annotation on the namespace or the control plane, or by name', () => {
    const ws = [
      ...deployed('x', 'by-annotation', { annotations: { 'example.com/wave': 'canary' } }),
      ...deployed('x', 'by-label', { labels: { 'example.com/wave': 'canary' } }),
      ...deployed('canary', 'by-namespace'),
      ...deployed('x', 'plain'),
    ];
    const first = (s: Partial<CampaignSettings>) =>
      planCampaign(candidates(ws), { ...SETTINGS, ...s })
        .waves[0]!.members.map(key)
        .sort();
    expect(first({})).toEqual(['canary/by-namespace', 'x/by-annotation', 'x/by-label']);
    expect(first({ canary: { kind: 'releases', releases: ['x/plain', 'x/gone'] } })).toEqual(['x/plain']);
    const v = planCampaign(candidates(ws), {
      ...SETTINGS,
      canary: { kind: 'releases', releases: ['x/plain', 'x/gone'] },
    });
    expect(v.notes.join()).toContain('canary x/gone is not a release discover found');
  });

  it('split a wave larger than a matrix into batches, each at most batchSize, numbered across waves', () => {
    const ws = Array.from({ length: 23 }, (_, i) => deployed(`ns-${i % 4}`, `vc-${i}`)).flat();
    const plan = planWaves(candidates(ws), { sizes: [1, 10], rest: true, batchSize: 4 });
    expect(plan.waves.map((w) => w.batches)).toEqual([[1], [2, 3, 4], [5, 6, 7]]);
    const perBatch = new Map<number, number>();
    for (const p of plan.placed) perBatch.set(p.batch, (perBatch.get(p.batch) ?? 0) + 1);
    expect([...perBatch.values()]).toEqual([1, 4, 4, 2, 4, 4, 4]);
  });

  it('leave out what cannot be migrated and was never recorded by this action', () => {
    const ws = [...seven(), ...deployed('a', 'asleep', { replicas: 0 })];
    const v = planCampaign(candidates(ws), SETTINGS);
    expect(v.members).toHaveLength(7);
    expect(v.outside.map((e) => e.release)).toEqual(['asleep']);
  });

  it('order 5,000 releases the same on two runs and place each once', () => {
    const rs = Array.from({ length: 5000 }, (_, i) => ({ namespace: `ns-${i % 500}`, release: `vc-${i}` }));
    const a = campaignOrder(rs, () => false);
    const b = campaignOrder([...rs].reverse(), () => false);
    expect(names(a)).toEqual(names(b));
    expect(new Set(names(a)).size).toBe(5000);
    // A wave spreads over namespaces rather than taking one namespace after the other.
    expect(new Set(a.slice(0, 25).map((r) => r.namespace)).size).toBeGreaterThan(15);
  });
});

describe('the campaign', () => {
  it('starts with the canary: the migrate matrix holds it alone', () => {
    const v = planCampaign(candidates(seven()), SETTINGS);
    expect(v).toMatchObject({ state: 'running', current: { wave: 1, batch: 1 }, failures: [] });
    const m = campaignMatrix(v, 'migrate');
    expect(names(m.matrix.include)).toEqual(['canary/vc-canary']);
    expect(m.left).toBe(6);
    // Finalize of batch 1 has nothing before phase one is verified.
    expect(
      campaignMatrix(planCampaign(candidates(seven()), { ...SETTINGS, batch: 1 }), 'finalize').matrix.include,
    ).toEqual([]);
  });

  it('after the canary went through, the next wave step takes the second wave', () => {
    const [canary, second] = wavesOfSeven();
    const v = planCampaign(candidates(afterPhaseTwo(seven(), canary!), embedded(canary!)), {
      ...SETTINGS,
      afterBatch: 1,
    });
    expect(v).toMatchObject({ state: 'running', current: { wave: 2, batch: 2 }, failures: [] });
    expect(names(campaignMatrix(v, 'migrate').matrix.include).sort()).toEqual([...second!].sort());
  });

  it('a release whose phase one failed in the second wave stops the third; the others of its wave are finalized', () => {
    const [canary, second] = wavesOfSeven();
    const [faulty, ...fine] = second!;
    const [fns, frel] = faulty!.split('/') as [string, string];
    const recs = [
      ...embedded(canary!),
      record(fns, frel, 'failed'),
      ...fine.map((k) => record(k.split('/')[0]!, k.split('/')[1]!, 'verified')),
    ];
    // The verified step of batch 2: finalize takes the verified releases; the failed one is not among them.
    const verified = planCampaign(candidates(afterPhaseTwo(seven(), canary!), recs), { ...SETTINGS, batch: 2 });
    expect(names(campaignMatrix(verified, 'finalize').matrix.include).sort()).toEqual([...fine].sort());

    // The next wave step, after the others were finalized: over budget, nothing of wave 3 starts.
    const done = [...canary!, ...fine];
    const after = [...embedded(done), record(fns, frel, 'failed')];
    const v = planCampaign(candidates(afterPhaseTwo(seven(), done), after), { ...SETTINGS, afterBatch: 2 });
    expect(v.state).toBe('stopped');
    expect(v.failures.map(key)).toEqual([faulty]);
    expect(v.failures[0]!.next).toContain('run this workflow again: wave 2 resumes with it');
    expect(v.stop).toBe(
      `1 release failed or refused, more than max-failures 0: ${faulty} (wave 2, failed). No later wave starts`,
    );
    expect(v.current).toBeUndefined();
    expect(campaignMatrix(v, 'migrate')).toEqual({ matrix: { include: [] }, left: 0 });
    expect(v.waves[2]!.members.every((m) => m.status === 'waiting')).toBe(true);

    // Within a budget of one, the third wave starts, without the failed release.
    const within = planCampaign(candidates(afterPhaseTwo(seven(), done), after), {
      ...SETTINGS,
      afterBatch: 2,
      maxFailures: 1,
    });
    expect(within).toMatchObject({ state: 'running', current: { wave: 3, batch: 3 } });
    expect(names(campaignMatrix(within, 'migrate').matrix.include)).not.toContain(faulty);
  });

  it('a new run resumes the stopped wave with the failed release alone, then goes on; finished releases are not redone', () => {
    const [canary, second, third] = wavesOfSeven();
    const [faulty, ...fine] = second!;
    const [fns, frel] = faulty!.split('/') as [string, string];
    const done = [...canary!, ...fine];
    const recs = [...embedded(done), record(fns, frel, 'failed')];
    const v = planCampaign(candidates(afterPhaseTwo(seven(), done), recs), SETTINGS);
    expect(v).toMatchObject({ state: 'running', current: { wave: 2, batch: 2 }, failures: [] });
    expect(names(campaignMatrix(v, 'migrate').matrix.include)).toEqual([faulty]);

    // Fixed and finalized: the next step takes the third wave.
    const all = [...done, faulty!];
    const next = planCampaign(candidates(afterPhaseTwo(seven(), all), embedded(all)), { ...SETTINGS, afterBatch: 2 });
    expect(next).toMatchObject({ state: 'running', current: { wave: 3, batch: 3 } });
    expect(names(campaignMatrix(next, 'migrate').matrix.include).sort()).toEqual([...third!].sort());
    const everything = SEVEN.map(([ns, r]) => `${ns}/${r}`);
    const end = planCampaign(candidates(afterPhaseTwo(seven(), everything), embedded(everything)), {
      ...SETTINGS,
      afterBatch: 3,
    });
    expect(end).toMatchObject({ state: 'complete', failures: [] });
    expect(campaignMatrix(end, 'migrate').matrix.include).toEqual([]);
  });

  it('counts a release of a batch this run went through as refused when migrate left no record, and as unfinished when finalize did not end', () => {
    const [canary] = wavesOfSeven();
    const refused = planCampaign(candidates(seven()), { ...SETTINGS, afterBatch: 1 });
    expect(refused.state).toBe('stopped');
    expect(refused.failures.map((m) => [key(m), m.status])).toEqual([[canary![0], 'refused']]);
    expect(refused.failures[0]!.next).toContain('migrate left no record of it in this run');

    const [ns, r] = canary![0]!.split('/') as [string, string];
    const unfinished = planCampaign(candidates(seven(), [record(ns, r, 'verified')]), { ...SETTINGS, afterBatch: 1 });
    expect(unfinished.failures.map((m) => [key(m), m.status])).toEqual([[canary![0], 'unfinished']]);
    expect(unfinished.failures[0]!.next).toContain('finalize did not run or did not end');
  });

  it('starts nothing when no canary is found', () => {
    const ws = SEVEN.filter(([ns]) => ns !== 'canary').flatMap(([ns, r]) => deployed(ns, r));
    const v = planCampaign(candidates(ws), SETTINGS);
    expect(v.state).toBe('stopped');
    expect(v.stop).toContain('no release is marked example.com/wave=canary');
    expect(campaignMatrix(v, 'migrate').matrix.include).toEqual([]);
  });

  it('keeps every batch within the matrix limit for 5,000 releases', () => {
    const ws = Array.from({ length: 5000 }, (_, i) => deployed(`ns-${i % 500}`, `vc-${i}`)).flat();
    const v = planCampaign(candidates(ws), { sizes: [1, 5, 25], rest: true, maxFailures: 0, batchSize: 256 });
    expect(v.waves.map((w) => w.members.length)).toEqual([1, 5, 25, 4969]);
    expect(v.waves[3]!.batches).toHaveLength(Math.ceil(4969 / 256));
    expect(campaignMatrix(v, 'migrate').matrix.include).toHaveLength(1);
    const late = planCampaign(candidates(ws), {
      sizes: [1, 5, 25],
      rest: true,
      maxFailures: 0,
      batchSize: 256,
      batch: 10,
    });
    expect(campaignMatrix(late, 'migrate').matrix.include).toHaveLength(256);
  });
});
