// The content proof as the job summary shows it: the revisions read, one row per group with its
// verdict mark, differing groups first, group names escaped, and a headline that says whether the
// two etcds hold the same keys and values.
import { describe, expect, it } from 'vitest';
import { compareContent, type ContentDigest } from '../../../src/core/migration/content-proof.ts';
import { emptyGroupComparison, noteDifference } from '../../../src/core/migration/keyspace-comparison.ts';
import { contentHeadline, renderContentTable } from '../../../src/report/content-table.ts';
import { newReport } from '../../../src/report/report.ts';
import { renderSummary } from '../../../src/report/summary.ts';

const digest = (revision: number, groups: Record<string, [number, string]>): ContentDigest => ({
  revision,
  total: Object.values(groups).reduce((n, [c]) => n + c, 0),
  groups: Object.fromEntries(Object.entries(groups).map(([g, [count, d]]) => [g, { count, digest: d }])),
});

describe('the content table', () => {
  it('every verdict, differing first, with the revisions read', () => {
    const pods = emptyGroupComparison('/registry/pods/');
    noteDifference(pods, 'changed', '/registry/pods/ns/a');
    const cms = emptyGroupComparison('/registry/configmaps/');
    noteDifference(cms, 'onlyInTarget', '/registry/configmaps/ns/new');
    const c = compareContent(
      digest(40, {
        '/registry/configmaps/': [1, 'c1'],
        '/registry/events/': [9, 'e1'],
        '/registry/pods/': [2, 'p1'],
        '/registry/secrets/': [3, 's'],
      }),
      digest(7, {
        '/registry/configmaps/': [2, 'c2'],
        '/registry/events/': [1, 'e2'],
        '/registry/pods/': [2, 'p2'],
        '/registry/secrets/': [3, 's'],
      }),
      [pods, cms],
    );
    expect(renderContentTable(c)).toBe(
      [
        'Read at revision 40 of the deployed etcd and 7 of the embedded etcd.',
        '',
        '| Group | Deployed | Embedded | Content | |',
        '| --- | ---: | ---: | --- | --- |',
        '| `/registry/pods/` | 2 | 2 | 1 value differs (first key: `/registry/pods/ns/a`) (2 keys on both sides) | ❌ |',
        '| `/registry/configmaps/` | 1 | 2 | 1 key only in the embedded etcd (first: `/registry/configmaps/ns/new`) (1 keys deployed, 2 embedded) | new keys |',
        '| `/registry/events/` | 9 | 1 | volatile: counted only (9 deployed, 1 embedded) | volatile (counted only) |',
        '| `/registry/secrets/` | 3 | 3 | same keys and values | ✅ |',
      ].join('\n'),
    );
    expect(contentHeadline(c)).toBe('**1 group(s) have other keys or values in the embedded etcd.**');
  });

  it('all the same: the headline says so, and the summary shows the section under its heading', () => {
    const c = compareContent(
      digest(3, { '/registry/pods/': [2, 'p'] }),
      digest(4, { '/registry/pods/': [2, 'p'] }),
      [],
    );
    expect(contentHeadline(c)).toBe('Every group that is not volatile has the same keys and values in both etcds.');
    const r = newReport('vc', 'ns', 'migrate');
    r.content = c;
    const md = renderSummary(r);
    expect(md).toContain(
      [
        '### Keys and values per resource',
        '',
        'Every group that is not volatile has the same keys and values in both etcds.',
        '',
        'Read at revision 3 of the deployed etcd and 4 of the embedded etcd.',
      ].join('\n'),
    );
  });

  it('a group name from etcd cannot break the table or add markup', () => {
    const c = compareContent(
      digest(1, { '/registry/a|b*c/': [1, 'x'] }),
      digest(1, { '/registry/a|b*c/': [1, 'x'] }),
      [],
    );
    expect(renderContentTable(c).split('\n').at(-1)).toBe(
      '| `/registry/a`\\|b\\*c/ | 1 | 1 | same keys and values | ✅ |',
    );
  });
});
