// The preflight a person reads before anything changes: each check's name, state and reason, the
// refusals word for word (what is wrong and what to do), and the checks skipped when their input
// could not be read.
import { describe, expect, it } from 'vitest';
import { failedChecks, preflight, type PreflightInput } from '../../../../src/core/migration/preflight.ts';
import type { ClusterView } from '../../../../src/core/migration/cluster-view.ts';
import type { PhaseValues } from '../../../../src/core/migration/values.ts';
import { parseChartVersion } from '../../../../src/core/inputs/version.ts';

const view = (over: Partial<ClusterView> = {}): ClusterView => ({
  release: { status: 'deployed', chartVersion: '0.27.0', revision: 4 },
  store: 'deployed',
  deployedEtcd: { replicas: 1, readyReplicas: 1 },
  etcdServices: [],
  controlPlane: 'StatefulSet',
  etcdPods: [],
  etcdPvcs: [],
  storageClasses: [
    { name: 'standard', isDefault: true },
    { name: 'fast', isDefault: false },
  ],
  ...over,
});

const values = (storage: Partial<PhaseValues['storage']> = {}): PhaseValues => ({
  phase1: {},
  phase2: {},
  storage: { size: '5Gi', sizeFrom: 'the deployed etcd PVC', classFrom: 'the deployed etcd PVC', ...storage },
});

const input = (over: Partial<PreflightInput> = {}): PreflightInput => ({
  phase: 'migrate',
  release: 'vc',
  namespace: 'team-a',
  chartVersion: parseChartVersion('0.28.0')!,
  view: view(),
  helmVersion: 'v3.18.6',
  missingAccess: [],
  values: values(),
  ...over,
});

const byName = (i: PreflightInput) => Object.fromEntries(preflight(i).map((c) => [c.name, [c.state, c.reason]]));

describe('preflight', () => {
  it('a release ready to migrate: every check passed, each saying what it saw', () => {
    expect(preflight(input())).toEqual([
      { name: 'helm version', state: 'passed', reason: 'helm v3.18.6' },
      { name: 'permissions', state: 'passed', reason: 'every verb the migrate phase needs is allowed' },
      {
        name: 'release',
        state: 'passed',
        reason: 'vc (chart 0.27.0, revision 4, deployed) runs on deployed etcd',
      },
      { name: 'deployed etcd', state: 'passed', reason: 'StatefulSet vc-etcd 1/1 ready' },
      {
        name: 'values',
        state: 'passed',
        reason: 'valid for chart 0.28.0; embedded etcd volume 5Gi (from the deployed etcd PVC)',
      },
      {
        name: 'persistence',
        state: 'passed',
        reason: 'the control plane keeps /data on a PersistentVolumeClaim (no emptyDir)',
      },
      { name: 'storage class', state: 'passed', reason: "the cluster's default StorageClass standard will be used" },
      {
        name: 'etcd 3.5 to 3.6 line',
        state: 'passed',
        reason: 'chart 0.27.0 to 0.28.0 does not cross the 0.28 to 0.29 line',
      },
    ]);
    expect(failedChecks(preflight(input()))).toEqual([]);
  });

  it('helm older than 3.10, or not found: refused with what to install', () => {
    expect(byName(input({ helmVersion: 'v3.9.0' }))['helm version']).toEqual([
      'failed',
      'helm v3.9.0 is older than 3.10; install helm 3.10 or later (azure/setup-helm)',
    ]);
    expect(byName(input({ helmVersion: '' }))['helm version']).toEqual([
      'failed',
      'helm (unknown) is older than 3.10; install helm 3.10 or later (azure/setup-helm)',
    ]);
  });

  it('missing permissions: each named, with the namespace and where the grants are', () => {
    expect(byName(input({ missingAccess: ['get pods', 'patch statefulsets.apps'] })).permissions).toEqual([
      'failed',
      'the credentials may not get pods, patch statefulsets.apps in namespace team-a; grant them (examples/rbac.yaml lists all)',
    ]);
  });

  it('an optional read the credentials may not make is said, not failed', () => {
    const note =
      "; get helmreleases.helm.toolkit.fluxcd.io in flux-system (optional: without it the GitOps controller's pause is not verified; examples/rbac-gitops.yaml grants that read)";
    expect(
      byName(input({ phase: 'plan', unverifiable: ['get helmreleases.helm.toolkit.fluxcd.io in flux-system'] }))
        .permissions,
    ).toEqual(['passed', `every verb the plan phase needs is allowed${note}`]);
    expect(
      byName(
        input({
          missingAccess: ['get pods'],
          unverifiable: ['get helmreleases.helm.toolkit.fluxcd.io in flux-system'],
        }),
      ).permissions,
    ).toEqual([
      'failed',
      `the credentials may not get pods in namespace team-a; grant them (examples/rbac.yaml lists all)${note}`,
    ]);
    expect(byName(input({ unverifiable: [] })).permissions?.[1]).toBe('every verb the migrate phase needs is allowed');
  });

  it('no release: refused, and the checks that need its chart version skipped', () => {
    const c = byName(input({ view: view({ release: undefined }) }));
    expect(c.release).toEqual(['failed', 'no Helm release vc in namespace team-a']);
    expect(c['etcd 3.5 to 3.6 line']).toEqual(['skipped', 'the release chart version is not known']);
  });

  it('a release already on embedded etcd passes as phase one applied or migrated', () => {
    expect(byName(input({ view: view({ store: 'migrating' }) })).release).toEqual([
      'passed',
      'vc already has embedded etcd enabled (phase one applied)',
    ]);
    const embedded = byName(input({ view: view({ store: 'embedded', deployedEtcd: undefined }) }));
    expect(embedded.release).toEqual(['passed', 'vc already has embedded etcd enabled (migrated)']);
    expect(embedded['deployed etcd']).toEqual(['skipped', 'the release does not run on deployed etcd']);
  });

  it('a release on another store: refused with the value that decides it', () => {
    for (const store of ['other', 'unknown'] as const) {
      const c = byName(input({ view: view({ store }) }));
      expect(c.release).toEqual([
        'failed',
        'vc does not run on deployed etcd (controlPlane.backingStore.etcd.deploy.enabled is not true)',
      ]);
      expect(c['deployed etcd']).toEqual(['skipped', 'the release does not run on deployed etcd']);
    }
  });

  it('the deployed etcd missing or not all ready: refused, wait until it is', () => {
    expect(byName(input({ view: view({ deployedEtcd: undefined }) }))['deployed etcd']).toEqual([
      'failed',
      'StatefulSet vc-etcd does not exist',
    ]);
    expect(byName(input({ view: view({ deployedEtcd: { replicas: 3, readyReplicas: 2 } }) }))['deployed etcd']).toEqual(
      ['failed', 'StatefulSet vc-etcd has 2/3 ready replicas; wait until all are ready'],
    );
    expect(byName(input({ view: view({ deployedEtcd: { replicas: 0, readyReplicas: 0 } }) }))['deployed etcd']).toEqual(
      ['failed', 'StatefulSet vc-etcd has 0/0 ready replicas; wait until all are ready'],
    );
    // During phase one the deployed etcd still serves the copy: it must still be ready.
    expect(
      byName(input({ view: view({ store: 'migrating', deployedEtcd: { replicas: 3, readyReplicas: 3 } }) }))[
        'deployed etcd'
      ],
    ).toEqual(['passed', 'StatefulSet vc-etcd 3/3 ready']);
  });

  it('values that could not be computed: refused with the reason, persistence and storage class skipped', () => {
    const c = byName(
      input({ values: new Error("input 'values' sets controlPlane.backingStore, which the migration owns") }),
    );
    expect(c.values).toEqual(['failed', "input 'values' sets controlPlane.backingStore, which the migration owns"]);
    expect(c.persistence).toEqual(['skipped', 'values could not be computed']);
    expect(c['storage class']).toEqual(['skipped', 'values could not be computed']);
  });

  it('values the target chart rejects: each problem, joined', () => {
    const embedded = {
      controlPlane: { backingStore: { etcd: { embedded: { snapshotCount: 1, extraArgs: ['--x'] } } } },
    };
    const c = byName(
      input({ chartVersion: parseChartVersion('0.24.2')!, values: { ...values(), phase1: embedded, phase2: {} } }),
    );
    expect(c.values).toEqual([
      'failed',
      'controlPlane.backingStore.etcd.embedded.snapshotCount exists from chart 0.25.0; chart 0.24.2 rejects it; controlPlane.backingStore.etcd.embedded.extraArgs exists from chart 0.26.0; chart 0.24.2 rejects it',
    ]);
    const two = byName(
      input({ chartVersion: parseChartVersion('0.25.0')!, values: { ...values(), phase2: embedded } }),
    );
    expect(two.values).toEqual([
      'failed',
      'controlPlane.backingStore.etcd.embedded.extraArgs exists from chart 0.26.0; chart 0.25.0 rejects it',
    ]);
  });

  it('a named StorageClass must exist; without one the cluster needs a default', () => {
    expect(
      byName(input({ values: values({ storageClass: 'fast', classFrom: 'input storage-class' }) }))['storage class'],
    ).toEqual(['passed', 'StorageClass fast exists (input storage-class)']);
    expect(
      byName(input({ values: values({ storageClass: 'gold', classFrom: 'input storage-class' }) }))['storage class'],
    ).toEqual([
      'failed',
      'StorageClass gold (input storage-class) does not exist; name an existing one in storage-class',
    ]);
    expect(
      byName(input({ view: view({ storageClasses: [{ name: 'fast', isDefault: false }] }) }))['storage class'],
    ).toEqual(['failed', 'no storage-class given and the cluster has no default StorageClass; set storage-class']);
  });

  it('a chart-version across the etcd 3.5 to 3.6 line: refused with the stop to make first', () => {
    expect(byName(input({ chartVersion: parseChartVersion('0.29.0')! }))['etcd 3.5 to 3.6 line']).toEqual([
      'failed',
      'the release runs chart 0.27.0 (etcd 3.5) and chart-version 0.29.0 ships etcd 3.6; vCluster requires a stop on a 0.24.2-0.28.x chart. Migrate with chart-version 0.28.x first, then upgrade',
    ]);
    expect(failedChecks(preflight(input({ chartVersion: parseChartVersion('0.29.0')! }))).map((c) => c.name)).toEqual([
      'etcd 3.5 to 3.6 line',
    ]);
  });
});
