// The Kubernetes permissions each phase needs, checked with SelfSubjectAccessReview before
// anything changes. examples/rbac.yaml grants exactly these (and what helm needs for the chart).
import type { Phase } from '../inputs/config.ts';

/** One permission a phase needs, as SelfSubjectAccessReview asks it. */
export interface AccessNeed {
  verb: string;
  resource: string;
  subresource?: string;
  group?: string;
  namespaced: boolean;
}

const ns = (verb: string, resource: string, group = '', subresource?: string): AccessNeed => ({
  verb,
  resource,
  group,
  subresource,
  namespaced: true,
});

/**
 * abort also stops the control plane (a patch of its replicas), runs and removes the pod that reads
 * the embedded etcd's PVC, waits for the control-plane Deployment, and clears vCluster's store
 * annotations on its config Secret.
 */
const abortNeeds: AccessNeed[] = [
  ns('create', 'pods'),
  ns('delete', 'pods'),
  ns('get', 'deployments', 'apps'),
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
