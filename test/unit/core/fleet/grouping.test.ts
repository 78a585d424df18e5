import { describe, expect, it } from 'vitest';
import { countStates } from '../../../../src/core/fleet/classification.ts';
import { groupFleet, recordFacts } from '../../../../src/core/fleet/grouping.ts';
import { emptyState } from '../../../../src/core/migration/state.ts';
import { classify, deployed, find, helm, record, workload } from './fixtures.ts';

describe('grouping the fleet', () => {
  it('finds each release once and says where it stands, with the reason in words', () => {
    const es = classify({
      workloads: [
        ...deployed('team-a', 'a1'),
        ...deployed('team-a', 'a2'),
        // phase one verified: StatefulSet control plane, etcd still there
        workload('StatefulSet', 'team-b', 'b1'),
        workload('StatefulSet', 'team-b', 'b1-etcd', { app: 'vcluster-etcd', release: 'b1' }),
        // done: StatefulSet, etcd gone
        workload('StatefulSet', 'team-c', 'c1'),
        // never had a deployed etcd
        workload('StatefulSet', 'team-d', 'd1'),
      ],
      records: [record('team-b', 'b1', 'verified'), record('team-c', 'c1', 'verified', 'verified')],
    });
    expect(es).toHaveLength(5);
    expect(find(es, 'a1')).toMatchObject({ state: 'deployed', chart: '0.27.0', target: '0.27.0', attention: false });
    expect(find(es, 'a1').reason).toContain('runs on deployed etcd');
    expect(find(es, 'b1')).toMatchObject({ state: 'verified', attention: true, keysBefore: 12000, keysAfter: 12000 });
    expect(find(es, 'b1').next).toMatch(/approve/);
    expect(find(es, 'c1')).toMatchObject({ state: 'embedded', keysAfter: 12001 });
    expect(find(es, 'c1').next).toContain('data-c1-etcd-0');
    expect(find(es, 'd1').state).toBe('not-eligible');
    expect(find(es, 'd1').reason).toContain('no deployed etcd');
    expect(countStates(es)).toEqual({ deployed: 2, migrating: 0, verified: 1, embedded: 1, 'not-eligible': 1 });
  });

  it('phase-one values applied without a record are migrating (migrate resumes), not a candidate', () => {
    const es = classify({
      workloads: [
        workload('StatefulSet', 'ns', 'x'),
        workload('StatefulSet', 'ns', 'x-etcd', { app: 'vcluster-etcd', release: 'x' }),
        workload('Deployment', 'ns', 'x'),
      ],
    });
    expect(es).toHaveLength(1);
    expect(es[0]).toMatchObject({ state: 'migrating', attention: true });
  });

  it('an unreadable state record is reported, not guessed around', () => {
    const es = classify({
      workloads: deployed('ns', 'r'),
      records: [{ namespace: 'ns', name: 'r-etcd-migration', release: 'r', text: '{not json' }],
    });
    expect(es[0]).toMatchObject({ state: 'not-eligible', attention: true });
    expect(es[0]!.reason).toContain('not JSON');
    expect(recordFacts(JSON.stringify(emptyState('other', 'ns')), 'ns', 'r').error).toContain(
      'does not hold a state record of release r',
    );
  });

  it('takes the StatefulSet over the Deployment of a release, the latest Helm revision and the store of its vc-config', () => {
    const [facts, ...rest] = groupFleet({
      controlPlanes: [workload('Deployment', 'ns', 'r'), workload('StatefulSet', 'ns', 'r')],
      etcds: [workload('StatefulSet', 'ns', 'r-etcd', { app: 'vcluster-etcd', release: 'r' })],
      records: [],
      helmSecrets: [
        helm('ns', 'r', 2, 'deployed'),
        helm('ns', 'r', 1, 'superseded'),
        helm('ns', 'other', 1, 'deployed'),
      ],
      configSecrets: [
        {
          namespace: 'ns',
          name: 'vc-config-r',
          labels: { app: 'vcluster', release: 'r' },
          annotations: { 'vcluster.loft.sh/store': 'deployed-etcd' },
        },
      ],
    });
    expect(rest).toEqual([]);
    expect(facts).toMatchObject({
      namespace: 'ns',
      release: 'r',
      helm: { status: 'deployed', revision: 2 },
      store: 'deployed-etcd',
    });
    expect(facts!.controlPlane!.kind).toBe('StatefulSet');
    expect(facts!.etcd!.name).toBe('r-etcd');
    // Not listed: unknown (undefined), never "none found" (null).
    const unread = groupFleet({ controlPlanes: [workload('Deployment', 'ns', 'r')], etcds: [], records: [] });
    expect(unread[0]).toMatchObject({ helm: undefined, store: undefined });
  });
});
