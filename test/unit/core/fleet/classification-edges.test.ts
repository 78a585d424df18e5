// Classification at its edges: chart labels that only look like the vCluster chart, the summary's
// order within one attention level, lists of PVCs and of GitOps steps joined for reading, a record
// that holds no phase yet, and a store annotation that agrees with a missing etcd.
import { describe, expect, it } from 'vitest';
import {
  chartVersionOfLabel,
  classify,
  sortFleet,
  type FleetEntry,
} from '../../../../src/core/fleet/classification.ts';
import type { ReleaseFacts } from '../../../../src/core/fleet/grouping.ts';
import type { GitOpsMark } from '../../../../src/core/migration/gitops.ts';
import { KEEP, v, workload } from './fixtures.ts';

const facts = (over: Partial<ReleaseFacts> = {}): ReleaseFacts => ({
  namespace: 'ns',
  release: 'vc',
  controlPlane: workload('Deployment', 'ns', 'vc'),
  etcd: workload('StatefulSet', 'ns', 'vc-etcd', { app: 'vcluster-etcd', release: 'vc' }),
  marks: [],
  ...over,
});
const mark = (controller: GitOpsMark['controller'], todo: string): GitOpsMark => ({
  controller,
  owner: `${controller} owner`,
  evidence: 'a label',
  todo,
});
const TWO_MARKS = [mark('Argo CD', 'disable auto-sync'), mark('Flux', 'suspend the HelmRelease')];

describe('the chart version from the chart label', () => {
  it('only a label that is the vCluster chart from start to end, with versions of any length', () => {
    expect(chartVersionOfLabel('not-vcluster-0.27.0')).toBeUndefined();
    expect(chartVersionOfLabel('vcluster-0.27.0_patched')).toBeUndefined();
    expect(chartVersionOfLabel('vcluster-10.0.0')).toBe('10.0.0');
    expect(chartVersionOfLabel('vcluster-0.27.10')).toBe('0.27.10');
  });
});

describe('the order of the summary', () => {
  it('within one attention level: not eligible, migrating, verified, deployed, embedded', () => {
    const e = (release: string, state: FleetEntry['state']): FleetEntry => ({
      namespace: 'ns',
      release,
      state,
      reason: '',
      next: '',
      attention: false,
    });
    const sorted = sortFleet([
      e('a', 'embedded'),
      e('b', 'deployed'),
      e('c', 'verified'),
      e('d', 'migrating'),
      e('e', 'not-eligible'),
    ]);
    expect(sorted.map((x) => x.state)).toEqual(['not-eligible', 'migrating', 'verified', 'deployed', 'embedded']);
  });
});

describe('lists joined for reading', () => {
  it('the PVCs phase two left, comma-separated', () => {
    const f = facts({
      etcd: undefined,
      controlPlane: workload('StatefulSet', 'ns', 'vc'),
      record: {
        p1: { status: 'verified' },
        p2: { status: 'verified' },
        leftoverPvcs: ['data-vc-etcd-0', 'data-vc-etcd-1'],
      },
    });
    expect(classify(f, KEEP).next).toBe(
      "nothing; the deployed etcd's PVCs (data-vc-etcd-0, data-vc-etcd-1) stay until you delete them",
    );
  });

  it('the stale PVCs an abort left, comma-separated', () => {
    const f = facts({
      record: { abort: { status: 'aborted', leftoverPvcs: ['data-vc-0', 'data-vc-1'] } },
    });
    expect(classify(f, KEEP).next).toBe(
      'migrate to chart 0.27.0 once PVC data-vc-0, data-vc-1 (the old embedded etcd) is deleted, or with delete-stale-embedded-pvc: true',
    );
  });

  it('the steps for each GitOps controller, semicolon-separated, before a migration and in the middle of one', () => {
    expect(classify(facts({ marks: TWO_MARKS }), KEEP).next).toBe('disable auto-sync; suspend the HelmRelease');
    const midway = facts({ marks: TWO_MARKS, record: { p1: { status: 'started' } } });
    expect(classify(midway, KEEP)).toMatchObject({
      state: 'not-eligible',
      next: 'disable auto-sync; suspend the HelmRelease',
    });
  });
});

describe('edges', () => {
  it('a record that holds no phase yet: the release is judged as the deployed release it is', () => {
    const e = classify(facts({ record: {} }), KEEP);
    expect(e).toMatchObject({ state: 'deployed', attention: false, target: '0.27.0' });
    expect(e.gitops).toBeUndefined();
  });

  it('an unknown chart with a chart-version given: only the unknown chart is named', () => {
    const noChart = workload('Deployment', 'ns', 'vc', { chart: 'other-1.0.0' });
    const etcd = workload('StatefulSet', 'ns', 'vc-etcd', {
      app: 'vcluster-etcd',
      release: 'vc',
      chart: 'other-1.0.0',
    });
    const e = classify(facts({ controlPlane: noChart, etcd }), { chartVersion: v('0.28.0'), gitopsPaused: false });
    expect(e).toMatchObject({ state: 'not-eligible', target: '0.28.0' });
    expect(e.reason).toBe('the chart version is not known (label chart of Deployment vc is "other-1.0.0")');
  });

  it('a store annotation of deployed-etcd with no etcd StatefulSet: no deployed etcd, nothing to do', () => {
    const e = classify(facts({ etcd: undefined, store: 'deployed-etcd' }), KEEP);
    expect(e).toMatchObject({
      state: 'not-eligible',
      attention: false,
      next: 'nothing: only a deployed etcd is migrated',
    });
    expect(e.reason).toBe(
      'no deployed etcd (no StatefulSet labelled app=vcluster-etcd,release=vc): the store is embedded etcd, the embedded database or an external one',
    );
  });

  it('another store: not eligible, nothing for a person to do', () => {
    const e = classify(facts({ etcd: undefined, store: 'external-database' }), KEEP);
    expect(e).toMatchObject({
      state: 'not-eligible',
      attention: false,
      next: 'nothing: only a deployed etcd is migrated',
    });
  });
});
