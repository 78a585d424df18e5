// Where each release of a campaign stands from its entry and record, and the words the campaign
// stops with: canaries that are not there, and a failure budget spent by many releases.
import { describe, expect, it } from 'vitest';
import { classifyFleet, type FleetEntry } from '../../../../src/core/fleet/classification.ts';
import { groupFleet, type WorkloadObj } from '../../../../src/core/fleet/grouping.ts';
import { memberStatus, planCampaign, type CampaignSettings } from '../../../../src/core/fleet/campaign.ts';
import { campaignCandidates } from '../../../../src/core/fleet/waves.ts';
import { KEEP, deployed, record } from './fixtures.ts';

const entry = (state: FleetEntry['state']): FleetEntry => ({
  namespace: 'ns',
  release: 'vc',
  state,
  reason: '',
  next: '',
  attention: false,
});

describe('memberStatus', () => {
  it('from the entry and the record', () => {
    expect(memberStatus({ entry: entry('embedded'), marks: [] })).toBe('embedded');
    expect(memberStatus({ entry: entry('not-eligible'), marks: [] })).toBe('failed');
    expect(memberStatus({ entry: entry('migrating'), record: { p1: { status: 'failed' } }, marks: [] })).toBe('failed');
    expect(
      memberStatus({
        entry: entry('verified'),
        record: { p1: { status: 'verified' }, p2: { status: 'failed' } },
        marks: [],
      }),
    ).toBe('failed');
    expect(memberStatus({ entry: entry('deployed'), marks: [] })).toBe('waiting');
    expect(memberStatus({ entry: entry('verified'), record: { p1: { status: 'verified' } }, marks: [] })).toBe(
      'verified',
    );
    expect(
      memberStatus({
        entry: entry('verified'),
        record: { p1: { status: 'verified' }, p2: { status: 'started' } },
        marks: [],
      }),
    ).toBe('under-way');
    expect(memberStatus({ entry: entry('migrating'), record: { p1: { status: 'upgraded' } }, marks: [] })).toBe(
      'under-way',
    );
  });
});

function candidates(workloads: WorkloadObj[], records: ReturnType<typeof record>[] = []) {
  const facts = groupFleet({
    controlPlanes: workloads.filter((w) => w.labels.app === 'vcluster'),
    etcds: workloads.filter((w) => w.labels.app === 'vcluster-etcd'),
    records,
  });
  return campaignCandidates(facts, classifyFleet(facts, KEEP));
}

const SETTINGS: CampaignSettings = { sizes: [20], rest: true, maxFailures: 0, batchSize: 256 };

describe('the campaign stops', () => {
  it('when none of the named canaries can be migrated', () => {
    const v = planCampaign(candidates(deployed('a', 'vc-1')), {
      ...SETTINGS,
      canary: { kind: 'releases', releases: ['b/vc-9', 'c/vc-8'] },
    });
    expect(v.state).toBe('stopped');
    expect(v.stop).toBe(
      'none of the canaries b/vc-9, c/vc-8 is a release discover found that can be migrated: nothing starts without a canary',
    );
  });

  it('over budget: names the first ten failures and counts the rest', () => {
    const ids = Array.from({ length: 12 }, (_, i) => `vc-${String(i).padStart(2, '0')}`);
    const v = planCampaign(
      candidates(
        ids.flatMap((r) => deployed('ns', r)),
        ids.map((r) => record('ns', r, 'failed')),
      ),
      // The run after the batch: what of it failed counts against the budget.
      { ...SETTINGS, afterBatch: 1 },
    );
    expect(v.state).toBe('stopped');
    // Named in the campaign's order (which spreads releases over waves), ten of them, then the count of the rest.
    const m = /^12 releases failed or refused, more than max-failures 0: (.*) and 2 more\. No later wave starts$/.exec(
      v.stop!,
    );
    const named = m![1]!.split(/, (?=ns\/)/);
    expect(named).toHaveLength(10);
    for (const n of named) expect(n).toMatch(/^ns\/vc-\d\d \(wave 1, failed\)$/);
    expect(new Set(named).size).toBe(10);
  });
});

describe("a wave's key counts", () => {
  it('add up the keys before and after of its releases; a release without a record adds none', () => {
    const v = planCampaign(
      candidates(
        [...deployed('ns', 'vc-1'), ...deployed('ns', 'vc-2'), ...deployed('ns', 'vc-3')],
        [record('ns', 'vc-1', 'verified', 'verified'), record('ns', 'vc-2', 'verified')],
      ),
      SETTINGS,
    );
    expect(v.waves).toHaveLength(1);
    expect(v.waves[0]).toMatchObject({ keysBefore: 24_000, keysAfter: 24_001 });
  });
});
