// The Kubernetes side of one run, bound to its release: a run migrates one release in one
// namespace, so the phases name neither again. Also the seam the phase tests replace.
import type { Kube } from './kube.ts';
import type { AccessNeed } from '../../core/migration/permissions.ts';
import { objectNames, type ObservedObjects, type PodView } from '../../core/migration/cluster-view.ts';
import { diagnoseControlPlane, type ControlPlaneDiagnosis } from './control-plane-diagnosis.ts';
import { waitForSuccessLine, type LogGateOptions, type LogGateResult } from './log-gate.ts';
import { settlePendingAsFailed } from '../helm/storage.ts';
import type { HelmDriver } from '../helm/record.ts';

export interface ReleaseKube {
  readonly namespace: string;
  readonly release: string;
  /** Throws a clear error when the API server cannot be reached or refuses the credentials. */
  ping(): Promise<void>;
  /** Missing permissions among needs, as "verb resource[/sub]" strings. */
  missingAccess(needs: AccessNeed[]): Promise<string[]>;
  observe(): Promise<ObservedObjects>;
  /** The control-plane pod that runs the embedded etcd. */
  embeddedPod(): Promise<PodView | undefined>;
  deleteStatefulSetOrphan(name: string): Promise<void>;
  deletePvc(name: string): Promise<void>;
  /** Why the control plane did not become Ready: its PVC and pod and their events. */
  diagnoseControlPlane(): Promise<ControlPlaneDiagnosis>;
  /** Records a pending-upgrade revision as failed in Helm's storage. */
  settlePendingAsFailed(driver: HelmDriver, revision: number, description: string): Promise<void>;
  /** Waits for vCluster's success line in the embedded pod's log. */
  waitForSuccessLine(o: Omit<LogGateOptions, 'namespace' | 'pod'>): Promise<LogGateResult>;
}

export function releaseKube(kube: Kube, namespace: string, release: string): ReleaseKube {
  const objects = objectNames(release);
  return {
    namespace,
    release,
    ping: () => kube.ping(namespace),
    missingAccess: (needs) => kube.missingAccess(namespace, needs),
    observe: () => kube.observe(namespace, release),
    embeddedPod: () => kube.pod(namespace, objects.embeddedPod),
    deleteStatefulSetOrphan: (name) => kube.deleteStatefulSetOrphan(namespace, name),
    deletePvc: (name) => kube.deletePvc(namespace, name),
    diagnoseControlPlane: () => diagnoseControlPlane(kube, namespace, release),
    settlePendingAsFailed: (driver, revision, description) =>
      settlePendingAsFailed(kube, driver, namespace, release, revision, description),
    waitForSuccessLine: (o) => waitForSuccessLine(kube, { ...o, namespace, pod: objects.embeddedPod }),
  };
}
