// What the content proof says of a group that lost keys and changed values: both counts, the first
// key of each, and as the first differing key the earlier of the two; differing groups by name.
import { describe, expect, it } from 'vitest';
import { compareContent, type ContentDigest } from '../../../../src/core/migration/content-proof.ts';
import { emptyGroupComparison, noteDifference } from '../../../../src/core/migration/keyspace-comparison.ts';

const digest = (groups: Record<string, [number, string]>): ContentDigest => ({
  revision: 1,
  total: 0,
  groups: Object.fromEntries(Object.entries(groups).map(([g, [count, d]]) => [g, { count, digest: d }])),
});

describe('compareContent words', () => {
  it('missing keys and changed values in one group; the first differing key is the earlier one', () => {
    const pods = emptyGroupComparison('/registry/pods/');
    noteDifference(pods, 'onlyInSource', '/registry/pods/ns/b');
    noteDifference(pods, 'onlyInSource', '/registry/pods/ns/c');
    noteDifference(pods, 'changed', '/registry/pods/ns/a');
    noteDifference(pods, 'changed', '/registry/pods/ns/d');
    const cms = emptyGroupComparison('/registry/configmaps/');
    noteDifference(cms, 'onlyInSource', '/registry/configmaps/ns/x');
    const c = compareContent(
      digest({ '/registry/pods/': [5, 'p1'], '/registry/configmaps/': [1, 'c1'] }),
      digest({ '/registry/pods/': [3, 'p2'], '/registry/configmaps/': [0, 'c2'] }),
      [pods, cms],
    );
    expect(c.rows.map((r) => [r.group, r.verdict, r.text, r.firstDifferingKey])).toEqual([
      [
        '/registry/configmaps/',
        'differs',
        '1 key missing from the embedded etcd (first: /registry/configmaps/ns/x) (1 keys deployed, 0 embedded)',
        '/registry/configmaps/ns/x',
      ],
      [
        '/registry/pods/',
        'differs',
        '2 keys missing from the embedded etcd (first: /registry/pods/ns/b); 2 values differ (first key: /registry/pods/ns/a) (5 keys deployed, 3 embedded)',
        '/registry/pods/ns/a',
      ],
    ]);
    expect(c.ok).toBe(false);
    expect(c.differing.map((r) => r.group)).toEqual(['/registry/configmaps/', '/registry/pods/']);
  });

  it('a differing group whose walk was not made: described by its counts', () => {
    const c = compareContent(digest({ '/registry/pods/': [2, 'a'] }), digest({ '/registry/pods/': [2, 'b'] }), []);
    expect(c.rows[0]).toMatchObject({ verdict: 'differs', text: 'keys or values differ (2 keys on both sides)' });
    expect(c.rows[0]!.firstDifferingKey).toBeUndefined();
  });
});
