// A Kubernetes-shaped etcd keyspace for the vCluster stand-in's "deployed" etcd: the key layout
// kube-apiserver and vCluster write (/registry/<resource>/<ns>/<name>, two-segment built-ins,
// API groups with a dot, CRDs, /vcluster/mappings, compact_rev_key, events on leases), written
// through etcd's JSON gateway in transactions, and an independent key count per group so tests
// can check a copy without trusting the action's own census.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';

export interface EtcdTls {
  endpoint: string;
  ca: string;
  cert: string;
  key: string;
}

// resource path (after /registry/) → how many objects; namespaced unless marked.
const NAMESPACED: Array<[string, number]> = [
  ['pods', 2200],
  ['configmaps', 1100],
  ['secrets', 1100],
  ['services/specs', 350],
  ['services/endpoints', 350],
  ['serviceaccounts', 400],
  ['replicasets', 600],
  ['deployments', 300],
  ['statefulsets', 60],
  ['daemonsets', 30],
  ['controllerrevisions', 150],
  ['jobs', 80],
  ['cronjobs', 40],
  ['persistentvolumeclaims', 120],
  ['endpointslices', 380],
  ['roles', 120],
  ['rolebindings', 160],
  ['poddisruptionbudgets', 40],
  ['horizontalpodautoscalers', 30],
  ['limitranges', 20],
  ['resourcequotas', 20],
  ['podtemplates', 10],
  ['replicationcontrollers', 5],
  ['networkpolicies', 60],
  ['ingress', 50],
  ['csistoragecapacities', 4],
  ['cert-manager.io/certificates', 90],
  ['cert-manager.io/issuers', 30],
  ['cert-manager.io/certificaterequests', 90],
  ['acme.cert-manager.io/orders', 20],
  ['monitoring.coreos.com/servicemonitors', 70],
  ['monitoring.coreos.com/prometheusrules', 40],
  ['monitoring.coreos.com/podmonitors', 20],
  ['argoproj.io/applications', 60],
  ['networking.istio.io/virtualservices', 45],
  ['networking.istio.io/destinationrules', 45],
  ['security.istio.io/peerauthentications', 10],
  ['snapshot.storage.k8s.io/volumesnapshots', 12],
];
const CLUSTER: Array<[string, number]> = [
  ['minions', 3],
  ['persistentvolumes', 120],
  ['clusterroles', 90],
  ['clusterrolebindings', 70],
  ['priorityclasses', 4],
  ['storageclasses', 3],
  ['csidrivers', 2],
  ['csinodes', 3],
  ['volumeattachments', 10],
  ['ingressclasses', 2],
  ['runtimeclasses', 1],
  ['validatingwebhookconfigurations', 6],
  ['mutatingwebhookconfigurations', 5],
  ['validatingadmissionpolicies', 2],
  ['flowschemas', 13],
  ['prioritylevelconfigurations', 8],
  ['certificatesigningrequests', 6],
  ['ranges/serviceips', 1],
  ['ranges/servicenodeports', 1],
  ['apiextensions.k8s.io/customresourcedefinitions', 18],
  ['apiregistration.k8s.io/apiservices', 45],
  ['cert-manager.io/clusterissuers', 3],
];
const NAMESPACE_COUNT = 30;
const EVENTS = 1400;
const LEASES = 40;
const MAPPINGS = 700;

function obj(kind: string, name: string, ns?: string): string {
  return JSON.stringify({
    kind,
    apiVersion: 'v1',
    metadata: { name, ...(ns ? { namespace: ns } : {}), uid: `${kind}-${name}` },
    spec: { seeded: true },
  });
}

/** Every key and value of the seeded keyspace; `leased` marks keys that go on a lease (events). */
export function seedKeys(): Array<{ key: string; value: string; leased?: boolean }> {
  const out: Array<{ key: string; value: string; leased?: boolean }> = [];
  const nss = Array.from({ length: NAMESPACE_COUNT }, (_, i) => `team-${String(i).padStart(2, '0')}`);
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease', ...nss])
    out.push({ key: `/registry/namespaces/${ns}`, value: obj('Namespace', ns) });
  for (const [res, n] of NAMESPACED) {
    for (let i = 0; i < n; i++) {
      const ns = nss[i % nss.length]!;
      const name = `${res.split('/').pop()}-${i}`;
      out.push({ key: `/registry/${res}/${ns}/${name}`, value: obj(res, name, ns) });
    }
  }
  for (const [res, n] of CLUSTER) {
    for (let i = 0; i < n; i++)
      out.push({ key: `/registry/${res}/${res.split('/').pop()}-${i}`, value: obj(res, `${i}`) });
  }
  for (let i = 0; i < EVENTS; i++) {
    const ns = nss[i % nss.length]!;
    out.push({
      key: `/registry/events/${ns}/pod-${i}.${(1e15 + i).toString(16)}`,
      value: obj('Event', `e${i}`, ns),
      leased: true,
    });
  }
  for (let i = 0; i < LEASES; i++)
    out.push({ key: `/registry/leases/kube-node-lease/node-${i}`, value: obj('Lease', `node-${i}`) });
  for (let i = 0; i < MAPPINGS; i++) {
    const ns = nss[i % nss.length]!;
    out.push({
      key: `/vcluster/mappings/v1/pods/${ns}/pod-${i}`,
      value: JSON.stringify({ host: `pod-${i}-x-${ns}-x-vcluster` }),
    });
  }
  out.push({ key: 'compact_rev_key', value: '1' });
  return out;
}

/** The census group of a key: /registry/<resource>, two-segment built-ins, /registry/<group>/<resource>. */
export function groupOf(key: string): string {
  if (!key.startsWith('/')) return key;
  const parts = key.split('/');
  if (parts[1] === 'registry') {
    const a = parts[2] ?? '';
    const b = parts[3] ?? '';
    if (a.includes('.') || ['services', 'ranges'].includes(a)) return `/registry/${a}/${b}`;
    return `/registry/${a}`;
  }
  if (parts[1] === 'vcluster') return `/vcluster/${parts[2] ?? ''}`;
  return `/${parts[1] ?? ''}`;
}

export const VOLATILE_GROUPS = ['/registry/events', '/registry/leases', 'compact_rev_key'];

/** Our own loss check, independent of the action's: non-volatile groups whose counts differ. */
export function lostGroups(before: Map<string, number>, after: Map<string, number>): string[] {
  const bad: string[] = [];
  for (const [group, n] of before) {
    if (VOLATILE_GROUPS.some((v) => group === v || group.startsWith(`${v}/`))) continue;
    if ((after.get(group) ?? 0) !== n) bad.push(`${group}: ${n} -> ${after.get(group) ?? 0}`);
  }
  return bad;
}

export function countByGroup(keys: Iterable<string>): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(groupOf(k), (m.get(groupOf(k)) ?? 0) + 1);
  return m;
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64');
}

/** POST to etcd's v3 JSON gateway with client-certificate TLS. */
export function gateway<T = Record<string, unknown>>(tls: EtcdTls, path: string, body: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${tls.endpoint}${path}`,
      {
        method: 'POST',
        ca: readFileSync(tls.ca),
        cert: readFileSync(tls.cert),
        key: readFileSync(tls.key),
        headers: { 'content-type': 'application/json' },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200)
            reject(new Error(`etcd ${path} answered ${res.statusCode}: ${text.slice(0, 300)}`));
          else resolve(JSON.parse(text) as T);
        });
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`etcd ${path} timed out`)));
    req.end(JSON.stringify(body));
  });
}

/** Writes the seeded keyspace; returns the number of keys written. Events get a 2-hour lease. */
export async function seedKeyspace(tls: EtcdTls): Promise<number> {
  const keys = seedKeys();
  const lease = await gateway<{ ID: string }>(tls, '/v3/lease/grant', { TTL: 7200 });
  const batch = 100; // below etcd's default --max-txn-ops of 128
  for (let i = 0; i < keys.length; i += batch) {
    const success = keys.slice(i, i + batch).map((k) => ({
      requestPut: { key: b64(k.key), value: b64(k.value), ...(k.leased ? { lease: lease.ID } : {}) },
    }));
    await gateway(tls, '/v3/kv/txn', { success });
  }
  return keys.length;
}

/** All keys of an etcd (keys only), read through the gateway in one range. */
export async function listKeys(tls: EtcdTls): Promise<string[]> {
  const r = await gateway<{ kvs?: Array<{ key: string }> }>(tls, '/v3/kv/range', {
    key: b64('\0'),
    range_end: b64('\0'),
    keys_only: true,
  });
  return (r.kvs ?? []).map((kv) => Buffer.from(kv.key, 'base64').toString());
}

export async function deletePrefix(tls: EtcdTls, prefix: string): Promise<number> {
  const end = Buffer.from(prefix);
  end[end.length - 1] = end[end.length - 1]! + 1;
  const r = await gateway<{ deleted?: string }>(tls, '/v3/kv/deleterange', {
    key: b64(prefix),
    range_end: end.toString('base64'),
  });
  return Number(r.deleted ?? 0);
}

/**
 * Overwrites the value of the first key (in key order) under a prefix with bytes of the same length
 * but another content, as a copy that wrote a stale or damaged value would; returns that key.
 */
export async function corruptFirstValue(tls: EtcdTls, prefix: string): Promise<string> {
  const end = Buffer.from(prefix);
  end[end.length - 1] = end[end.length - 1]! + 1;
  const r = await gateway<{ kvs?: Array<{ key: string; value?: string }> }>(tls, '/v3/kv/range', {
    key: b64(prefix),
    range_end: end.toString('base64'),
    limit: 1,
  });
  const kv = r.kvs?.[0];
  if (!kv) throw new Error(`stand-in fault: no key under ${prefix} to corrupt`);
  const value = Buffer.from(kv.value ?? '', 'base64');
  const damaged = Buffer.from(value.map((b) => (b === 0x58 ? 0x59 : 0x58)));
  await gateway(tls, '/v3/kv/put', { key: kv.key, value: damaged.toString('base64') });
  return Buffer.from(kv.key, 'base64').toString();
}
