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

const check = (name: CheckName, state: CheckState, reason: string): Check => ({ name, state, reason });

function helmCheck(i: PreflightInput): Check {
  return helmVersionOk(i.helmVersion)
    ? check('helm version', 'passed', `helm ${i.helmVersion}`)
    : check(
        'helm version',
        'failed',
        `helm ${i.helmVersion || '(unknown)'} is older than 3.10; install helm 3.10 or later (azure/setup-helm)`,
      );
}

function permissionsCheck(i: PreflightInput): Check {
  const optional = i.unverifiable?.length
    ? `; ${i.unverifiable.join('; ')} (optional: without it the GitOps controller's pause is not verified; examples/rbac-gitops.yaml grants that read)`
    : '';
  return i.missingAccess.length === 0
    ? check('permissions', 'passed', `every verb the ${i.phase} phase needs is allowed${optional}`)
    : check(
        'permissions',
        'failed',
        `the credentials may not ${i.missingAccess.join(', ')} in namespace ${i.namespace}; grant them (examples/rbac.yaml lists all)${optional}`,
      );
}

function releaseCheck(i: PreflightInput): Check {
  const v = i.view;
  if (!v.release) return check('release', 'failed', `no Helm release ${i.release} in namespace ${i.namespace}`);
  if (v.store === 'deployed')
    return check(
      'release',
      'passed',
      `${i.release} (chart ${v.release.chartVersion}, revision ${v.release.revision}, ${v.release.status}) runs on deployed etcd`,
    );
  if (v.store === 'migrating' || v.store === 'embedded')
    return check(
      'release',
      'passed',
      `${i.release} already has embedded etcd enabled (${v.store === 'migrating' ? 'phase one applied' : 'migrated'})`,
    );
  return check(
    'release',
    'failed',
    `${i.release} does not run on deployed etcd (controlPlane.backingStore.etcd.deploy.enabled is not true)`,
  );
}

function deployedEtcdCheck(i: PreflightInput): Check {
  const { store, deployedEtcd: e } = i.view;
  if (store !== 'deployed' && store !== 'migrating')
    return check('deployed etcd', 'skipped', 'the release does not run on deployed etcd');
  if (!e) return check('deployed etcd', 'failed', `StatefulSet ${i.release}-etcd does not exist`);
  if (e.readyReplicas < e.replicas || e.replicas === 0)
    return check(
      'deployed etcd',
      'failed',
      `StatefulSet ${i.release}-etcd has ${e.readyReplicas}/${e.replicas} ready replicas; wait until all are ready`,
    );
  return check('deployed etcd', 'passed', `StatefulSet ${i.release}-etcd ${e.readyReplicas}/${e.replicas} ready`);
}

/** The values, persistence and storage-class checks, all three from the computed values. */
function valuesChecks(i: PreflightInput): Check[] {
  if (i.values instanceof Error)
    return [
      check('values', 'failed', i.values.message),
      check('persistence', 'skipped', 'values could not be computed'),
      check('storage class', 'skipped', 'values could not be computed'),
    ];
  const problems = [
    ...versionProblems(i.values.phase1, i.chartVersion),
    ...versionProblems(i.values.phase2, i.chartVersion),
  ];
  return [
    problems.length
      ? check('values', 'failed', problems.join('; '))
      : check(
          'values',
          'passed',
          `valid for chart ${i.chartVersion.text}; embedded etcd volume ${i.values.storage.size} (from ${i.values.storage.sizeFrom})`,
        ),
    check('persistence', 'passed', 'the control plane keeps /data on a PersistentVolumeClaim (no emptyDir)'),
    storageClassCheck(i.values.storage, i.view.storageClasses),
  ];
}

function storageClassCheck(storage: PhaseValues['storage'], classes: ClusterView['storageClasses']): Check {
  const named = storage.storageClass;
  if (named)
    return classes.some((c) => c.name === named)
      ? check('storage class', 'passed', `StorageClass ${named} exists (${storage.classFrom})`)
      : check(
          'storage class',
          'failed',
          `StorageClass ${named} (${storage.classFrom}) does not exist; name an existing one in storage-class`,
        );
  const def = classes.find((c) => c.isDefault);
  return def
    ? check('storage class', 'passed', `the cluster's default StorageClass ${def.name} will be used`)
    : check(
        'storage class',
        'failed',
        'no storage-class given and the cluster has no default StorageClass; set storage-class',
      );
}

function etcdLineCheck(i: PreflightInput): Check {
  const current = i.view.release ? parseChartVersion(i.view.release.chartVersion) : undefined;
  if (!current) return check('etcd 3.5 to 3.6 line', 'skipped', 'the release chart version is not known');
  if (crossesEtcdLine(current, i.chartVersion))
    return check(
      'etcd 3.5 to 3.6 line',
      'failed',
      `the release runs chart ${current.text} (etcd 3.5) and chart-version ${i.chartVersion.text} ships etcd 3.6; vCluster requires a stop on a 0.24.2-0.28.x chart. Migrate with chart-version 0.28.x first, then upgrade`,
    );
  return check(
    'etcd 3.5 to 3.6 line',
    'passed',
    `chart ${current.text} to ${i.chartVersion.text} does not cross the 0.28 to 0.29 line`,
  );
}

/** The checks in the order the summary shows them. */
export function preflight(i: PreflightInput): Check[] {
  return [
    helmCheck(i),
    permissionsCheck(i),
    releaseCheck(i),
    deployedEtcdCheck(i),
    ...valuesChecks(i),
    etcdLineCheck(i),
  ];
}

export const failedChecks = (checks: Check[]): Check[] => checks.filter((c) => c.state === 'failed');
