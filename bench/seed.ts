// Shared by the census and backup benchmarks: a real etcd with TLS client-cert auth (vCluster's
// PKI layout) seeded with N keys spread over 80 Kubernetes-shaped groups.
import { etcdFixture, type EtcdFixture } from '../sandbox/etcd-fixture.ts';
import { txnPut } from '../sandbox/etcd-seed.ts';
import type { EtcdClient } from '../src/adapters/etcd/client.ts';

// 80 groups as kube-apiserver lays them out: built-ins, two-segment built-ins, API groups, vCluster.
export const BENCH_GROUPS: readonly string[] = [
  'pods',
  'configmaps',
  'secrets',
  'serviceaccounts',
  'events',
  'leases',
  'deployments',
  'replicasets',
  'statefulsets',
  'daemonsets',
  'jobs',
  'cronjobs',
  'controllerrevisions',
  'persistentvolumeclaims',
  'persistentvolumes',
  'namespaces',
  'minions',
  'roles',
  'rolebindings',
  'clusterroles',
  'clusterrolebindings',
  'limitranges',
  'resourcequotas',
  'podtemplates',
  'poddisruptionbudgets',
  'priorityclasses',
  'storageclasses',
  'csinodes',
  'csidrivers',
  'csistoragecapacities',
  'volumeattachments',
  'ingress',
  'ingressclasses',
  'networkpolicies',
  'endpointslices',
  'horizontalpodautoscalers',
  'certificatesigningrequests',
  'mutatingwebhookconfigurations',
  'validatingwebhookconfigurations',
  'validatingadmissionpolicies',
  'flowschemas',
  'prioritylevelconfigurations',
  'runtimeclasses',
  'controllers',
  'masterleases',
  'services/specs',
  'services/endpoints',
  'apiextensions.k8s.io/customresourcedefinitions',
  'apiregistration.k8s.io/apiservices',
  'cert-manager.io/certificates',
  'cert-manager.io/certificaterequests',
  'cert-manager.io/issuers',
  'cert-manager.io/clusterissuers',
  'acme.cert-manager.io/orders',
  'acme.cert-manager.io/challenges',
  'monitoring.coreos.com/servicemonitors',
  'monitoring.coreos.com/podmonitors',
  'monitoring.coreos.com/prometheusrules',
  'monitoring.coreos.com/alertmanagers',
  'monitoring.coreos.com/prometheuses',
  'crd.projectcalico.org/ippools',
  'crd.projectcalico.org/ipamblocks',
  'crd.projectcalico.org/blockaffinities',
  'crd.projectcalico.org/felixconfigurations',
  'crd.projectcalico.org/networkpolicies',
  'argoproj.io/applications',
  'argoproj.io/appprojects',
  'argoproj.io/rollouts',
  'networking.istio.io/virtualservices',
  'networking.istio.io/destinationrules',
  'networking.istio.io/gateways',
  'security.istio.io/peerauthentications',
  'snapshot.storage.k8s.io/volumesnapshots',
  'snapshot.storage.k8s.io/volumesnapshotcontents',
  'gateway.networking.k8s.io/httproutes',
  'gateway.networking.k8s.io/gateways',
  'keda.sh/scaledobjects',
  'velero.io/backups',
  'kyverno.io/policies',
];
/** Outside /registry/: vCluster's name mappings (the 80th group). */
export const MAPPINGS = '/vcluster/mappings/';

export function benchKey(i: number): string {
  const g = i % (BENCH_GROUPS.length + 1);
  const obj = `ns-${(i >> 7) % 50}/obj-${i.toString(36).padStart(5, '0')}`;
  return g === BENCH_GROUPS.length ? `${MAPPINGS}${obj}` : `/registry/${BENCH_GROUPS[g]}/${obj}`;
}

/** The fixture's etcd, with room for millions of keys. */
export function startBenchEtcd(prefix: string): Promise<EtcdFixture> {
  return etcdFixture(prefix, ['--quota-backend-bytes=8589934592']);
}

/** Put N keys (values of valueBytes) in transactions of 128 puts, several in flight. */
export async function seed(client: EtcdClient, n: number, valueBytes: number, log: (s: string) => void): Promise<void> {
  const value = Buffer.alloc(valueBytes, 'v');
  const batch = 128;
  let next = 0;
  let done = 0;
  let lastLog = Date.now();
  const worker = async () => {
    while (next < n) {
      const start = next;
      next = Math.min(n, next + batch);
      const puts = [];
      for (let i = start; i < next; i++) puts.push({ key: Buffer.from(benchKey(i)), value });
      await txnPut(client, puts);
      done += puts.length;
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        log(`seeded ${done}/${n}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}
