// The README's Reliability table from recorded rows: one row per scenario (the latest run's),
// stable order, and cells that no recorded text can break.
import { describe, it, expect } from 'vitest';
import { readRows, renderTable, updateReadme } from '../../../scripts/reliability-table.ts';
import { tableCells } from '../../support/markdown-structure.ts';

const row = (scenario: string, action: string, extra: object = {}) =>
  JSON.stringify({ scenario, done: 'd', action, dataLost: 'none', group: 'Faults', ...extra });

describe('reliability table', () => {
  it('keeps the latest row of a scenario, sorts groups and rows, and counts losses', () => {
    const rows = readRows(
      [
        row('b', 'old'),
        row('a', 'x'),
        row('b', 'new'),
        row('c', 'y', { group: 'Hostile input', dataLost: '3 keys' }),
      ].join('\n') + '\n',
    );
    const table = renderTable(rows);
    expect(table).toContain('3 scenarios from the last test run; data lost in **1** of them.');
    expect(table).not.toContain('old');
    expect(table.indexOf('### Faults')).toBeLessThan(table.indexOf('### Hostile input'));
    expect(table.indexOf('| a |')).toBeLessThan(table.indexOf('| b |'));
  });

  it('keeps every row at four cells and renders no HTML, whatever the text', () => {
    const table = renderTable(readRows(row('pipe | <b>x</b>\nsecond line', 'a `code` | $1 $& [l](u)')));
    const line = table.split('\n').find((l) => l.startsWith('| pipe'))!;
    expect(tableCells(line)).toHaveLength(4);
    expect(line).not.toMatch(/<b>/);
    // $-patterns in the text are not replacement patterns when written into the README.
    expect(updateReadme('x\n<!-- reliability:start -->\nold\n<!-- reliability:end -->\n', table)).toContain(
      '$1 $&amp;',
    );
  });

  it('says what to do when the markers or the rows are missing', () => {
    expect(() => updateReadme('no markers', 't')).toThrow(/no <!-- reliability:start -->/);
    expect(() => renderTable([])).toThrow(/run the tests first/);
    expect(() => readRows('{not json')).toThrow(/line 1 is not JSON/);
  });
});
