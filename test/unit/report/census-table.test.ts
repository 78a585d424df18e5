// The census table users read in the summary and the PR comment: per group before, after and change, and the total.
import { describe, expect, it } from 'vitest';
import { diffCensus } from '../../../src/core/migration/census.ts';
import { renderCensusBlock, renderCensusTable } from '../../../src/report/census-table.ts';
import { escapeMarkdown } from '../../../src/report/markdown.ts';
import { outsideCodeSpans } from '../../support/markdown-structure.ts';

describe('renderCensusTable', () => {
  it('escapes group names so a key cannot break the table or inject markup', () => {
    const d = diffCensus(
      { groups: { '/registry/a|b/': 1, '/registry/<img src=x>/': 2, '/registry/*x*_y_/': 1 } },
      { groups: { '/registry/a|b/': 1, '/registry/<img src=x>/': 2, '/registry/*x*_y_/': 1 } },
    );
    const md = renderCensusTable(d);
    const lines = md.split('\n');
    // header, separator, 3 rows, total: every row has exactly 6 unescaped pipes
    expect(lines).toHaveLength(6);
    for (const l of lines) expect(l.replace(/\\\|/g, '').split('|').length - 1).toBe(6);
    // Group names are code spans: shown as written, never read as HTML or emphasis.
    expect(outsideCodeSpans(md)).not.toMatch(/<img|\*x\*/);
    expect(md).toContain('| `/registry/<img src=x>/` |');
    expect(md).toContain('| `/registry/*x*_y_/` |');
    expect(md).toContain('| `/registry/a\\|b/` |');
  });

  it('shows losses first with their verdict, and totals', () => {
    const d = diffCensus(
      { groups: { '/registry/pods/': 3, '/registry/secrets/': 2 } },
      { groups: { '/registry/pods/': 3, '/registry/secrets/': 1 } },
    );
    const lines = renderCensusTable(d).split('\n');
    expect(lines[2]).toBe('| `/registry/secrets/` | 2 | 1 | −1 | **lost** |');
    expect(lines.at(-1)).toBe('| **Total** | 5 | 4 | −1 | **1 group(s) lost keys** |');
  });

  it('escapeMarkdown flattens newlines', () => {
    expect(escapeMarkdown('a\nb|c')).toBe('a b\\|c');
  });
});

describe('renderCensusTable, edge cases', () => {
  it('shows every verdict, signed deltas and the totals', () => {
    const d = diffCensus(
      { groups: { '/registry/pods/': 3, '/registry/events/': 9, '/registry/secrets/': 2 } },
      {
        groups: {
          '/registry/pods/': 3,
          '/registry/events/': 1,
          '/registry/secrets/': 2,
          '/registry/example.com/crs/': 4,
        },
      },
    );
    expect(renderCensusTable(d)).toBe(
      [
        '| Group | Before | After | Delta | Verdict |',
        '| --- | ---: | ---: | ---: | --- |',
        '| `/registry/events/` | 9 | 1 | −8 | volatile (not checked) |',
        '| `/registry/example.com/crs/` | 0 | 4 | +4 | new |',
        '| `/registry/pods/` | 3 | 3 | 0 | ok |',
        '| `/registry/secrets/` | 2 | 2 | 0 | ok |',
        '| **Total** | 14 | 10 | −4 | ok |',
      ].join('\n'),
    );
  });

  it('escapes ampersands and joins a line break of any kind into one space', () => {
    expect(escapeMarkdown('a&b\r\nc\n\nd')).toBe('a&amp;b c d');
  });
});

describe('renderCensusBlock', () => {
  const header = ['| Group | Before | After | Delta | Verdict |', '| --- | ---: | ---: | ---: | --- |'];

  it('every group matching: one line, and the whole table folded', () => {
    const d = diffCensus(
      { groups: { '/registry/pods/': 3, '/registry/secrets/': 2 } },
      {
        groups: { '/registry/pods/': 3, '/registry/secrets/': 2 },
      },
    );
    expect(renderCensusBlock(d)).toBe(
      [
        '✅ All 2 groups match: 5 keys before and after.',
        '',
        '<details><summary>Key counts of all 2 groups</summary>',
        '',
        renderCensusTable(d),
        '',
        '</details>',
      ].join('\n'),
    );
  });

  it('a lost group: the verdict on top, the changed groups open with the totals, the matching ones folded', () => {
    const d = diffCensus(
      { groups: { '/registry/pods/': 3, '/registry/secrets/': 2, '/registry/roles/': 1 } },
      { groups: { '/registry/pods/': 3, '/registry/secrets/': 1, '/registry/roles/': 1 } },
    );
    expect(renderCensusBlock(d)).toBe(
      [
        '❌ **1 group lost keys**; 1 group changed in all, 2 groups match.',
        '',
        ...header,
        '| `/registry/secrets/` | 2 | 1 | −1 | **lost** |',
        '| **Total** | 6 | 5 | −1 | **1 group(s) lost keys** |',
        '',
        '<details><summary>2 groups with the same count before and after</summary>',
        '',
        ...header,
        '| `/registry/pods/` | 3 | 3 | 0 | ok |',
        '| `/registry/roles/` | 1 | 1 | 0 | ok |',
        '',
        '</details>',
      ].join('\n'),
    );
  });

  it('only grown groups and none matching: no lost verdict and nothing folded', () => {
    const d = diffCensus({ groups: { '/registry/pods/': 3 } }, { groups: { '/registry/pods/': 4 } });
    expect(renderCensusBlock(d)).toBe(
      [
        '✅ No group lost keys; 1 group changed (grown, new or volatile), 0 groups match.',
        '',
        ...header,
        '| `/registry/pods/` | 3 | 4 | +1 | ok |',
        '| **Total** | 3 | 4 | +1 | ok |',
      ].join('\n'),
    );
  });
});
