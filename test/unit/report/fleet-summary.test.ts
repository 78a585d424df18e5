import { describe, expect, it } from 'vitest';
import { countStates } from '../../../src/core/fleet/classification.ts';
import { renderFleetSummary } from '../../../src/report/fleet-summary.ts';
import { classify, deployed } from '../core/fleet/fixtures.ts';

describe('the fleet summary', () => {
  it('shows counts on top, then rows with the ones that need a person first, escaped', () => {
    const es = classify({
      workloads: [...deployed('ns', 'ok'), ...deployed('ns', 'zero', { replicas: 0 })],
      records: [],
    });
    const md = renderFleetSummary({
      entries: es,
      counts: countStates(es),
      next: 'migrate',
      matrixSize: 1,
      left: 0,
      scope: 'all namespaces',
      notes: ['note <b>x</b>'],
    });
    const counts = md.indexOf('| state | releases |');
    const rows = md.indexOf('| release | namespace |');
    expect(counts).toBeGreaterThan(0);
    expect(rows).toBeGreaterThan(counts);
    expect(md.indexOf('`zero`')).toBeLessThan(md.indexOf('`ok`'));
    expect(md).toContain('| 🟦 deployed | 1 |');
    expect(md).toContain('| ⛔ not-eligible | 1 |');
    expect(md).not.toContain('<b>');
  });
});
