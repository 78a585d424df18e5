// The way forward when the copy to embedded etcd lost keys. vCluster copies from the deployed etcd
// only into an empty embedded etcd (the flag stays set until phase two), so copying again means
// removing the incomplete copy: stop the control plane, delete its PVCs, start it again. Pure.

/** The commands that make vCluster copy the deployed etcd again, and what that costs. */
export function recopyRemedy(namespace: string, release: string, statefulSetReplicas?: number): string {
  // A StatefulSet someone already scaled to 0 still has its first replica's PVC.
  const replicas = Math.max(1, statefulSetReplicas ?? 0);
  const pvcs = Array.from({ length: replicas }, (_, i) => `data-${release}-${i}`);
  const pods = Array.from({ length: replicas }, (_, i) => `pod/${release}-${i}`);
  return [
    'do not finalize (it is refused while this stands); the deployed etcd still holds every key as of the copy.',
    'To copy again, remove the incomplete copy so vCluster copies into an empty embedded etcd',
    '(changes made in the virtual cluster since the copy are lost; the backup file holds the state before phase one):',
    `kubectl -n ${namespace} scale statefulset ${release} --replicas=0;`,
    `kubectl -n ${namespace} wait --for=delete ${pods.join(' ')} --timeout=5m;`,
    `kubectl -n ${namespace} delete pvc ${pvcs.join(' ')};`,
    `kubectl -n ${namespace} scale statefulset ${release} --replicas=${replicas};`,
    'then run migrate again: it waits for the success line and compares the key counts again',
  ].join(' ');
}
