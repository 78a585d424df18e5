// The Kubernetes side of one run, bound to its release: a run migrates one release in one
// namespace, so the phases name neither again. Also the seam the phase tests replace.
import type { Kube } from './kube.ts';
import type { AccessNeed } from '../../core/migration/permissions.ts';
import { objectNames, type ObservedObjects, type PodView } from '../../core/migration/cluster-view.ts';
import { diagnoseControlPlane, type ControlPlaneDiagnosis } from './control-plane-diagnosis.ts';
import { waitForSuccessLine, type LogGateOptions, type LogGateResult } from './log-gate.ts';
import { settlePendingAsFailed } from '../helm/storage.ts';
import type { HelmDriver } from '../helm/record.ts';
import type { V1Pod } from '@kubernetes/client-node';
import type { ReaderPod } from '../../core/migration/abort-reader.ts';
import type { ControllerObject, ControllerReading } from '../../core/migration/gitops.ts';
import { readControllerObject } from './controller-objects.ts';
import { retryRead } from './api-retry.ts';
import {
  clearSecretAnnotations,
  controlPlanePodLines,
  createPod,
  deletePodAndWait,
  deploymentReadiness,
  scaleStatefulSet,
  statefulSetExists,
  statefulSetImage,
  waitPodGone,
  waitPodReady,
} from './workloads.ts';

export interface ReleaseKube {
  readonly namespace: string;
  readonly release: string;
  /** Throws a clear error when the API server cannot be reached or refuses the credentials. */
  ping(): Promise<void>;
  /** Missing permissions among needs, as "verb resource[/sub]" strings. */
  missingAccess(needs: AccessNeed[]): Promise<string[]>;
  observe(): Promise<ObservedObjects>;
  /** A GitOps controller's object (HelmRelease, Application), or why it could not be read. */
  readController(o: ControllerObject): Promise<ControllerReading>;
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
  /** Waits until none of these PVCs exists. */
  waitPvcsGone(pvcs: string[], timeoutMs: number): Promise<void>;
  // abort: the control plane stopped and started again, and the reader pod on the embedded etcd's PVC.
  /** Sets spec.replicas of the control-plane StatefulSet; gives what it had (undefined: no StatefulSet). */
  scaleControlPlane(replicas: number): Promise<number | undefined>;
  /** The image (and pull secrets) of container etcd of the deployed etcd's StatefulSet. */
  deployedEtcdImage(): Promise<{ image: string; pullSecrets: string[] } | undefined>;
  pod(name: string): Promise<PodView | undefined>;
  /** Creates the pod; one that already exists (left by a killed run) is kept. */
  createPod(pod: ReaderPod): Promise<'created' | 'existed'>;
  waitPodReady(name: string, timeoutMs: number): Promise<PodView>;
  waitPodGone(name: string, timeoutMs: number): Promise<void>;
  /** Deletes the pod (gone already is fine) and waits until it no longer exists. */
  deletePod(name: string, timeoutMs: number): Promise<void>;
  /** Removes these annotations from Secret vc-config-<release>; gives those that were set (undefined: no Secret). */
  clearConfigAnnotations(keys: readonly string[]): Promise<Record<string, string> | undefined>;
  /** The control-plane Deployment's replicas, ready and updated (undefined: none). */
  controlPlaneDeployment(): Promise<{ replicas: number; ready: number; updated: number } | undefined>;
  controlPlaneStatefulSetExists(): Promise<boolean>;
  /** One line per control-plane pod with its last log lines. */
  controlPlaneLogLines(): Promise<string[]>;
}

export function releaseKube(kube: Kube, namespace: string, release: string): ReleaseKube {
  const objects = objectNames(release);
  return {
    namespace,
    release,
    ping: () => kube.ping(namespace),
    // Reads that change nothing are tried again when a loaded API server drops the connection.
    missingAccess: (needs) => retryRead(() => kube.missingAccess(namespace, needs)),
    observe: () => retryRead(() => kube.observe(namespace, release)),
    readController: (o) => readControllerObject(kube.kc, o),
    embeddedPod: () => retryRead(() => kube.pod(namespace, objects.embeddedPod)),
    deleteStatefulSetOrphan: (name) => kube.deleteStatefulSetOrphan(namespace, name),
    deletePvc: (name) => kube.deletePvc(namespace, name),
    diagnoseControlPlane: () => diagnoseControlPlane(kube, namespace, release),
    settlePendingAsFailed: (driver, revision, description) =>
      settlePendingAsFailed(kube, driver, namespace, release, revision, description),
    waitForSuccessLine: (o) => waitForSuccessLine(kube, { ...o, namespace, pod: objects.embeddedPod }),
    waitPvcsGone: (pvcs, timeoutMs) => kube.waitPvcsGone(namespace, pvcs, timeoutMs),
    scaleControlPlane: (replicas) => scaleStatefulSet(kube, namespace, objects.controlPlane, replicas),
    deployedEtcdImage: () => retryRead(() => statefulSetImage(kube, namespace, objects.etcdSts, 'etcd')),
    pod: (name) => retryRead(() => kube.pod(namespace, name)),
    createPod: (pod) => createPod(kube, namespace, pod as unknown as V1Pod),
    waitPodReady: (name, timeoutMs) => waitPodReady(kube, namespace, name, timeoutMs),
    waitPodGone: (name, timeoutMs) => waitPodGone(kube, namespace, name, timeoutMs),
    deletePod: (name, timeoutMs) => deletePodAndWait(kube, namespace, name, timeoutMs),
    clearConfigAnnotations: (keys) => clearSecretAnnotations(kube, namespace, objects.config, keys),
    controlPlaneDeployment: () => retryRead(() => deploymentReadiness(kube, namespace, objects.controlPlane)),
    controlPlaneStatefulSetExists: () => retryRead(() => statefulSetExists(kube, namespace, objects.controlPlane)),
    controlPlaneLogLines: () => controlPlanePodLines(kube, namespace, release),
  };
}
