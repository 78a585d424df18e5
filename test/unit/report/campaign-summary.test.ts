import { describe, expect, it } from 'vitest';
import { classifyFleet, countStates } from '../../../src/core/fleet/classification.ts';
import { groupFleet } from '../../../src/core/fleet/grouping.ts';
import { planCampaign } from '../../../src/core/fleet/campaign.ts';
import { campaignCandidates } from '../../../src/core/fleet/waves.ts';
import { renderFleetSummary } from '../../../src/report/fleet-summary.ts';
import { KEEP, deployed, record } from '../core/fleet/fixtures.ts';

describe('the campaign in the fleet summary', () => {
  const workloads = [
    ...deployed('canary', 'first'),
    ...Array.from({ length: 14 }, (_, i) => deployed(`ns-${i % 3}`, `vc-${i}`)).flat(),
  ];
  const facts = groupFleet({
    controlPlanes: workloads.filter((w) => w.labels.app === 'vcluster'),
    etcds: workloads.filter((w) => w.labels.app === 'vcluster-etcd'),
    records: [record('canary', 'first', 'failed')],
    namespaces: [{ name: 'canary', labels: { wave: 'canary' } }],
  });
  const entries = classifyFleet(facts, KEEP);
  const view = planCampaign(campaignCandidates(facts, entries), {
    sizes: [12],
    rest: true,
    canary: { kind: 'mark', key: 'wave', value: 'canary' },
    maxFailures: 0,
    batchSize: 256,
    afterBatch: 1,
  });
  const md = renderFleetSummary({
    entries,
    counts: countStates(entries),
    next: 'migrate',
    matrixSize: 0,
    left: 14,
    scope: 'all namespaces',
    notes: [],
    campaign: view,
  });

  it('says what stopped the campaign on top, then the failure with its next step, then a row per wave', () => {
    const plain = md.replaceAll('\\', '');
    const stopped = plain.indexOf('**Campaign stopped:** 1 release failed or refused, more than max-failures 0');
    const failure = plain.indexOf('| `canary/first` | 1 | ❌ failed: phase one failed');
    const waves = plain.indexOf('| wave | releases | which | result | keys before | keys after |');
    const fleet = plain.indexOf('| release | namespace |');
    expect(stopped).toBeGreaterThan(0);
    expect(stopped).toBeLessThan(failure);
    expect(failure).toBeLessThan(waves);
    expect(waves).toBeLessThan(fleet);
    expect(plain).toContain('run this workflow again: wave 1 resumes with it');
    expect(plain).toContain('**14 more** wait for later batches of the campaign');
    expect(md).toContain('| 1 (canary) | 1 | `canary/first` | ❌ failed 1 | 12000 | 12000 |');
    // A wave of 12 names ten releases, then how many more.
    expect(md).toMatch(/\| 2 \| 12 \| (`ns-\d\/vc-\d+`, ){9}`ns-\d\/vc-\d+` and 2 more \| ⏸ waiting 12 \| {2}\| {2}\|/);
    expect(md).toContain('| 3 | 2 |');
    expect(md.split('\n')[0]).toBe('## vCluster fleet: discover ⛔');
  });
});
