// The campaign from one step to the next, over releases built directly (entry and record): which
// batch runs now, what counts against the budget, the words a person acts on, and the matrix each
// phase gets.
import { describe, expect, it } from 'vitest';
import type { FleetEntry } from '../../../../src/core/fleet/classification.ts';
import type { RecordFacts } from '../../../../src/core/fleet/grouping.ts';
import { campaignMatrix, planCampaign, type CampaignSettings } from '../../../../src/core/fleet/campaign.ts';
import { campaignOrder, type CampaignCandidate } from '../../../../src/core/fleet/waves.ts';

const cand = (key: string, state: FleetEntry['state'] = 'deployed', record?: RecordFacts): CampaignCandidate => {
  const [namespace, release] = key.split('/') as [string, string];
  const entry: FleetEntry = {
    namespace,
    release,
    state,
    reason: '',
    next: `fix ${release}`,
    attention: false,
    ...(state === 'embedded' || state === 'not-eligible' ? {} : { target: '0.27.0' }),
  };
  return { entry, marks: [], ...(record ? { record } : {}) };
};
/** The keys in the campaign's order: batch n of one-release waves holds ORDER[n-1]. */
const KEYS = ['ns/a', 'ns/b', 'ns/c', 'ns/d'];
const ORDER = campaignOrder(
  KEYS.map((k) => ({ namespace: k.split('/')[0]!, release: k.split('/')[1]! })),
  () => false,
).map((r) => `${r.namespace}/${r.release}`);
const ONE_EACH: CampaignSettings = { sizes: [1], rest: false, maxFailures: 0, batchSize: 256 };
/** The candidates with the given states and records, by their place in the order (0 = batch 1). */
const at = (o: Record<number, [FleetEntry['state'], RecordFacts?]>) =>
  ORDER.map((k, i) => (o[i] ? cand(k, o[i][0], o[i][1]) : cand(k)));
const FAILED: [FleetEntry['state'], RecordFacts] = ['migrating', { p1: { status: 'failed' } }];
const DONE: [FleetEntry['state'], RecordFacts] = [
  'embedded',
  { p1: { status: 'verified' }, p2: { status: 'verified' } },
];
const key = (m: { entry: { namespace: string; release: string } }) => `${m.entry.namespace}/${m.entry.release}`;

describe('the batch that runs now', () => {
  it('after a batch whose release was refused within the budget: the next batch, not the refused one again', () => {
    const v = planCampaign(at({}), { ...ONE_EACH, maxFailures: 1, afterBatch: 1 });
    expect(v).toMatchObject({ state: 'running', current: { wave: 2, batch: 2 } });
    expect(v.failures.map((m) => [key(m), m.status])).toEqual([[ORDER[0], 'refused']]);
    expect(campaignMatrix(v, 'migrate')).toEqual({
      matrix: { include: [{ namespace: 'ns', release: ORDER[1]!.slice(3), 'chart-version': '0.27.0' }] },
      left: 2,
    });
  });

  it('after a batch, what already failed later on is passed over', () => {
    const v = planCampaign(at({ 0: DONE, 1: FAILED }), { ...ONE_EACH, maxFailures: 1, afterBatch: 1 });
    expect(v).toMatchObject({ state: 'running', current: { wave: 3, batch: 3 } });
    const embedded = planCampaign(at({ 0: DONE, 1: DONE }), { ...ONE_EACH, afterBatch: 1 });
    expect(embedded).toMatchObject({ state: 'running', current: { wave: 3, batch: 3 } });
  });

  it('after a batch, a release of the next batch that already failed counts, though its batch runs now', () => {
    const cs = at({ 0: DONE, 1: FAILED });
    const v = planCampaign(cs, { ...ONE_EACH, sizes: [1, 3], afterBatch: 1 });
    expect(v.state).toBe('stopped');
    expect(v.failures.map(key)).toEqual([ORDER[1]]);
  });

  it('a release whose record holds no phase yet (refused before phase one) waits', () => {
    const v = planCampaign(at({ 0: ['deployed', {}] }), ONE_EACH);
    expect(v.members[0]!.status).toBe('waiting');
    expect(v).toMatchObject({ state: 'running', current: { wave: 1, batch: 1 } });
  });

  it('a batch before the one this run went through that never began counts as refused', () => {
    const v = planCampaign(at({ 1: DONE }), { ...ONE_EACH, maxFailures: 5, afterBatch: 2 });
    expect(v.members.map((m) => m.status)).toEqual(['refused', 'embedded', 'waiting', 'waiting']);
    expect(v.current).toEqual({ wave: 3, batch: 3 });
  });

  it('a new run resumes the first batch not done; a failure in another batch still counts', () => {
    const v = planCampaign(at({ 0: DONE, 3: FAILED }), { ...ONE_EACH, maxFailures: 0 });
    expect(v.state).toBe('stopped');
    expect(v.failures.map(key)).toEqual([ORDER[3]]);
    const resumed = planCampaign(at({ 0: DONE, 1: FAILED }), { ...ONE_EACH, maxFailures: 0 });
    expect(resumed).toMatchObject({ state: 'running', current: { wave: 2, batch: 2 }, failures: [] });
  });

  it('finalize of a pinned batch is not held back by the budget', () => {
    const v = planCampaign(at({ 0: FAILED, 1: ['verified', { p1: { status: 'verified' } }] }), {
      ...ONE_EACH,
      maxFailures: 0,
      batch: 2,
    });
    expect(v.failures.map(key)).toEqual([ORDER[0]]);
    expect(v).toMatchObject({ state: 'running', current: { wave: 2, batch: 2 } });
    expect(v.stop).toBeUndefined();
    expect(campaignMatrix(v, 'finalize').matrix.include.map((e) => e.release)).toEqual([ORDER[1]!.slice(3)]);
  });

  it('complete once every release is embedded: no batch, an empty matrix', () => {
    const v = planCampaign(at({ 0: DONE, 1: DONE, 2: DONE, 3: DONE }), ONE_EACH);
    expect(v.state).toBe('complete');
    expect(v.current).toBeUndefined();
    expect(v.stop).toBeUndefined();
    expect(campaignMatrix(v, 'migrate')).toEqual({ matrix: { include: [] }, left: 0 });
  });
});

describe('the matrix of the current batch', () => {
  it('migrate takes the deployed and the migrating releases, finalize the verified; what has no target, neither', () => {
    const cs = [
      cand('ns/dep'),
      cand('ns/mig', 'migrating', { p1: { status: 'started' } }),
      cand('ns/ver', 'verified', { p1: { status: 'verified' } }),
      cand('ns/emb', 'embedded', { p1: { status: 'verified' }, p2: { status: 'verified' } }),
    ];
    const v = planCampaign(cs, { ...ONE_EACH, sizes: [4] });
    expect(v.current).toEqual({ wave: 1, batch: 1 });
    const rel = (next: 'migrate' | 'finalize') =>
      campaignMatrix(v, next)
        .matrix.include.map((e) => e.release)
        .sort();
    expect(rel('migrate')).toEqual(['dep', 'mig']);
    // A migrating release with no chart version known (no record, no chart label) cannot be given to migrate.
    const unknown = cand('ns/unknown', 'migrating');
    delete unknown.entry.target;
    const w = planCampaign([unknown], ONE_EACH);
    expect(w.current).toEqual({ wave: 1, batch: 1 });
    expect(campaignMatrix(w, 'migrate').matrix.include).toEqual([]);
    expect(rel('finalize')).toEqual(['ver']);
  });

  it('counts as left the releases of later batches not embedded yet', () => {
    const v = planCampaign(at({ 2: DONE }), ONE_EACH);
    expect(v.current).toEqual({ wave: 1, batch: 1 });
    expect(campaignMatrix(v, 'migrate').left).toBe(2);
  });
});

describe('what a person reads about a failure', () => {
  it('the release’s own next step when it failed, then the wave that resumes with it', () => {
    const v = planCampaign(at({ 0: DONE, 1: FAILED }), { ...ONE_EACH, afterBatch: 2 });
    expect(v.failures[0]!.next).toBe(`fix ${ORDER[1]!.slice(3)}; then run this workflow again: wave 2 resumes with it`);
  });

  it('a phase one that did not end in this run: its own next step, not finalize’s', () => {
    const v = planCampaign(at({ 0: ['migrating', { p1: { status: 'upgraded' } }] }), { ...ONE_EACH, afterBatch: 1 });
    expect(v.failures.map((m) => m.status)).toEqual(['unfinished']);
    expect(v.failures[0]!.next).toBe(`fix ${ORDER[0]!.slice(3)}; then run this workflow again: wave 1 resumes with it`);
  });

  it('a phase two that failed: its own next step (finalize ran and failed), not the words for a finalize that did not run', () => {
    const v = planCampaign(at({ 0: ['verified', { p1: { status: 'verified' }, p2: { status: 'failed' } }] }), {
      ...ONE_EACH,
      afterBatch: 1,
    });
    expect(v.failures.map((m) => m.status)).toEqual(['failed']);
    expect(v.failures[0]!.next).toBe(`fix ${ORDER[0]!.slice(3)}; then run this workflow again: wave 1 resumes with it`);
  });

  it('the full words for refused and for a finalize that did not end', () => {
    const refused = planCampaign(at({}), { ...ONE_EACH, afterBatch: 1 });
    expect(refused.failures[0]!.next).toBe(
      "migrate left no record of it in this run (refused before any change, or its job did not run): read that job's summary and fix what it names, then run this workflow again: wave 1 resumes with it",
    );
    const unfinished = planCampaign(at({ 0: ['verified', { p1: { status: 'verified' } }] }), {
      ...ONE_EACH,
      afterBatch: 1,
    });
    expect(unfinished.failures[0]!.next).toBe(
      "phase one is verified, but finalize did not run or did not end in this run: read the finalize job's summary, then run this workflow again: wave 1 resumes with it",
    );
  });

  it('over budget by exactly ten: all ten named, nothing more to count', () => {
    const keys = Array.from({ length: 10 }, (_, i) => `ns/vc-${i}`);
    const v = planCampaign(
      keys.map((k) => cand(k, 'migrating', { p1: { status: 'failed' } })),
      { ...ONE_EACH, sizes: [10], afterBatch: 1 },
    );
    expect(v.stop).toMatch(
      /^10 releases failed or refused, more than max-failures 0: .*\(wave 1, failed\)\. No later wave starts$/,
    );
    expect(v.stop).not.toContain('more.');
    expect(v.stop!.match(/\(wave 1, failed\)/g)).toHaveLength(10);
  });

  it('the stop when no release carries the canary mark, in full', () => {
    const v = planCampaign(at({}), { ...ONE_EACH, canary: { kind: 'mark', key: 'example.com/wave', value: 'canary' } });
    expect(v.stop).toBe(
      'no release is marked example.com/wave=canary (a label or annotation on its namespace or control plane) among those that can be migrated: nothing starts without a canary',
    );
    expect(v.current).toBeUndefined();
  });
});
