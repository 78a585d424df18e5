// The abort's keyspace comparison lists differing groups first, then volatile ones, then equal ones,
// by group name within each: the rows a person reads first are the ones that matter.
import { describe, expect, it } from 'vitest';
import {
  emptyGroupComparison,
  noteDifference,
  summarizeComparison,
} from '../../../../src/core/migration/keyspace-comparison.ts';

describe('summarizeComparison order', () => {
  it('differing by name, then volatile, then equal by name, whatever order the groups came in', () => {
    const differing = (group: string) => {
      const g = emptyGroupComparison(group);
      noteDifference(g, 'changed', `${group}x`);
      return g;
    };
    const events = emptyGroupComparison('/registry/events/');
    noteDifference(events, 'onlyInTarget', '/registry/events/e');
    const s = summarizeComparison({
      sourceRevision: 1,
      targetRevision: 2,
      sourceKeys: 0,
      targetKeys: 0,
      groups: [
        emptyGroupComparison('/registry/secrets/'),
        differing('/registry/pods/'),
        emptyGroupComparison('/registry/configmaps/'),
        events,
        differing('/registry/deployments/'),
        differing('/registry/pods/'),
      ],
    });
    expect(s.rows.map((r) => r.group)).toEqual([
      '/registry/deployments/',
      '/registry/pods/',
      '/registry/pods/',
      '/registry/events/',
      '/registry/configmaps/',
      '/registry/secrets/',
    ]);
  });
});
