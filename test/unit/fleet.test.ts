import { describe, expect, it } from 'vitest';
import {
  chartVersionOfLabel,
  classifyFleet,
  countStates,
  fleetMatrix,
  groupFleet,
  recordFacts,
  type FleetEntry,
  type FleetObjects,
  type FleetOptions,
  type ObjMeta,
  type WorkloadObj,
} from '../../src/core/fleet/fleet.ts';
import { parseChartVersion } from '../../src/core/inputs/version.ts';
import { renderFleetSummary } from '../../src/report/fleet-summary.ts';
import { emptyState } from '../../src/core/migration/state.ts';
import type { Census } from '../../src/core/migration/census.ts';

const v = (t: string) => parseChartVersion(t)!;
const KEEP: FleetOptions = { chartVersion: 'keep', gitopsPaused: false };

function workload(
  kind: WorkloadObj['kind'],
  namespace: string,
  name: string,
  o: {
    app?: string;
    release?: string;
    chart?: string;
    replicas?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  } = {},
): WorkloadObj {
  return {
    kind,
    namespace,
    name,
    replicas: o.replicas ?? 1,
    labels: { app: o.app ?? 'vcluster', release: o.release ?? name, chart: o.chart ?? 'vcluster-0.27.0', ...o.labels },
    annotations: o.annotations ?? {},
  };
}

/** A release on deployed etcd: control-plane Deployment and etcd StatefulSet, as the chart labels them. */
function deployed(
  namespace: string,
  release: string,
  o: { chart?: string; replicas?: number; labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): WorkloadObj[] {
  return [
    workload('Deployment', namespace, release, {
      chart: `vcluster-${o.chart ?? '0.27.0'}`,
      replicas: o.replicas,
      labels: o.labels,
      annotations: o.annotations,
    }),
    workload('StatefulSet', namespace, `${release}-etcd`, {
      app: 'vcluster-etcd',
      release,
      chart: `vcluster-${o.chart ?? '0.27.0'}`,
    }),
  ];
}

const census = (total: number): Census => ({
  revision: 1,
  total,
  groups: {},
  store: 'deployed',
  path: 'exec',
  takenAt: '2026-01-01T00:00:00Z',
});

function record(
  namespace: string,
  release: string,
  p1?: string,
  p2?: string,
): { namespace: string; name: string; release: string; text: string } {
  const s = emptyState(release, namespace);
  if (p1)
    s.phase1 = {
      status: p1 as 'verified',
      startedAt: 'x',
      chartVersion: '0.27.0',
      valuesDigest: 'd',
      verifiedAt: p1 === 'verified' ? '2026-01-01T00:00:00Z' : undefined,
      before: census(12000),
      after: census(12000),
    };
  if (p2)
    s.phase2 = {
      status: p2 as 'verified',
      startedAt: 'y',
      valuesDigest: 'e',
      census: census(12001),
      leftoverPvcs: [`data-${release}-etcd-0`],
    };
  return { namespace, name: `${release}-etcd-migration`, release, text: JSON.stringify(s) };
}

function helm(namespace: string, name: string, version: number, status: string): ObjMeta {
  return {
    namespace,
    name: `sh.helm.release.v1.${name}.v${version}`,
    labels: { owner: 'helm', name, version: String(version), status },
    annotations: {},
  };
}

function split(ws: WorkloadObj[]): Pick<FleetObjects, 'controlPlanes' | 'etcds'> {
  return {
    controlPlanes: ws.filter((w) => w.labels.app === 'vcluster'),
    etcds: ws.filter((w) => w.labels.app === 'vcluster-etcd'),
  };
}

function classify(o: Partial<FleetObjects> & { workloads?: WorkloadObj[] }, opts: FleetOptions = KEEP): FleetEntry[] {
  const { workloads = [], ...rest } = o;
  return classifyFleet(groupFleet({ records: [], ...split(workloads), ...rest }), opts);
}

const find = (es: FleetEntry[], release: string) => es.find((e) => e.release === release)!;

describe('classifying the fleet', () => {
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

  it('puts the releases that need a person first', () => {
    const es = classify({
      workloads: [
        ...deployed('ns', 'ok'),
        ...deployed('ns', 'zero', { replicas: 0 }),
        workload('StatefulSet', 'ns', 'done'),
      ],
      records: [record('ns', 'done', 'verified', 'verified')],
    });
    expect(es.map((e) => e.release)).toEqual(['zero', 'ok', 'done']);
  });

  it('a phase one that failed is migrating and needs a person; one in progress does not', () => {
    const failed = record('ns', 'f', 'failed');
    const doc = JSON.parse(failed.text);
    doc.phase1.failure = 'log gate: timeout';
    failed.text = JSON.stringify(doc);
    const es = classify({
      workloads: [...deployed('ns', 'f'), ...deployed('ns', 'u')],
      records: [failed, record('ns', 'u', 'upgraded')],
    });
    expect(find(es, 'f')).toMatchObject({ state: 'migrating', attention: true });
    expect(find(es, 'f').reason).toContain('log gate: timeout');
    expect(find(es, 'u')).toMatchObject({ state: 'migrating', attention: false });
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

  it('says why a release is not eligible: old chart, scaled to zero, Helm status, other store', () => {
    const es = classify({
      workloads: [
        ...deployed('ns', 'old', { chart: '0.24.1' }),
        ...deployed('ns', 'zero', { replicas: 0 }),
        ...deployed('ns', 'pending'),
        ...deployed('ns', 'nohelm'),
        ...deployed('ns', 'fine'),
        workload('StatefulSet', 'ns', 'sqlite'),
      ],
      helmSecrets: [
        helm('ns', 'old', 1, 'deployed'),
        helm('ns', 'zero', 1, 'deployed'),
        helm('ns', 'pending', 1, 'superseded'),
        helm('ns', 'pending', 2, 'pending-upgrade'),
        helm('ns', 'fine', 3, 'deployed'),
        helm('ns', 'fine', 2, 'superseded'),
        helm('ns', 'sqlite', 1, 'deployed'),
      ],
      configSecrets: [
        {
          namespace: 'ns',
          name: 'vc-config-sqlite',
          labels: { app: 'vcluster', release: 'sqlite' },
          annotations: { 'vcluster.loft.sh/store': 'embedded-database' },
        },
      ],
    });
    expect(find(es, 'old').reason).toContain('0.24.1 is older than 0.24.2');
    expect(find(es, 'zero').reason).toMatch(/scaled to zero .*Deployment zero/);
    expect(find(es, 'pending').reason).toContain('pending-upgrade (revision 2)');
    expect(find(es, 'nohelm').reason).toContain('no Helm release nohelm');
    expect(find(es, 'sqlite').reason).toContain('embedded-database');
    expect(find(es, 'fine')).toMatchObject({ state: 'deployed' });
    expect(find(es, 'fine').reason).toContain('Helm revision 3 deployed');
    for (const r of ['old', 'zero', 'pending', 'nohelm', 'sqlite']) expect(find(es, r).state, r).toBe('not-eligible');
  });

  it('keeps each release on its chart with keep; a common chart-version that crosses the etcd 3.6 line is refused per release', () => {
    const workloads = [...deployed('ns', 'old', { chart: '0.26.1' }), ...deployed('ns', 'new', { chart: '0.29.0' })];
    const keep = classify({ workloads });
    expect(find(keep, 'old')).toMatchObject({ state: 'deployed', target: '0.26.1' });
    expect(find(keep, 'new')).toMatchObject({ state: 'deployed', target: '0.29.0' });
    const all = classify({ workloads }, { chartVersion: v('0.29.1'), gitopsPaused: false });
    expect(find(all, 'old').state).toBe('not-eligible');
    expect(find(all, 'old').reason).toContain('etcd 3.5');
    expect(find(all, 'new')).toMatchObject({ state: 'deployed', target: '0.29.1' });
    const older = classify({ workloads }, { chartVersion: v('0.28.0'), gitopsPaused: false });
    expect(find(older, 'new').reason).toContain('older than the installed chart 0.29.0');
  });

  it('a GitOps-managed release is not eligible, naming the controller and what to do; gitops-paused lets it through', () => {
    const workloads = [
      ...deployed('ns', 'argo', {
        annotations: { 'argocd.argoproj.io/tracking-id': 'vc-argo:apps/Deployment:ns/argo' },
      }),
      ...deployed('ns', 'flux', {
        labels: { 'helm.toolkit.fluxcd.io/name': 'vc', 'helm.toolkit.fluxcd.io/namespace': 'flux-system' },
      }),
      ...deployed('plat', 'p'),
      ...deployed('ns', 'plain', { labels: { 'app.kubernetes.io/instance': 'plain' } }),
    ];
    const namespaces: { name: string; labels: Record<string, string> }[] = [
      {
        name: 'plat',
        labels: { 'loft.sh/vcluster-instance-name': 'p', 'loft.sh/vcluster-instance-namespace': 'loft-p-team' },
      },
      { name: 'ns', labels: {} },
    ];
    const es = classify({ workloads, namespaces });
    expect(find(es, 'argo')).toMatchObject({ state: 'not-eligible', attention: true });
    expect(find(es, 'argo').reason).toContain('Argo CD (Application vc-argo');
    expect(find(es, 'argo').next).toContain('automated sync');
    expect(find(es, 'flux').reason).toContain('HelmRelease flux-system/vc');
    expect(find(es, 'flux').next).toContain('flux suspend helmrelease vc -n flux-system');
    expect(find(es, 'p').reason).toContain('vCluster Platform (VirtualClusterInstance loft-p-team/p');
    // Helm's own instance label (the release name) is not Argo CD's.
    expect(find(es, 'plain').state).toBe('deployed');
    const paused = classify({ workloads, namespaces }, { chartVersion: 'keep', gitopsPaused: true });
    expect(find(paused, 'flux').state).toBe('deployed');
    expect(find(paused, 'flux').reason).toContain('paused per gitops-paused');
  });

  it('a GitOps-managed release in the middle of a migration is held back too, and a finished one stays embedded', () => {
    const argo = { annotations: { 'argocd.argoproj.io/tracking-id': 'app:apps/StatefulSet:ns/x' } };
    const es = classify({
      workloads: [
        workload('StatefulSet', 'ns', 'mid', argo),
        workload('StatefulSet', 'ns', 'mid-etcd', { app: 'vcluster-etcd', release: 'mid' }),
        workload('StatefulSet', 'ns', 'done', argo),
      ],
      records: [record('ns', 'mid', 'verified'), record('ns', 'done', 'verified', 'verified')],
    });
    expect(find(es, 'mid')).toMatchObject({ state: 'not-eligible', attention: true });
    expect(find(es, 'mid').reason).toMatch(/phase one verified.*but managed by Argo CD/);
    expect(find(es, 'done').state).toBe('embedded');
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

  it('reads the chart version from the chart label', () => {
    expect(chartVersionOfLabel('vcluster-0.27.0')).toBe('0.27.0');
    expect(chartVersionOfLabel('vcluster-0.30.0-beta.1')).toBe('0.30.0-beta.1');
    expect(chartVersionOfLabel('vcluster-k8s-0.19.0')).toBe('0.19.0');
    expect(chartVersionOfLabel('nginx')).toBeUndefined();
    expect(chartVersionOfLabel(undefined)).toBeUndefined();
  });
});

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

describe('the fleet summary', () => {
  it('shows counts on top, then rows with the ones that need a person first, escaped', () => {
    const es = classify({
      workloads: [...deployed('ns', 'ok'), ...deployed('ns', 'zero', { replicas: 0 })],
      records: [],
    });
    const md = renderFleetSummary({
      entries: es,
      counts: countStates(es),
      next: 'migrate',
      matrixSize: 1,
      left: 0,
      scope: 'all namespaces',
      notes: ['note <b>x</b>'],
    });
    const counts = md.indexOf('| state | releases |');
    const rows = md.indexOf('| release | namespace |');
    expect(counts).toBeGreaterThan(0);
    expect(rows).toBeGreaterThan(counts);
    expect(md.indexOf('`zero`')).toBeLessThan(md.indexOf('`ok`'));
    expect(md).toContain('| 🟦 deployed | 1 |');
    expect(md).toContain('| ⛔ not-eligible | 1 |');
    expect(md).not.toContain('<b>');
  });
});
