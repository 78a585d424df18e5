// What the action observed in the cluster, as plain data, so decisions stay pure.
import type { ControllerReading, MarkedObject } from './gitops.ts';

export interface PvcView {
  name: string;
  /** metadata.uid: a PVC deleted and created again under the same name has another. */
  uid?: string;
  size?: string;
  storageClass?: string;
  phase?: string;
}

export interface PodView {
  name: string;
  uid: string;
  phase: string;
  ready: boolean;
  restarts: number;
  /** e.g. CrashLoopBackOff, ImagePullBackOff */
  waitingReason?: string;
  deleting: boolean;
  /** metadata.creationTimestamp (whole seconds), ISO. */
  createdAt?: string;
}

/** What kube observes of a release's objects; the Helm release and its backing store come from Helm. */
export type ObservedObjects = Omit<ClusterView, 'release' | 'store'>;

export interface ClusterView {
  release?: { status: string; chartVersion: string; revision: number };
  /** From the release's user values (backingStoreOf). */
  store: 'deployed' | 'migrating' | 'embedded' | 'other' | 'unknown';
  deployedEtcd?: { replicas: number; readyReplicas: number };
  etcdServices: string[];
  controlPlane: 'Deployment' | 'StatefulSet' | 'none';
  /** spec.replicas of the control-plane StatefulSet, when there is one. */
  controlPlaneReplicas?: number;
  embeddedPod?: PodView;
  etcdPods: PodView[];
  etcdPvcs: PvcView[];
  /** PVCs data-<release>-<n> of the control-plane StatefulSet: where embedded etcd keeps its data. */
  embeddedPvcs?: PvcView[];
  storageClasses: { name: string; isDefault: boolean }[];
  /** Labels and annotations of the release's objects and namespace, for the GitOps marks. */
  marked?: MarkedObject[];
  /** What was read of the GitOps controllers' objects the marks name (HelmRelease, Application). */
  controllers?: ControllerReading[];
}

/** The names of a release's objects, as the vCluster chart makes them. */
export const objectNames = (release: string) => ({
  etcdSts: `${release}-etcd`,
  etcdSvc: `${release}-etcd`,
  etcdHeadless: `${release}-etcd-headless`,
  etcdPod0: `${release}-etcd-0`,
  controlPlane: release,
  embeddedPod: `${release}-0`,
  embeddedPvc: `data-${release}-0`,
  certs: `${release}-certs`,
  config: `vc-config-${release}`,
  etcdPvcPrefix: `data-${release}-etcd-`,
});
