// The comparison summary: per group equal or the counts and the first differing key, never a value.
import { describe, expect, it } from 'vitest';
import {
  emptyGroupComparison,
  FIRST_KEYS_MAX,
  mergeGroupComparison,
  noteDifference,
  sourceCensus,
  summarizeComparison,
  type KeyspaceComparison,
} from '../../../../src/core/migration/keyspace-comparison.ts';

function build(): KeyspaceComparison {
  const pods = { ...emptyGroupComparison('/registry/pods/'), same: 5 };
  const cms = { ...emptyGroupComparison('/registry/configmaps/'), same: 2 };
  noteDifference(cms, 'changed', '/registry/configmaps/a/z');
  noteDifference(cms, 'onlyInTarget', '/registry/configmaps/a/b');
  noteDifference(cms, 'onlyInSource', '/registry/configmaps/a/c');
  const events = emptyGroupComparison('/registry/events/');
  noteDifference(events, 'onlyInSource', '/registry/events/a/e1');
  return { sourceRevision: 10, targetRevision: 8, sourceKeys: 9, targetKeys: 9, groups: [cms, events, pods] };
}

describe('summarizeComparison', () => {
  it('puts differing groups first, volatile ones next, equal ones last, with totals over non-volatile groups', () => {
    const s = summarizeComparison(build());
    expect(s.equal).toBe(false);
    expect(s.rows.map((r) => [r.group, r.equal, r.volatile])).toEqual([
      ['/registry/configmaps/', false, false],
      ['/registry/events/', false, true],
      ['/registry/pods/', true, false],
    ]);
    expect(s.rows[0]).toEqual({
      group: '/registry/configmaps/',
      volatile: false,
      equal: false,
      same: 2,
      onlyInSource: 1,
      onlyInTarget: 1,
      changed: 1,
      firstDiffering: '/registry/configmaps/a/b',
    });
    expect(s.rows[2]!.firstDiffering).toBeUndefined();
    expect(s.totals).toEqual({ same: 7, onlyInSource: 1, onlyInTarget: 1, changed: 1 });
    expect([s.sourceRevision, s.targetRevision]).toEqual([10, 8]);
  });

  it('a group is equal only when nothing differs: one key lost and another gained, or changed, is not', () => {
    const swapped = emptyGroupComparison('/registry/pods/');
    noteDifference(swapped, 'onlyInSource', '/registry/pods/a/old');
    noteDifference(swapped, 'onlyInTarget', '/registry/pods/a/new');
    const rewritten = emptyGroupComparison('/registry/secrets/');
    noteDifference(rewritten, 'onlyInSource', '/registry/secrets/a/gone');
    noteDifference(rewritten, 'changed', '/registry/secrets/a/kept');
    const s = summarizeComparison({
      sourceRevision: 1,
      targetRevision: 2,
      sourceKeys: 2,
      targetKeys: 2,
      groups: [swapped, rewritten],
    });
    expect(s.equal).toBe(false);
    expect(s.rows.map((r) => [r.group, r.equal, r.firstDiffering])).toEqual([
      ['/registry/pods/', false, '/registry/pods/a/new'],
      ['/registry/secrets/', false, '/registry/secrets/a/gone'],
    ]);
  });

  it('an equal group names no first differing key', () => {
    const s = summarizeComparison({
      sourceRevision: 1,
      targetRevision: 1,
      sourceKeys: 3,
      targetKeys: 3,
      groups: [{ ...emptyGroupComparison('/registry/pods/'), same: 3 }],
    });
    expect(s.rows).toStrictEqual([
      { group: '/registry/pods/', volatile: false, equal: true, same: 3, onlyInSource: 0, onlyInTarget: 0, changed: 0 },
    ]);
    expect(s.equal).toBe(true);
  });

  it('is equal when only volatile groups differ', () => {
    const c = build();
    c.groups = c.groups.filter((g) => g.group !== '/registry/configmaps/');
    expect(summarizeComparison(c).equal).toBe(true);
    expect(summarizeComparison(c, []).equal).toBe(false);
  });

  it('keeps only the first keys of each kind but counts all', () => {
    const g = emptyGroupComparison('/registry/pods/');
    for (let i = 0; i < 10; i++) noteDifference(g, 'changed', `/registry/pods/a/p${i}`);
    expect(g.changed).toBe(10);
    expect(g.first.changed).toHaveLength(FIRST_KEYS_MAX);
    expect(g.first.changed[0]).toBe('/registry/pods/a/p0');
  });
});

describe('mergeGroupComparison', () => {
  it('adds the counts of a later range of the same group and keeps its first keys in key order', () => {
    const early = { ...emptyGroupComparison('/registry/pods/'), same: 3 };
    const later = { ...emptyGroupComparison('/registry/pods/'), same: 4 };
    for (let i = 0; i < FIRST_KEYS_MAX - 1; i++) noteDifference(early, 'changed', `/registry/pods/a/${i}`);
    noteDifference(later, 'changed', '/registry/pods/b/0');
    noteDifference(later, 'changed', '/registry/pods/b/1');
    noteDifference(later, 'onlyInTarget', '/registry/pods/b/2');
    mergeGroupComparison(early, later);
    expect(early.same).toBe(7);
    expect(early.changed).toBe(FIRST_KEYS_MAX + 1);
    expect(early.onlyInTarget).toBe(1);
    expect(early.first.changed).toEqual([
      ...Array.from({ length: FIRST_KEYS_MAX - 1 }, (_, i) => `/registry/pods/a/${i}`),
      '/registry/pods/b/0',
    ]);
    expect(early.first.onlyInTarget).toEqual(['/registry/pods/b/2']);
  });
});

describe('sourceCensus', () => {
  it("counts the source's keys per group (same, changed, only in it) at its revision; groups only in the target are left out", () => {
    const c = build();
    c.groups.push({ ...emptyGroupComparison('/registry/leases/'), onlyInTarget: 4 });
    const at = { store: 'embedded' as const, path: 'port-forward' as const, takenAt: '2026-12-07T00:00:00.000Z' };
    expect(sourceCensus(c, at)).toEqual({
      revision: 10,
      total: 10,
      groups: { '/registry/configmaps/': 4, '/registry/events/': 1, '/registry/pods/': 5 },
      ...at,
    });
  });
});
