// Discover's summary, line by line: the count line and the pie, the matrix line with what waits,
// each release's row (the chart it would move to), the link to the run, and the summary of a
// discover that stopped before it had a fleet.
import { describe, expect, it } from 'vitest';
import { countStates, type FleetEntry } from '../../../src/core/fleet/classification.ts';
import { renderFleetStop, renderFleetSummary, type FleetSummaryInput } from '../../../src/report/fleet-summary.ts';

const entry = (over: Partial<FleetEntry> = {}): FleetEntry => ({
  namespace: 'team-a',
  release: 'vc',
  state: 'deployed',
  reason: 'runs on deployed etcd',
  next: 'migrate to chart 0.28.0',
  attention: false,
  chart: '0.27.0',
  target: '0.28.0',
  ...over,
});

const input = (entries: FleetEntry[], over: Partial<FleetSummaryInput> = {}): FleetSummaryInput => ({
  entries,
  counts: countStates(entries),
  next: 'migrate',
  matrixSize: entries.length,
  left: 0,
  scope: 'all namespaces',
  notes: [],
  ...over,
});

describe('the fleet summary, line by line', () => {
  it('one release: singular words, its pie, its row with the chart it moves to, and the run link', () => {
    const md = renderFleetSummary(
      input([entry({ keysBefore: 12, keysAfter: 13 })], { runUrl: 'https://example.test/run/1' }),
    );
    expect(md).toContain('\n\n1 vCluster release in all namespaces; 0 need a person.\n');
    expect(md).toContain(
      [
        '```mermaid',
        'pie showData',
        '  accTitle: vCluster releases per state',
        '  accDescr: deployed 1',
        '  title Releases per state',
        '  "deployed" : 1',
        '```',
      ].join('\n'),
    );
    expect(md).toContain('\n\n**Matrix for migrate:** 1 release.\n');
    expect(md).toContain(
      '|  | `vc` | `team-a` | 🟦 deployed | 0\\.27.0 → 0.28.0 | 12 | 13 | runs on deployed etcd | migrate to chart 0.28.0 |',
    );
    expect(md.endsWith('\n\n[Workflow run](https://example.test/run/1)\n')).toBe(true);
  });

  it('many releases: plural words, what waits for the next run, the chart only once where it stays', () => {
    const es = [
      entry({ release: 'a', attention: true, state: 'not-eligible', target: '0.28.0' }),
      entry({ release: 'b', state: 'migrating', chart: '0.27.0', target: '0.28.0' }),
      entry({ release: 'c', chart: undefined, target: undefined }),
      entry({ release: 'd', target: '0.27.0' }),
    ];
    const md = renderFleetSummary(input(es, { matrixSize: 2, left: 3 }));
    expect(md).toContain('\n\n4 vCluster releases in all namespaces; 1 needs a person.\n');
    expect(md).toContain('**Matrix for migrate:** 2 releases; **3 more** wait for the next run (max-releases).');
    expect(md).toContain('| 👤 | `a` | `team-a` | ⛔ not-eligible | 0\\.27.0 |');
    expect(md).toContain('|  | `b` | `team-a` | ⏳ migrating | 0\\.27.0 |');
    expect(md).toContain('|  | `c` | `team-a` | 🟦 deployed | ? |');
    expect(md).toContain('|  | `d` | `team-a` | 🟦 deployed | 0\\.27.0 |');
    expect(md).not.toContain('[Workflow run]');
  });

  it('no release: no pie and no table of releases', () => {
    const md = renderFleetSummary(input([], { scope: 'namespaces a, b' }));
    expect(md).toContain('0 vCluster releases in namespaces a, b; 0 need a person.');
    expect(md).not.toContain('```mermaid');
    expect(md).not.toContain('| release |');
  });

  it('more than 500 releases: the rest are in the fleet file', () => {
    const es = Array.from({ length: 502 }, (_, i) => entry({ release: `vc-${i}` }));
    const md = renderFleetSummary(input(es));
    expect(md).toContain('`vc-499`');
    expect(md).not.toContain('`vc-500`');
    expect(md).toContain('\n\n2 more releases are in the fleet file (output `fleet-file`).\n');
  });
});

describe('a discover that stopped before it had a fleet', () => {
  it('refused: nothing changed or read; failed: nothing changed; the run link when there is one', () => {
    expect(renderFleetStop({ status: 'refused', headline: 'input namespaces is *bad*', next: 'fix it' })).toBe(
      '## vCluster fleet: discover ❌\n\n**refused**: input namespaces is \\*bad\\*. Nothing was changed or read.\n\n**Next:** fix it\n',
    );
    expect(
      renderFleetStop({
        status: 'failed',
        headline: 'the API server',
        next: 'retry',
        runUrl: 'https://example.test/r',
      }),
    ).toBe(
      '## vCluster fleet: discover ❌\n\n**failed**: the API server. Nothing was changed.\n\n**Next:** retry\n\n[The run](https://example.test/r)\n',
    );
  });
});

describe('the fleet summary heading, counts and notes', () => {
  const campaign = (state: 'running' | 'stopped' | 'complete') => ({
    state,
    waves: [],
    members: [],
    failures: [],
    maxFailures: 0,
    batchSize: 256,
    outside: [],
    notes: [],
    ...(state === 'running' ? { current: { wave: 1, batch: 1 } } : {}),
    ...(state === 'stopped' ? { stop: 'a wave failed' } : {}),
  });

  it('the heading: ✅ when nobody is needed, ⚠️ when a release needs a person', () => {
    expect(renderFleetSummary(input([entry()])).split('\n')[0]).toBe('## vCluster fleet: discover ✅');
    expect(renderFleetSummary(input([entry({ attention: true })])).split('\n')[0]).toBe(
      '## vCluster fleet: discover ⚠️',
    );
  });

  it('a campaign sets the heading by its state and comes right under it; what waits is for later batches', () => {
    const icons = { running: '⏳', stopped: '⛔', complete: '✅' } as const;
    for (const state of ['running', 'stopped', 'complete'] as const) {
      const md = renderFleetSummary(input([entry({ attention: true })], { campaign: campaign(state), left: 2 }));
      const lines = md.split('\n');
      expect(lines[0]).toBe(`## vCluster fleet: discover ${icons[state]}`);
      expect(lines[2]).toMatch(/^\*\*Campaign /);
      expect(md).toContain('**Matrix for migrate:** 1 release; **2 more** wait for later batches of the campaign.');
    }
  });

  it('the counts table has one row per state in a fixed order, zeros included; the pie leaves zeros out', () => {
    const es = [entry(), entry({ release: 'e', state: 'embedded' }), entry({ release: 'f', state: 'embedded' })];
    const md = renderFleetSummary(input(es));
    expect(md).toContain(
      [
        '| state | releases |',
        '| --- | --- |',
        '| 🟦 deployed | 1 |',
        '| ⏳ migrating | 0 |',
        '| 🟨 verified | 0 |',
        '| ✅ embedded | 2 |',
        '| ⛔ not-eligible | 0 |',
        '',
        '**Matrix for migrate:** 3 releases.',
      ].join('\n'),
    );
    expect(md).toContain(
      '  accDescr: deployed 1, embedded 2\n  title Releases per state\n  "deployed" : 1\n  "embedded" : 2\n```',
    );
  });

  it('each note is quoted and escaped, before the releases table and its header', () => {
    const md = renderFleetSummary(input([entry()], { notes: ['first *one*', 'second'] }));
    expect(md).toContain(
      [
        '> first \\*one\\*',
        '',
        '> second',
        '',
        '| | release | namespace | state | chart | keys before | keys after | why | next step |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
        '|  | `vc` |',
      ].join('\n'),
    );
  });

  it('a release without measured keys shows empty cells, not "undefined"', () => {
    const md = renderFleetSummary(input([entry()]));
    expect(md).toContain('| 0\\.27.0 → 0.28.0 |  |  | runs on deployed etcd |');
  });

  it('exactly 500 releases: every one listed and no fleet-file line', () => {
    const es = Array.from({ length: 500 }, (_, i) => entry({ release: `vc-${i}` }));
    const md = renderFleetSummary(input(es));
    expect(md).toContain('`vc-499`');
    expect(md).not.toContain('in the fleet file');
  });
});

describe('the fleet summary, edge cases a reader could trip on', () => {
  it('no release at all: the count line goes straight to the counts table, no empty chart', () => {
    expect(renderFleetSummary(input([]))).toContain(
      '\n\n0 vCluster releases in all namespaces; 0 need a person.\n\n| state | releases |\n',
    );
  });

  it('the pie stands in its own paragraph between the count line and the counts table', () => {
    const md = renderFleetSummary(input([entry()]));
    expect(md).toContain('; 0 need a person.\n\n```mermaid\npie showData\n');
    expect(md).toContain('  "deployed" : 1\n```\n\n| state | releases |\n');
  });

  it('a chart version not read shows ?, even when the target is known', () => {
    const md = renderFleetSummary(input([entry({ chart: undefined, target: '0.28.0' })]));
    expect(md).toContain('| 🟦 deployed | ? |');
  });

  it('a pipe in a release or namespace name cannot split the row', () => {
    const md = renderFleetSummary(input([entry({ release: 'a|b', namespace: 'c|d' })]));
    expect(md).toContain('|  | `a\\|b` | `c\\|d` | 🟦 deployed |');
  });
});
