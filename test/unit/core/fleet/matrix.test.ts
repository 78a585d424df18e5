import { describe, expect, it } from 'vitest';
import { fleetMatrix } from '../../../../src/core/fleet/matrix.ts';
import { classify, deployed, record, v, workload } from './fixtures.ts';

describe('the matrix', () => {
  const many = Array.from({ length: 300 }, (_, i) =>
    deployed(`ns-${String(i % 7)}`, `vc-${String(i).padStart(3, '0')}`),
  ).flat();

  it('pages at max-releases, never over 256, says how many are left, and has each release once', () => {
    const es = classify({ workloads: many });
    const m = fleetMatrix(es, 'migrate', 256);
    expect(m.matrix.include).toHaveLength(256);
    expect(m.left).toBe(44);
    const keys = m.matrix.include.map((x) => `${x.namespace}/${x.release}`);
    expect(new Set(keys).size).toBe(256);
    expect(fleetMatrix(es, 'migrate', 1000).matrix.include).toHaveLength(256);
    const small = fleetMatrix(es, 'migrate', 10);
    expect(small).toMatchObject({ left: 290 });
    expect(small.matrix.include[0]).toEqual({ release: 'vc-000', namespace: 'ns-0', 'chart-version': '0.27.0' });
  });

  it('migrate takes migrating releases first, then deployed ones; finalize takes verified ones only', () => {
    const es = classify({
      workloads: [
        ...deployed('a', 'd'),
        ...deployed('b', 'm'),
        workload('StatefulSet', 'c', 'v'),
        workload('StatefulSet', 'c', 'v-etcd', { app: 'vcluster-etcd', release: 'v' }),
        workload('StatefulSet', 'c', 'e'),
      ],
      records: [record('b', 'm', 'upgraded'), record('c', 'v', 'verified'), record('c', 'e', 'verified', 'verified')],
    });
    expect(fleetMatrix(es, 'migrate', 256).matrix.include.map((x) => x.release)).toEqual(['m', 'd']);
    expect(fleetMatrix(es, 'finalize', 256).matrix.include).toEqual([
      { release: 'v', namespace: 'c', 'chart-version': '0.27.0' },
    ]);
  });

  it('a release in a migration keeps the chart version phase one used, whatever chart-version says', () => {
    const es = classify(
      {
        workloads: [
          workload('StatefulSet', 'c', 'v', { chart: 'vcluster-0.27.0' }),
          workload('StatefulSet', 'c', 'v-etcd', { app: 'vcluster-etcd', release: 'v' }),
        ],
        records: [record('c', 'v', 'verified')],
      },
      { chartVersion: v('0.28.0'), gitopsPaused: false },
    );
    expect(fleetMatrix(es, 'finalize', 256).matrix.include[0]!['chart-version']).toBe('0.27.0');
  });
});
