import { describe, expect, it } from 'vitest';
import {
  compareContent,
  explainGroup,
  groupsToExplain,
  SAME_TEXT,
  type ContentDigest,
  type ContentEntry,
} from '../../../../src/core/migration/content-proof.ts';
import { copyVerdict } from '../../../../src/core/migration/copy-verdict.ts';
import { diffCensus } from '../../../../src/core/migration/census.ts';

const digest = (revision: number, groups: Record<string, [number, string]>): ContentDigest => ({
  revision,
  total: Object.values(groups).reduce((s, [n]) => s + n, 0),
  groups: Object.fromEntries(Object.entries(groups).map(([g, [count, d]]) => [g, { count, digest: d }])),
});

async function* entries(list: Array<[string, string]>): AsyncGenerator<ContentEntry> {
  for (const [key, value] of list) yield { key, value };
}

describe('groupsToExplain', () => {
  it('names the non-volatile groups whose digests differ or exist on one side only, sorted', () => {
    const d = digest(10, {
      '/registry/pods/': [3, 'a'],
      '/registry/secrets/': [2, 'b'],
      '/registry/events/': [5, 'e'],
      '/registry/configmaps/': [1, 'c'],
    });
    const e = digest(20, {
      '/registry/pods/': [3, 'a'],
      '/registry/secrets/': [2, 'B'],
      '/registry/events/': [5, 'E'],
      '/vcluster/mappings/': [1, 'm'],
    });
    expect(groupsToExplain(d, e)).toEqual(['/registry/configmaps/', '/registry/secrets/', '/vcluster/mappings/']);
  });
});

describe('explainGroup', () => {
  it('counts missing, extra and changed keys and keeps the first of each, in key order', async () => {
    const c = await explainGroup(
      '/registry/secrets/',
      entries([
        ['/registry/secrets/a', '1'],
        ['/registry/secrets/b', '2'],
        ['/registry/secrets/c', '3'],
        ['/registry/secrets/e', '5'],
      ]),
      entries([
        ['/registry/secrets/a', '1'],
        ['/registry/secrets/b', 'X'],
        ['/registry/secrets/d', '4'],
        ['/registry/secrets/e', '5'],
        ['/registry/secrets/f', '6'],
      ]),
    );
    expect(c).toMatchObject({ same: 2, changed: 1, onlyInSource: 1, onlyInTarget: 2 });
    expect(c.first).toEqual({
      changed: ['/registry/secrets/b'],
      onlyInSource: ['/registry/secrets/c'],
      onlyInTarget: ['/registry/secrets/d', '/registry/secrets/f'],
    });
  });

  it('shows keys through the display function (the reader hands them one char per byte)', async () => {
    const raw = Buffer.from('/registry/pods/ns/é').toString('latin1');
    const c = await explainGroup('/registry/pods/', entries([[raw, '1']]), entries([[raw, '2']]), (k) =>
      Buffer.from(k, 'latin1').toString('utf8'),
    );
    expect(c.first.changed).toEqual(['/registry/pods/ns/é']);
  });
});

describe('compareContent', () => {
  const d = digest(10, {
    '/registry/pods/': [3, 'a'],
    '/registry/secrets/': [2, 'b'],
    '/registry/events/': [5, 'e'],
    '/registry/configmaps/': [4, 'c'],
  });

  it('says "same keys and values" for every equal group and counts volatile groups only', () => {
    const r = compareContent(
      d,
      digest(11, {
        ...Object.fromEntries(Object.entries(d.groups).map(([g, x]) => [g, [x.count, x.digest]])),
        '/registry/events/': [7, 'zz'],
      }),
      [],
    );
    expect(r.ok).toBe(true);
    expect(r.rows.find((x) => x.group === '/registry/pods/')).toMatchObject({ verdict: 'same', text: SAME_TEXT });
    expect(r.rows.find((x) => x.group === '/registry/events/')).toMatchObject({
      verdict: 'volatile',
      text: 'volatile: counted only (5 deployed, 7 embedded)',
    });
    expect(r).toMatchObject({ deployedRevision: 10, embeddedRevision: 11 });
  });

  it('fails a group with equal counts and one changed value, naming the first key, never a value', async () => {
    const e = digest(11, {
      '/registry/pods/': [3, 'a'],
      '/registry/secrets/': [2, 'CORRUPT'],
      '/registry/events/': [5, 'e'],
      '/registry/configmaps/': [4, 'c'],
    });
    const walk = await explainGroup(
      '/registry/secrets/',
      entries([
        ['/registry/secrets/ns/a', 'h1'],
        ['/registry/secrets/ns/b', 'h2'],
      ]),
      entries([
        ['/registry/secrets/ns/a', 'h1'],
        ['/registry/secrets/ns/b', 'h3'],
      ]),
    );
    const r = compareContent(d, e, [walk]);
    expect(r.ok).toBe(false);
    expect(r.differing.map((x) => x.group)).toEqual(['/registry/secrets/']);
    expect(r.rows[0]).toEqual({
      group: '/registry/secrets/',
      deployed: 2,
      embedded: 2,
      volatile: false,
      verdict: 'differs',
      text: '1 value differs (first key: /registry/secrets/ns/b) (2 keys on both sides)',
      firstDifferingKey: '/registry/secrets/ns/b',
    });
    expect(JSON.stringify(r)).not.toMatch(/h3|h2/);
    const verdict = copyVerdict({
      diff: diffCensus({ groups: { a: 1 } }, { groups: { a: 1 } }),
      content: r,
      lineLost: false,
      acceptLostLogLine: false,
    });
    expect(verdict).toEqual({ kind: 'content-differs', groups: ['/registry/secrets/'] });
  });

  it('a group whose walk was not made still fails, described by its counts', () => {
    const e = digest(11, {
      ...Object.fromEntries(Object.entries(d.groups).map(([g, x]) => [g, [x.count, x.digest]])),
      '/registry/configmaps/': [3, 'x'],
    });
    const r = compareContent(d, e, []);
    expect(r.differing[0]).toMatchObject({
      group: '/registry/configmaps/',
      verdict: 'differs',
      text: 'keys or values differ (4 keys deployed, 3 embedded)',
    });
  });

  it('keys only the embedded etcd has (written since the copy) are shown and do not fail', async () => {
    const e = digest(11, {
      ...Object.fromEntries(Object.entries(d.groups).map(([g, x]) => [g, [x.count, x.digest]])),
      '/registry/pods/': [4, 'a2'],
    });
    const walk = await explainGroup(
      '/registry/pods/',
      entries([['/registry/pods/x', '1']]),
      entries([
        ['/registry/pods/x', '1'],
        ['/registry/pods/y', '2'],
      ]),
    );
    const r = compareContent(d, e, [walk]);
    expect(r.ok).toBe(true);
    expect(r.rows[0]).toMatchObject({
      group: '/registry/pods/',
      verdict: 'more-in-embedded',
      text: '1 key only in the embedded etcd (first: /registry/pods/y) (3 keys deployed, 4 embedded)',
    });
    expect(r.rows[0]!.firstDifferingKey).toBeUndefined();
  });

  it('a group on one side only: missing from the embedded etcd fails, new in the embedded etcd is shown', async () => {
    const e = digest(11, {
      '/registry/pods/': [3, 'a'],
      '/registry/secrets/': [2, 'b'],
      '/registry/events/': [5, 'e'],
      '/vcluster/mappings/': [1, 'm'],
    });
    const walk = await explainGroup('/vcluster/mappings/', entries([]), entries([['/vcluster/mappings/ns/x', 'h']]));
    const r = compareContent(d, e, [walk]);
    expect(r.ok).toBe(false);
    expect(r.rows.map((x) => [x.group, x.verdict, x.text])).toEqual([
      ['/registry/configmaps/', 'differs', 'keys or values differ (4 keys deployed, 0 embedded)'],
      [
        '/vcluster/mappings/',
        'more-in-embedded',
        '1 key only in the embedded etcd (first: /vcluster/mappings/ns/x) (0 keys deployed, 1 embedded)',
      ],
      ['/registry/events/', 'volatile', 'volatile: counted only (5 deployed, 5 embedded)'],
      ['/registry/pods/', 'same', SAME_TEXT],
      ['/registry/secrets/', 'same', SAME_TEXT],
    ]);
    // Keys only the embedded etcd has are no loss: the row names no first differing key at all.
    expect(r.rows[1]).toStrictEqual({
      group: '/vcluster/mappings/',
      deployed: 0,
      embedded: 1,
      volatile: false,
      verdict: 'more-in-embedded',
      text: '1 key only in the embedded etcd (first: /vcluster/mappings/ns/x) (0 keys deployed, 1 embedded)',
    });
  });

  it('the first differing key is the earlier of the first missing and the first changed key', async () => {
    const e = digest(11, {
      ...Object.fromEntries(Object.entries(d.groups).map(([g, x]) => [g, [x.count, x.digest]])),
      '/registry/secrets/': [1, 'b2'],
    });
    const walk = await explainGroup(
      '/registry/secrets/',
      entries([
        ['/registry/secrets/ns/a', '1'],
        ['/registry/secrets/ns/b', '2'],
      ]),
      entries([['/registry/secrets/ns/b', '3']]),
    );
    const r = compareContent(d, e, [walk]);
    expect(r.differing[0]).toMatchObject({
      text: '1 key missing from the embedded etcd (first: /registry/secrets/ns/a); 1 value differs (first key: /registry/secrets/ns/b) (2 keys deployed, 1 embedded)',
      firstDifferingKey: '/registry/secrets/ns/a',
    });
  });

  it('a volatile prefix given by the user exempts its groups from the content comparison', () => {
    const e = digest(11, {
      ...Object.fromEntries(Object.entries(d.groups).map(([g, x]) => [g, [x.count, x.digest]])),
      '/registry/configmaps/': [4, 'other'],
    });
    expect(compareContent(d, e, [], ['/registry/configmaps/']).ok).toBe(true);
    expect(compareContent(d, e, []).ok).toBe(false);
  });
});
