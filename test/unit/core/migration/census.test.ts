// How the census counts keys per group and compares two counts (volatile groups apart).
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_VOLATILE_PREFIXES,
  diffCensus,
  lostGroupsText,
  groupOf,
  isPrefixGroup,
} from '../../../../src/core/migration/census.ts';

describe('groupOf', () => {
  it.each([
    ['/registry/pods/default/nginx', '/registry/pods/'],
    ['/registry/namespaces/default', '/registry/namespaces/'],
    ['/registry/services/specs/default/kubernetes', '/registry/services/specs/'],
    ['/registry/services/endpoints/default/kubernetes', '/registry/services/endpoints/'],
    ['/registry/ranges/serviceips', '/registry/ranges/serviceips'],
    ['/registry/ranges/servicenodeports', '/registry/ranges/servicenodeports'],
    ['/registry/apiregistration.k8s.io/apiservices/v1.apps', '/registry/apiregistration.k8s.io/apiservices/'],
    ['/registry/cert-manager.io/certificates/ns/c1', '/registry/cert-manager.io/certificates/'],
    [
      '/registry/apiextensions.k8s.io/customresourcedefinitions/a.b.c',
      '/registry/apiextensions.k8s.io/customresourcedefinitions/',
    ],
    ['/registry/masterleases/10.0.0.1', '/registry/masterleases/'],
    ['/registry/health', '/registry/health'],
    ['/vcluster/mappings/pods/ns/name', '/vcluster/mappings/'],
    ['/vcluster/other', '/vcluster/other'],
    ['compact_rev_key', 'compact_rev_key'],
  ])('%s → %s', (key, group) => {
    expect(groupOf(key)).toBe(group);
  });

  it('every key starting with a prefix group belongs to that group (the census reader relies on it)', () => {
    const keys = [
      '/registry/pods/a/b',
      '/registry/pods/x',
      '/registry/services/specs/a/b',
      '/registry/services/endpoints/a',
      '/registry/a.b/r/x/y',
      '/registry/a.b/r2/x',
      '/vcluster/mappings/x/y',
      '/vcluster/mappings/z',
      '/vcluster/m2/q',
      '/registry/ranges/serviceips',
      '/registry/services',
      '/other/tree/k',
    ];
    for (const k of keys) {
      const g = groupOf(k);
      expect(k.startsWith(g)).toBe(true);
      if (!isPrefixGroup(g)) expect(g).toBe(k);
      for (const other of keys) if (isPrefixGroup(g) && other.startsWith(g)) expect(groupOf(other)).toBe(g);
    }
  });
});

describe('diffCensus', () => {
  const before = {
    groups: {
      '/registry/pods/': 10,
      '/registry/configmaps/': 5,
      '/registry/events/': 40,
      '/registry/leases/': 3,
      compact_rev_key: 1,
      '/registry/secrets/': 2,
    },
  };

  it('passes when every non-volatile group kept its keys, whatever the volatile groups did', () => {
    const after = {
      groups: { '/registry/pods/': 10, '/registry/configmaps/': 6, '/registry/events/': 2, '/registry/secrets/': 2 },
    };
    const d = diffCensus(before, after);
    expect(d.ok).toBe(true);
    expect(d.lost).toEqual([]);
    const ev = d.rows.find((r) => r.group === '/registry/events/')!;
    expect(ev).toMatchObject({ before: 40, after: 2, delta: -38, volatile: true, verdict: 'volatile' });
    expect(d.rows.find((r) => r.group === 'compact_rev_key')).toMatchObject({ after: 0, verdict: 'volatile' });
  });

  it('catches one missing key and puts the loss first', () => {
    const after = { groups: { ...before.groups, '/registry/secrets/': 1, '/registry/newthings/': 4 } };
    const d = diffCensus(before, after);
    expect(d.ok).toBe(false);
    expect(d.lost.map((r) => r.group)).toEqual(['/registry/secrets/']);
    expect(d.rows[0]).toMatchObject({ group: '/registry/secrets/', before: 2, after: 1, delta: -1, verdict: 'lost' });
    expect(d.rows.find((r) => r.group === '/registry/newthings/')).toMatchObject({
      before: 0,
      after: 4,
      verdict: 'new',
    });
    // Changed rows come before unchanged ones.
    const firstUnchanged = d.rows.findIndex((r) => r.delta === 0);
    expect(d.rows.slice(firstUnchanged).every((r) => r.delta === 0)).toBe(true);
  });

  it('a group that vanished entirely is lost', () => {
    const after = { groups: { '/registry/pods/': 10 } };
    const d = diffCensus({ groups: { '/registry/pods/': 10, '/registry/crontabs.example.com/crontabs/': 3 } }, after);
    expect(d.lost).toHaveLength(1);
    expect(d.lost[0]).toMatchObject({ group: '/registry/crontabs.example.com/crontabs/', after: 0, delta: -3 });
  });

  it('orders several losses by size of the loss', () => {
    const d = diffCensus(
      { groups: { '/a/x/': 5, '/b/x/': 50, '/c/x/': 7 } },
      { groups: { '/a/x/': 4, '/b/x/': 10, '/c/x/': 7 } },
    );
    expect(d.rows.map((r) => r.group)).toEqual(['/b/x/', '/a/x/', '/c/x/']);
  });

  it('extra volatile prefixes make a group not fail', () => {
    const prefixes = [...DEFAULT_VOLATILE_PREFIXES, '/registry/secrets/'];
    const d = diffCensus(before, { groups: { ...before.groups, '/registry/secrets/': 0 } }, prefixes);
    expect(d.ok).toBe(true);
    expect(d.rows.find((r) => r.group === '/registry/secrets/')!.verdict).toBe('volatile');
  });
});

describe('lostGroupsText', () => {
  it('names each group that lost keys with its counts, largest loss first', () => {
    const diff = diffCensus(
      { groups: { '/registry/pods/': 10, '/registry/secrets/': 4, '/registry/leases/': 3 } },
      { groups: { '/registry/pods/': 9, '/registry/secrets/': 1, '/registry/leases/': 0 } },
    );
    expect(lostGroupsText(diff)).toBe('/registry/secrets/ (4 → 1), /registry/pods/ (10 → 9)');
  });

  it('is empty when no group lost keys', () => {
    expect(lostGroupsText(diffCensus({ groups: { '/registry/pods': 1 } }, { groups: { '/registry/pods': 2 } }))).toBe(
      '',
    );
  });
});
