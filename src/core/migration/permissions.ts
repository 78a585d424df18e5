// The Kubernetes permissions each phase needs, checked with SelfSubjectAccessReview before
// anything changes. examples/rbac.yaml grants exactly these (and what helm needs for the chart).
import type { Phase } from '../inputs/config.ts';
import type { ControllerObject } from './gitops.ts';

/** One permission a phase needs, as SelfSubjectAccessReview asks it. */
export interface AccessNeed {
  verb: string;
  resource: string;
  subresource?: string;
  group?: string;
  namespaced: boolean;
  /** Another namespace than the release's (a GitOps controller's object). */
  namespace?: string;
}

/**
 * Optional: the read of a GitOps controller's object (Flux's HelmRelease, Argo CD's Application),
 * in the namespace that holds it, which verifies gitops-paused: true. Without it the pause is taken
 * on trust and the summary says so in bold. examples/rbac-gitops.yaml grants it.
 */
export const gitopsAccessNeed = (o: ControllerObject): AccessNeed => ({
  verb: 'get',
  resource: o.plural,
  group: o.group,
  namespaced: true,
  namespace: o.namespace,
});

const ns = (verb: string, resource: string, group = '', subresource?: string): AccessNeed => ({
  verb,
  resource,
  group,
  subresource,
  namespaced: true,
});

/**
 * abort also stops the control plane (a patch of its replicas), runs and removes the pod that reads
 * the embedded etcd's PVC, waits for the control-plane Deployment (helm's wait reads its ReplicaSets),
 * and clears vCluster's store annotations on its config Secret.
 */
const abortNeeds: AccessNeed[] = [
  ns('create', 'pods'),
  ns('delete', 'pods'),
  ns('get', 'deployments', 'apps'),
  // helm upgrade --wait on a Deployment lists its ReplicaSets.
  ns('list', 'replicasets', 'apps'),
  ns('patch', 'secrets'),
];

export function accessNeeds(
  phase: Phase,
  opts: { deletePvcs: boolean; deleteStaleEmbeddedPvc?: boolean },
): AccessNeed[] {
  const read: AccessNeed[] = [
    ns('get', 'pods'),
    ns('list', 'pods'),
    ns('get', 'pods', '', 'log'),
    ns('get', 'statefulsets', 'apps'),
    ns('list', 'services'),
    ns('list', 'persistentvolumeclaims'),
    ns('get', 'configmaps'),
    ns('get', 'secrets'),
    ns('list', 'secrets'),
    ns('list', 'events'),
    // client-node opens port-forward over a WebSocket: RBAC checks both get (the GET) and create.
    ns('get', 'pods', '', 'portforward'),
    ns('create', 'pods', '', 'portforward'),
  ];
  if (phase === 'plan' || phase === 'status') return read;
  const write: AccessNeed[] = [
    ns('create', 'configmaps'),
    ns('update', 'configmaps'),
    // Helm keeps releases in secrets and patches the chart's objects.
    ns('create', 'secrets'),
    ns('update', 'secrets'),
    ns('create', 'statefulsets', 'apps'),
    ns('patch', 'statefulsets', 'apps'),
    ns('delete', 'statefulsets', 'apps'),
    ns('patch', 'deployments', 'apps'),
    ns('delete', 'deployments', 'apps'),
    ns('create', 'services'),
    ns('patch', 'services'),
    ns('delete', 'services'),
    // The chart's Role grants vCluster more than this account holds; updating it needs escalate and bind.
    ns('escalate', 'roles', 'rbac.authorization.k8s.io'),
    ns('bind', 'roles', 'rbac.authorization.k8s.io'),
  ];
  if (opts.deletePvcs && phase === 'finalize') write.push(ns('delete', 'persistentvolumeclaims'));
  if (opts.deleteStaleEmbeddedPvc && phase === 'migrate') write.push(ns('delete', 'persistentvolumeclaims'));
  if (phase === 'abort') write.push(...abortNeeds);
  return [...read, ...write];
}
