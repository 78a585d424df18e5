// Preflight: named checks computed from what was observed. Pure; each check says why.
import type { ClusterView } from './cluster-view.ts';
import type { Phase } from '../inputs/config.ts';
import { versionProblems, type PhaseValues } from './values.ts';
import { helmVersionOk, parseChartVersion, type ChartVersion } from '../inputs/version.ts';
import { crossesEtcdLine } from './chart-check.ts';
import type { ApprovalCheckName } from './approval.ts';

export type CheckState = 'passed' | 'failed' | 'skipped';

/** The preflight's checks, plan's GitOps row, and phase two's approval checks. */
export type CheckName =
  | 'helm version'
  | 'permissions'
  | 'release'
  | 'deployed etcd'
  | 'values'
  | 'persistence'
  | 'storage class'
  | 'etcd 3.5 to 3.6 line'
  | 'chart version'
  | 'GitOps controller'
  | `approval: ${ApprovalCheckName}`;

export interface Check {
  name: CheckName;
  state: CheckState;
  reason: string;
}

export interface PreflightInput {
  phase: Phase;
  release: string;
  namespace: string;
  chartVersion: ChartVersion;
  view: ClusterView;
  helmVersion: string;
  missingAccess: string[];
  /** Optional reads the credentials may not make (a GitOps controller's object): said, not failed. */
  unverifiable?: string[];
  values: PhaseValues | Error;
}

export function preflight(i: PreflightInput): Check[] {
  const { view: v } = i;
  const s = i;
  const checks: Check[] = [];
  const add = (name: CheckName, state: CheckState, reason: string): void => {
    checks.push({ name, state, reason });
  };

  add(
    'helm version',
    helmVersionOk(i.helmVersion) ? 'passed' : 'failed',
    helmVersionOk(i.helmVersion)
      ? `helm ${i.helmVersion}`
      : `helm ${i.helmVersion || '(unknown)'} is older than 3.10; install helm 3.10 or later (azure/setup-helm)`,
  );

  const optional = i.unverifiable?.length
    ? `; ${i.unverifiable.join('; ')} (optional: without it the GitOps controller's pause is not verified; examples/rbac-gitops.yaml grants that read)`
    : '';
  add(
    'permissions',
    i.missingAccess.length === 0 ? 'passed' : 'failed',
    i.missingAccess.length === 0
      ? `every verb the ${s.phase} phase needs is allowed${optional}`
      : `the credentials may not ${i.missingAccess.join(', ')} in namespace ${s.namespace}; grant them (examples/rbac.yaml lists all)${optional}`,
  );

  if (!v.release) {
    add('release', 'failed', `no Helm release ${s.release} in namespace ${s.namespace}`);
  } else if (v.store === 'deployed') {
    add(
      'release',
      'passed',
      `${s.release} (chart ${v.release.chartVersion}, revision ${v.release.revision}, ${v.release.status}) runs on deployed etcd`,
    );
  } else if (v.store === 'migrating' || v.store === 'embedded') {
    add(
      'release',
      'passed',
      `${s.release} already has embedded etcd enabled (${v.store === 'migrating' ? 'phase one applied' : 'migrated'})`,
    );
  } else {
    add(
      'release',
      'failed',
      `${s.release} does not run on deployed etcd (controlPlane.backingStore.etcd.deploy.enabled is not true)`,
    );
  }

  if (v.store === 'deployed' || v.store === 'migrating') {
    const e = v.deployedEtcd;
    if (!e) add('deployed etcd', 'failed', `StatefulSet ${s.release}-etcd does not exist`);
    else if (e.readyReplicas < e.replicas || e.replicas === 0)
      add(
        'deployed etcd',
        'failed',
        `StatefulSet ${s.release}-etcd has ${e.readyReplicas}/${e.replicas} ready replicas; wait until all are ready`,
      );
    else add('deployed etcd', 'passed', `StatefulSet ${s.release}-etcd ${e.readyReplicas}/${e.replicas} ready`);
  } else {
    add('deployed etcd', 'skipped', 'the release does not run on deployed etcd');
  }

  if (i.values instanceof Error) {
    add('values', 'failed', i.values.message);
    add('persistence', 'skipped', 'values could not be computed');
  } else {
    const problems = [
      ...versionProblems(i.values.phase1, s.chartVersion),
      ...versionProblems(i.values.phase2, s.chartVersion),
    ];
    add(
      'values',
      problems.length ? 'failed' : 'passed',
      problems.length
        ? problems.join('; ')
        : `valid for chart ${s.chartVersion.text}; embedded etcd volume ${i.values.storage.size} (from ${i.values.storage.sizeFrom})`,
    );
    add('persistence', 'passed', 'the control plane keeps /data on a PersistentVolumeClaim (no emptyDir)');
  }

  if (i.values instanceof Error) {
    add('storage class', 'skipped', 'values could not be computed');
  } else {
    const named = i.values.storage.storageClass;
    if (named) {
      const found = v.storageClasses.some((c) => c.name === named);
      add(
        'storage class',
        found ? 'passed' : 'failed',
        found
          ? `StorageClass ${named} exists (${i.values.storage.classFrom})`
          : `StorageClass ${named} (${i.values.storage.classFrom}) does not exist; name an existing one in storage-class`,
      );
    } else {
      const def = v.storageClasses.find((c) => c.isDefault);
      add(
        'storage class',
        def ? 'passed' : 'failed',
        def
          ? `the cluster's default StorageClass ${def.name} will be used`
          : 'no storage-class given and the cluster has no default StorageClass; set storage-class',
      );
    }
  }

  const current = v.release ? parseChartVersion(v.release.chartVersion) : undefined;
  if (!current) {
    add('etcd 3.5 to 3.6 line', 'skipped', 'the release chart version is not known');
  } else if (crossesEtcdLine(current, s.chartVersion)) {
    add(
      'etcd 3.5 to 3.6 line',
      'failed',
      `the release runs chart ${current.text} (etcd 3.5) and chart-version ${s.chartVersion.text} ships etcd 3.6; vCluster requires a stop on a 0.24.2-0.28.x chart. Migrate with chart-version 0.28.x first, then upgrade`,
    );
  } else {
    add(
      'etcd 3.5 to 3.6 line',
      'passed',
      `chart ${current.text} to ${s.chartVersion.text} does not cross the 0.28 to 0.29 line`,
    );
  }
  return checks;
}

export const failedChecks = (checks: Check[]): Check[] => checks.filter((c) => c.state === 'failed');
