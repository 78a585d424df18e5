// Builders of what the fleet adapter lists, for the fleet's unit tests.
import { classifyFleet, type FleetEntry, type FleetOptions } from '../../../../src/core/fleet/classification.ts';
import { groupFleet, type FleetObjects, type ObjMeta, type WorkloadObj } from '../../../../src/core/fleet/grouping.ts';
import { parseChartVersion } from '../../../../src/core/inputs/version.ts';
import { emptyState } from '../../../../src/core/migration/state.ts';
import type { Census } from '../../../../src/core/migration/census.ts';

export const v = (t: string) => parseChartVersion(t)!;
export const KEEP: FleetOptions = { chartVersion: 'keep', gitopsPaused: false };

export function workload(
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
export function deployed(
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

export const census = (total: number): Census => ({
  revision: 1,
  total,
  groups: {},
  store: 'deployed',
  path: 'exec',
  takenAt: '2026-01-01T00:00:00Z',
});

export function record(
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

export function helm(namespace: string, name: string, version: number, status: string): ObjMeta {
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

export function classify(
  o: Partial<FleetObjects> & { workloads?: WorkloadObj[] },
  opts: FleetOptions = KEEP,
): FleetEntry[] {
  const { workloads = [], ...rest } = o;
  return classifyFleet(groupFleet({ records: [], ...split(workloads), ...rest }), opts);
}

export const find = (es: FleetEntry[], release: string) => es.find((e) => e.release === release)!;
