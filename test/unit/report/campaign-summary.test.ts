// The campaign part of discover's summary: the head line for each state, the failures table (bounded,
// with the rest counted), the notes, and the releases left out of the campaign.
import { describe, expect, it } from 'vitest';
import { campaignSection } from '../../../src/report/campaign-summary.ts';
import type { CampaignView, Member } from '../../../src/core/fleet/campaign.ts';
import type { FleetEntry } from '../../../src/core/fleet/classification.ts';

const entry = (n: number, over: Partial<FleetEntry> = {}): FleetEntry => ({
  namespace: 'ns',
  release: `vc-${n}`,
  state: 'migrating',
  reason: 'phase one failed (keys lost)',
  next: 'read the last migrate summary; run migrate again: it resumes',
  attention: true,
  ...over,
});
const failed = (n: number): Member => ({ entry: entry(n), wave: 1, batch: 1, status: 'failed', canary: false });

const view = (over: Partial<CampaignView> = {}): CampaignView => ({
  state: 'complete',
  waves: [],
  members: [],
  failures: [],
  maxFailures: 2,
  batchSize: 256,
  outside: [],
  notes: [],
  ...over,
});

describe('campaignSection', () => {
  it('complete with failures within the budget: says how many, singular or plural', () => {
    expect(campaignSection(view({ failures: [failed(1)] }))[1]).toBe(
      '**Campaign ended:** every wave ran; 1 release failed within max-failures 2.',
    );
    expect(campaignSection(view({ failures: [failed(1), failed(2)] }))[1]).toBe(
      '**Campaign ended:** every wave ran; 2 releases failed within max-failures 2.',
    );
    expect(campaignSection(view())[1]).toBe(
      '**Campaign complete:** every release of the campaign runs on embedded etcd.',
    );
  });

  it('lists at most 50 failures, each with its next step, and counts the rest', () => {
    const failures = Array.from({ length: 53 }, (_, i) => failed(i));
    failures[0] = { ...failures[0]!, next: 'approve the finalize job' };
    const out = campaignSection(view({ state: 'stopped', stop: 'more than max-failures 2', failures }));
    expect(out.slice(0, 7)).toEqual([
      '',
      '**Campaign stopped:** more than max-failures 2.',
      '',
      'Failed or refused: 53 (max-failures 2).',
      '',
      '| release | wave | what | next step |',
      '| --- | --- | --- | --- |',
    ]);
    expect(out[7]).toBe('| `ns/vc-0` | 1 | ❌ failed: phase one failed (keys lost) | approve the finalize job |');
    expect(out[8]).toBe(
      '| `ns/vc-1` | 1 | ❌ failed: phase one failed (keys lost) | read the last migrate summary; run migrate again: it resumes |',
    );
    expect(out.filter((l) => l.startsWith('| `ns/vc-'))).toHaveLength(50);
    expect(out).toContain('3 more in the fleet file.');
    expect(campaignSection(view({ failures: failures.slice(0, 50) })).join('\n')).not.toContain(
      'more in the fleet file',
    );
  });

  it('quotes each note, escaped, and says how many releases are outside the campaign', () => {
    const out = campaignSection(
      view({ notes: ['canary *label* matched nothing'], outside: [entry(1, { state: 'not-eligible' })] }),
    );
    expect(out).toContain('> canary \\*label\\* matched nothing');
    expect(out.at(-1)).toBe(
      '1 release is not in the campaign (not eligible, or on embedded etcd without this action): see the table below.',
    );
    expect(campaignSection(view({ outside: [entry(1), entry(2)] })).at(-1)).toBe(
      '2 releases are not in the campaign (not eligible, or on embedded etcd without this action): see the table below.',
    );
    expect(campaignSection(view()).join('\n')).not.toContain('not in the campaign');
  });
});

const member = (n: number, status: Member['status'], wave = 1): Member => ({
  entry: entry(n),
  wave,
  batch: 1,
  status,
  canary: false,
});

describe('the waves table', () => {
  it('running: the head names the wave and batch; the current wave is marked, the canary named', () => {
    const out = campaignSection(
      view({
        state: 'running',
        current: { wave: 2, batch: 1 },
        waves: [
          {
            wave: 1,
            canary: true,
            members: [member(1, 'embedded')],
            batches: [1],
            keysBefore: 120,
            keysAfter: 118,
          },
          {
            wave: 2,
            canary: false,
            members: [member(2, 'under-way', 2), member(3, 'waiting', 2)],
            batches: [2],
            keysBefore: 0,
            keysAfter: 0,
          },
        ],
      }),
    );
    expect(out).toEqual([
      '',
      '**Campaign running:** wave 2 of 2, batch 1.',
      '',
      '| wave | releases | which | result | keys before | keys after |',
      '| --- | --- | --- | --- | --- | --- |',
      '| 1 (canary) | 1 | `ns/vc-1` | ✅ embedded 1 | 120 | 118 |',
      '| 2 ▶ | 2 | `ns/vc-2`, `ns/vc-3` | ⏳ under way 1, ⏸ waiting 1 |  |  |',
    ]);
  });

  it('the result counts each status once, in a fixed order, whatever order the members come in', () => {
    const statuses: Member['status'][] = [
      'waiting',
      'under-way',
      'verified',
      'unfinished',
      'refused',
      'failed',
      'embedded',
      'failed',
    ];
    const members = statuses.map((s, i) => member(i, s));
    const out = campaignSection(
      view({ waves: [{ wave: 1, canary: false, members, batches: [1], keysBefore: 5, keysAfter: 5 }] }),
    );
    const row = out.find((l) => l.startsWith('| 1 |'))!;
    expect(row.split(' | ')[3]).toBe(
      '✅ embedded 1, ❌ failed 2, ⛔ refused 1, ⚠️ unfinished 1, 🟨 verified 1, ⏳ under way 1, ⏸ waiting 1',
    );
  });

  it('names ten releases of a wave and counts the rest; a wave split in batches says so under the table', () => {
    const members = Array.from({ length: 12 }, (_, i) => member(i, 'waiting'));
    const out = campaignSection(
      view({
        batchSize: 5,
        waves: [{ wave: 3, canary: false, members, batches: [4, 5, 6], keysBefore: 0, keysAfter: 0 }],
      }),
    );
    const row = out.find((l) => l.startsWith('| 3 |'))!;
    expect(row).toContain('| 3 | 12 (3 batches: 4–6) | `ns/vc-0`, ');
    expect(row).toContain('`ns/vc-9` and 2 more | ⏸ waiting 12 |');
    expect(row).not.toContain('`ns/vc-10`');
    expect(out.at(-1)).toBe(
      'Wave 3 has 12 releases, more than a matrix of 5: it runs as 3 batches (4, 5, 6), each its own matrix job and approval; a run with fewer wave steps than batches continues in the next run.',
    );
  });

  it('exactly ten releases in one batch: all named, no "more", no batch count, no split note', () => {
    const members = Array.from({ length: 10 }, (_, i) => member(i, 'waiting'));
    const out = campaignSection(
      view({ waves: [{ wave: 1, canary: false, members, batches: [1], keysBefore: 0, keysAfter: 0 }] }),
    );
    const row = out.at(-1)!;
    expect(row.startsWith('| 1 | 10 | `ns/vc-0`')).toBe(true);
    expect(row).toContain('`ns/vc-9` | ⏸ waiting 10 |');
    expect(row).not.toMatch(/more|batches/);
  });
});

describe('the campaign section, paragraph by paragraph', () => {
  it('each part after the failures table is its own paragraph, in order', () => {
    const failures = Array.from({ length: 51 }, (_, i) => failed(i));
    const members = Array.from({ length: 3 }, (_, i) => member(100 + i, 'waiting', 2));
    const out = campaignSection(
      view({
        state: 'stopped',
        stop: 'more than max-failures 2',
        failures,
        batchSize: 2,
        waves: [{ wave: 2, canary: false, members, batches: [3, 4], keysBefore: 0, keysAfter: 0 }],
        notes: ['a note'],
        outside: [entry(1, { state: 'not-eligible' })],
      }),
    );
    expect(out.slice(out.indexOf('1 more in the fleet file.') - 2)).toEqual([
      '| `ns/vc-49` | 1 | ❌ failed: phase one failed (keys lost) | read the last migrate summary; run migrate again: it resumes |',
      '',
      '1 more in the fleet file.',
      '',
      '| wave | releases | which | result | keys before | keys after |',
      '| --- | --- | --- | --- | --- | --- |',
      '| 2 | 3 (2 batches: 3–4) | `ns/vc-100`, `ns/vc-101`, `ns/vc-102` | ⏸ waiting 3 |  |  |',
      '',
      'Wave 2 has 3 releases, more than a matrix of 2: it runs as 2 batches (3, 4), each its own matrix job and approval; a run with fewer wave steps than batches continues in the next run.',
      '',
      '> a note',
      '',
      '1 release is not in the campaign (not eligible, or on embedded etcd without this action): see the table below.',
    ]);
  });

  it('a pipe in a release or namespace name cannot split a row', () => {
    const m: Member = { ...failed(1), entry: entry(1, { namespace: 'a|b', release: 'c|d' }) };
    const out = campaignSection(view({ state: 'stopped', stop: 'x', failures: [m] }));
    expect(out).toContain(
      '| `a\\|b/c\\|d` | 1 | ❌ failed: phase one failed (keys lost) | read the last migrate summary; run migrate again: it resumes |',
    );
  });
});
