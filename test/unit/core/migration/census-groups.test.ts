// How keys are grouped and compared: edge cases of the groups, the volatile prefixes, the diff's verdicts and order.
import { describe, expect, it } from 'vitest';
import { diffCensus, groupOf, isVolatile } from '../../../../src/core/migration/census.ts';

describe('groupOf, edge cases', () => {
  it.each([
    ['/registry//x', '/registry//'],
    ['/lonely', '/lonely'],
    ['health/x/y', 'health/x/y'],
  ])('%s → %s', (key, group) => {
    expect(groupOf(key)).toBe(group);
  });
});

describe('isVolatile', () => {
  it('covers every group under a volatile prefix, and that prefix itself', () => {
    expect(isVolatile('/registry/example.com/jobs/', ['/registry/example.com/'])).toBe(true);
    expect(isVolatile('/registry/events/', ['/registry/events/'])).toBe(true);
    expect(isVolatile('/registry/pods/', ['/registry/events/', '/pods/'])).toBe(false);
  });
});

describe('diffCensus verdicts and order', () => {
  it('calls a grown or unchanged group ok, one that appeared new, and one empty on both sides ok', () => {
    const d = diffCensus(
      { groups: { '/g/grown/': 5, '/g/same/': 2, '/g/empty/': 0 } },
      { groups: { '/g/grown/': 7, '/g/same/': 2, '/g/empty/': 0, '/g/new/': 1 } },
    );
    const verdict = Object.fromEntries(d.rows.map((r) => [r.group, r.verdict]));
    expect(verdict).toEqual({ '/g/grown/': 'ok', '/g/same/': 'ok', '/g/empty/': 'ok', '/g/new/': 'new' });
    expect(d.ok).toBe(true);
  });

  it('lists losses by size, then other changes by name, then unchanged groups by name', () => {
    const before = {
      '/l/small/': 10,
      '/l/big/': 100,
      '/l/mid/': 30,
      '/c/b/': 1,
      '/c/a/': 1,
      '/u/z/': 3,
      '/u/a/': 3,
      '/u/m/': 3,
    };
    const after = {
      '/l/small/': 9,
      '/l/big/': 1,
      '/l/mid/': 20,
      '/c/b/': 2,
      '/c/a/': 9,
      '/u/z/': 3,
      '/u/a/': 3,
      '/u/m/': 3,
    };
    expect(diffCensus({ groups: before }, { groups: after }).rows.map((r) => r.group)).toEqual([
      '/l/big/',
      '/l/mid/',
      '/l/small/',
      '/c/a/',
      '/c/b/',
      '/u/a/',
      '/u/m/',
      '/u/z/',
    ]);
  });
});
