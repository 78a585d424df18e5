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
