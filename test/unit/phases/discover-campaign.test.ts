// discover with input waves: the read keeps the canary annotation, the outputs say where the campaign
// stands and which batch runs, and the fleet output stays bounded while the fleet file has every release.
import { describe, expect, it } from 'vitest';
import { discoverFleet } from '../../../src/phases/discover.ts';
import type { FleetRead, FleetReadOptions } from '../../../src/adapters/kube/fleet.ts';
import type { FleetObjects } from '../../../src/core/fleet/grouping.ts';
import { parseFleetSettings } from '../../../src/core/inputs/inputs.ts';
import { inputsWith } from '../../support/inputs.ts';
import { deployed, record } from '../core/fleet/fixtures.ts';

const settings = (over: Record<string, string> = {}) =>
  parseFleetSettings(inputsWith(over, { phase: 'discover', 'chart-version': 'keep', ...over }));

function fleetOf(n: number, failed?: string): FleetObjects {
  const o: FleetObjects = { controlPlanes: [], etcds: [], records: [] };
  for (let i = 0; i < n; i++) {
    const ws = deployed(`ns-${i % 50}`, `vc-${i}`, i === 0 ? { annotations: { 'example.com/wave': 'canary' } } : {});
    o.controlPlanes.push(...ws.filter((w) => w.labels.app === 'vcluster'));
    o.etcds.push(...ws.filter((w) => w.labels.app === 'vcluster-etcd'));
  }
  if (failed) o.records.push(record('ns-0', failed, 'failed'));
  return o;
}

const reader = (objects: FleetObjects) => {
  const asked: FleetReadOptions[] = [];
  return {
    asked,
    read: async (o: FleetReadOptions): Promise<FleetRead> => (asked.push(o), { objects, calls: 4, notes: [] }),
  };
};

describe('discover with waves', () => {
  it('starts with the canary, keeps its annotation in the read, and bounds the fleet output', async () => {
    const { read, asked } = reader(fleetOf(600));
    const found = await discoverFleet(settings({ waves: '1,5,rest', canary: 'example.com/wave=canary' }), read);
    expect(asked[0]).toMatchObject({ annotations: ['example.com/wave'] });
    expect(found.outputs).toMatchObject({
      campaign: 'running',
      wave: '1',
      batch: '1',
      failures: '0',
      'matrix-size': '1',
    });
    expect(JSON.parse(found.outputs.matrix!).include).toEqual([
      { release: 'vc-0', namespace: 'ns-0', 'chart-version': '0.27.0' },
    ]);
    expect(found.outputs['releases-left']).toBe('599');
    expect(JSON.parse(found.outputs.fleet!)).toHaveLength(500);
    const all = found.fleetRows as { release: string; wave: number; campaign: string }[];
    expect(all).toHaveLength(600);
    expect(all.find((r) => r.release === 'vc-0')).toMatchObject({ wave: 1, campaign: 'waiting' });
    expect(found.info).toContain('campaign running: wave 1, batch 1; 0 failed or refused (max-failures 0)');
  });

  it('after the batch that ran, a failed release stops the campaign: no batch, an empty matrix, a warning that names it', async () => {
    const found = await discoverFleet(
      settings({ waves: '1,5,rest', canary: 'example.com/wave=canary', 'after-batch': '1' }),
      reader(fleetOf(20, 'vc-0')).read,
    );
    expect(found.outputs).toMatchObject({
      campaign: 'stopped',
      wave: '',
      batch: '',
      failures: '1',
      'matrix-size': '0',
    });
    expect(found.warnings.join('\n')).toContain(
      'the campaign stopped: 1 release failed or refused, more than max-failures 0: ns-0/vc-0 (wave 1, failed)',
    );
    expect(found.info.some((l) => l.startsWith('counts against the budget: ns-0/vc-0 (wave 1, failed). Next: '))).toBe(
      true,
    );
  });
});
