// How the action reaches the deployed etcd on a real cluster: through the API server's
// port-forward as the least-RBAC ServiceAccount of examples/rbac.yaml, by exec when port-forward is
// not granted, and what happens when the forwarded stream is cut. Every count is checked against
// the stand-in's etcd read directly (not through Kubernetes).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { rbacObjects } from '../../sandbox/service-account.ts';
import { groupOf } from '../../src/core/migration/census.ts';
import { openPodEtcd, type PodEtcd } from '../../src/adapters/etcd/access.ts';
import { certsFromSecretData, type EtcdClientCerts } from '../../src/adapters/etcd/certs.ts';
import {
  clientKeyReader,
  readCensus,
  type CensusCounts,
  type KeyRangeReader,
} from '../../src/adapters/etcd/census-reader.ts';
import { EtcdClient } from '../../src/adapters/etcd/client.ts';
import { takeBackup } from '../../src/adapters/etcd/backup.ts';
import { recordScenario } from '../support/reliability.ts';
import { useSharedCluster, type DemoVCluster } from './harness.ts';

const env = useSharedCluster();
const NS = 'e2e-etcd-access';
const RELEASE = 'ea';
const POD = `${RELEASE}-etcd-0`;
const GROUP = 'Etcd access';

let d: DemoVCluster;
let certs: EtcdClientCerts;
let actionKc: k8s.KubeConfig;

function kubeConfigOf(text: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(text);
  return kc;
}

/** Every key of the deployed etcd at `revision`, listed in one range straight from its process and grouped. */
async function directCounts(revision: number): Promise<CensusCounts> {
  const t = d.standIn.etcdTls('deployed');
  if (!t) throw new Error('the stand-in has no deployed etcd running');
  const c = new EtcdClient({
    endpoint: t.endpoint,
    ca: readFileSync(t.ca),
    cert: readFileSync(t.cert),
    key: readFileSync(t.key),
    serverName: 'localhost',
    label: 'deployed etcd (direct)',
  });
  try {
    const r = await c.range({ key: Buffer.from([0]), rangeEnd: Buffer.from([0]), keysOnly: true, revision });
    const groups: Record<string, number> = {};
    for (const kv of r.kvs) {
      const g = Buffer.from(groupOf(kv.key.toString('latin1')), 'latin1').toString('utf8');
      groups[g] = (groups[g] ?? 0) + 1;
    }
    return { revision: r.header.revision, total: r.kvs.length, groups };
  } finally {
    c.close();
  }
}

/**
 * A ServiceAccount `name` whose Role is examples/rbac.yaml's with the given subresources taken out
 * of its rules; returns its kubeconfig (TokenRequest token). The action's own account is untouched.
 */
async function accountWithout(name: string, without: string[]): Promise<k8s.KubeConfig> {
  const admin = env().cluster.kubeConfig;
  const api = k8s.KubernetesObjectApi.makeApiClient(admin);
  type Obj = k8s.KubernetesObject & {
    rules?: k8s.V1PolicyRule[];
    subjects?: k8s.RbacV1Subject[];
    roleRef?: k8s.V1RoleRef;
  };
  const objs = (rbacObjects(NS) as Obj[]).filter((o) =>
    ['ServiceAccount', 'Role', 'RoleBinding'].includes(o.kind ?? ''),
  );
  expect(objs.map((o) => o.kind).sort()).toEqual(['Role', 'RoleBinding', 'ServiceAccount']);
  for (const o of objs) {
    o.metadata = { ...o.metadata, name };
    if (o.rules) {
      o.rules = o.rules
        .map((r) => ({ ...r, resources: (r.resources ?? []).filter((x) => !without.includes(x)) }))
        .filter((r) => r.resources.length > 0);
    }
    if (o.subjects) o.subjects = o.subjects.map((s) => ({ ...s, name }));
    if (o.roleRef) o.roleRef = { ...o.roleRef, name };
    await api.create(o);
  }
  const tr = await env().core.createNamespacedServiceAccountToken({
    name,
    namespace: NS,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = admin.getCurrentCluster()!;
  const caData = cluster.caData ?? readFileSync(cluster.caFile!).toString('base64');
  return kubeConfigOf(
    YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'sandbox', cluster: { server: cluster.server, 'certificate-authority-data': caData } }],
      users: [{ name, user: { token: tr.status?.token } }],
      contexts: [{ name: 'sandbox', context: { cluster: 'sandbox', user: name, namespace: NS } }],
      'current-context': 'sandbox',
    }),
  );
}

/** Opens the deployed etcd as the action does (port 2379, container etcd, certificates from the secret). */
function open(kc: k8s.KubeConfig, allowExecFallback: boolean): Promise<PodEtcd<EtcdClient | KeyRangeReader>> {
  return openPodEtcd(kc, { namespace: NS, pod: POD, port: 2379, certs, allowExecFallback, container: 'etcd' });
}
/** The port-forward only, as the backup opens it. */
function openForward(kc: k8s.KubeConfig): Promise<PodEtcd<EtcdClient>> {
  return openPodEtcd(kc, { namespace: NS, pod: POD, port: 2379, certs, allowExecFallback: false, container: 'etcd' });
}

const secs = (ms: number) => (ms / 1000).toFixed(2);

beforeAll(async () => {
  d = await env().demo({ namespace: NS, release: RELEASE });
  actionKc = kubeConfigOf(d.kubeconfig);
  // The certificates as the action reads them: secret <release>-certs, with the action's account.
  const secret = await actionKc
    .makeApiClient(k8s.CoreV1Api)
    .readNamespacedSecret({ name: `${RELEASE}-certs`, namespace: NS });
  certs = certsFromSecretData(secret.data ?? {}, `${RELEASE}-certs`);
});

describe('reaching the deployed etcd through the Kubernetes API', () => {
  it('census through the port-forward, as the least-RBAC ServiceAccount, equals the etcd read directly', async () => {
    const t0 = performance.now();
    const access = await open(actionKc, true);
    const tOpen = performance.now() - t0;
    try {
      expect(access.path).toBe('port-forward');
      const t1 = performance.now();
      const c = await readCensus(access.client);
      const tCensus = performance.now() - t1;
      const t2 = performance.now();
      const again = await readCensus(access.client);
      const tWarm = performance.now() - t2;
      const direct = await directCounts(c.revision);
      expect(c.groups).toEqual(direct.groups);
      expect(c.total).toBe(direct.total);
      expect(c.total).toBe(d.standIn.seededKeys());
      expect(Object.keys(c.groups).length).toBeGreaterThanOrEqual(50);
      expect(again).toEqual(c); // a static keyspace: same revision, same counts
      console.log(
        `[measure] census through the port-forward: ${c.total} keys in ${Object.keys(c.groups).length} groups; open ${secs(tOpen)} s, first census ${secs(tCensus)} s, second ${secs(tWarm)} s`,
      );
      recordScenario({
        group: GROUP,
        scenario: 'census through port-forward (least RBAC)',
        done: 'census of the deployed etcd as the ServiceAccount of examples/rbac.yaml',
        action: `counted ${c.total} keys in ${Object.keys(c.groups).length} groups via port-forward, equal to the etcd read directly`,
        dataLost: 'none',
      });
    } finally {
      await access.close();
    }
  });

  it('without pods/portforward the census falls back to exec and counts the same; without exec too, the error names both permissions', async () => {
    const noForward = await accountWithout('ea-no-portforward', ['pods/portforward']);
    const t0 = performance.now();
    const access = await open(noForward, true);
    try {
      expect(access.path).toBe('exec');
      const c = await readCensus(access.client);
      const tExec = performance.now() - t0;
      const direct = await directCounts(c.revision);
      expect(c.groups).toEqual(direct.groups);
      expect(c.total).toBe(direct.total);
      console.log(`[measure] census through exec (etcdctl in the pod): ${c.total} keys in ${secs(tExec)} s`);
      recordScenario({
        group: GROUP,
        scenario: 'census without pods/portforward',
        done: "removed pods/portforward from the ServiceAccount's Role",
        action: `fell back to etcdctl by exec; counted ${c.total} keys, equal to the etcd read directly`,
        dataLost: 'none',
      });
    } finally {
      await access.close();
    }

    // The backup needs the port-forward (no exec fallback): the error says which permission.
    const refused = await openForward(noForward).then(
      () => 'opened',
      (e: Error) => e.message,
    );
    expect(refused).toMatch(/forbidden/i);
    expect(refused).toContain("'create' on pods/portforward");
    expect(refused).toContain(NS);

    const neither = await accountWithout('ea-no-forward-no-exec', ['pods/portforward', 'pods/exec']);
    const message = await open(neither, true).then(
      () => 'opened',
      (e: Error) => e.message,
    );
    expect(message).toContain(`pod ${NS}/${POD}`);
    expect(message).toContain("Grant 'create' on pods/portforward (preferred) or on pods/exec");
    expect(message).toMatch(/forbidden/i);
    recordScenario({
      group: GROUP,
      scenario: 'census without pods/portforward and pods/exec',
      done: "removed pods/portforward and pods/exec from the ServiceAccount's Role",
      action:
        "stopped before reading: port-forward forbidden, etcdctl fallback forbidden; grant 'create' on pods/portforward or pods/exec",
      dataLost: 'none',
    });
  });

  it('a verified backup through the port-forward holds the census total at its revision', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-backup-'));
    const access = await openForward(actionKc);
    try {
      const lines: string[] = [];
      const t0 = performance.now();
      const b = await takeBackup(access.client, {
        dir,
        release: RELEASE,
        chartVersion: '0.27.0',
        log: (m) => lines.push(m),
      });
      const tBackup = performance.now() - t0;
      expect(b.verification.integrity).toBe(true);
      const c = await readCensus(access.client, { revision: b.revision });
      expect(c.revision).toBe(b.revision);
      expect(b.keys).toBe(c.total);
      expect(b.verification.etcdKeys).toBe(c.total);
      expect((await directCounts(b.revision)).total).toBe(b.keys);
      // The file on disk is the one the record describes.
      const bytes = readFileSync(b.file);
      expect(bytes.length).toBe(b.bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(b.sha256);
      expect(lines.some((l) => l.startsWith('snapshot verified:'))).toBe(true);
      console.log(
        `[measure] backup through the port-forward: ${(b.bytes / 1048576).toFixed(1)} MB, ${b.keys} keys at revision ${b.revision}, ${secs(tBackup)} s`,
      );
      recordScenario({
        group: GROUP,
        scenario: 'backup through port-forward',
        done: 'etcd snapshot of the deployed etcd through the port-forward, as the least-RBAC ServiceAccount',
        action: `wrote a verified snapshot: etcd's sha256 matched, ${b.keys} keys at revision ${b.revision} equal to the census at that revision`,
        dataLost: 'none',
      });
    } finally {
      await access.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // kwok is the kubelet that serves the forward: stopping it cuts the stream, and new forwards
  // fail until it is back. The cut comes after a few reads, so part of the census is done.
  async function censusAcrossKwokRestart(client: EtcdClient, revision: number, downMs: number) {
    const base = clientKeyReader(client);
    let calls = 0;
    let restart: Promise<void> | undefined;
    const reader: KeyRangeReader = {
      async readRange(q) {
        if (++calls === 8) {
          restart = env().cluster.restartComponent('kwok', downMs);
          await new Promise((r) => setTimeout(r, 1500)); // kwok is stopped by now
        }
        return base.readRange(q);
      },
    };
    const retries: string[] = [];
    let bucketsDone = 0;
    const t0 = performance.now();
    const outcome = await readCensus(reader, {
      revision,
      onBucketRetry: (i) => retries.push(i.error),
      onProgress: (p) => {
        bucketsDone = p.bucketsDone;
      },
    }).then(
      (c) => ({ c }),
      (e: Error) => ({ error: e.message }),
    );
    const seconds = (performance.now() - t0) / 1000;
    expect(restart, 'the census ended before the cut').toBeDefined();
    await restart;
    return { outcome, retries, bucketsDone, seconds };
  }

  it('a port-forward cut in the middle of a census (kwok down 4 s) ends in a correct census or a clear error, never wrong counts', async () => {
    const access = await openForward(actionKc);
    try {
      const expected = await readCensus(access.client);
      const { outcome, retries, bucketsDone, seconds } = await censusAcrossKwokRestart(
        access.client,
        expected.revision,
        4000,
      );
      if ('c' in outcome) {
        expect(outcome.c).toEqual(expected);
        expect(outcome.c).toEqual({ ...(await directCounts(expected.revision)), revision: expected.revision });
      } else {
        expect(outcome.error).toMatch(/not reachable/);
        expect(outcome.error).toContain(`pod ${NS}/${POD}`);
        expect(outcome.error).toContain('port-forward');
      }
      console.log(
        `[measure] census across a kwok restart (down 4 s): ${'c' in outcome ? `correct, ${outcome.c.total} keys` : `error: ${outcome.error}`}; ${retries.length} bucket retries; ${bucketsDone} buckets done; ${seconds.toFixed(2)} s`,
      );
      recordScenario({
        group: 'Faults',
        scenario: 'port-forward cut during census',
        done: 'restarted kwok (the kubelet serving the port-forward) for 4 s in the middle of a census',
        action:
          'c' in outcome
            ? `reconnected${retries.length ? ` and read ${retries.length} range(s) again` : ''}; census equal to the etcd read directly`
            : `stopped with: ${outcome.error.slice(0, 160)}`,
        dataLost: 'none',
      });
      // The same forward works again once kwok is back.
      expect((await readCensus(access.client, { revision: expected.revision })).total).toBe(expected.total);
    } finally {
      await access.close();
    }
  });

  it('a port-forward down for longer than the retries (kwok down 15 s) ends the census with an error naming the pod, not with partial counts', async () => {
    const access = await openForward(actionKc);
    try {
      const expected = await readCensus(access.client);
      const { outcome, retries, bucketsDone, seconds } = await censusAcrossKwokRestart(
        access.client,
        expected.revision,
        15_000,
      );
      expect(outcome).not.toHaveProperty('c');
      const error = 'error' in outcome ? outcome.error : '';
      expect(error).toContain(`etcd in pod ${NS}/${POD} (through a port-forward) is not reachable`);
      expect(error).toMatch(
        /Gave up after \d+ attempts\. Check that the etcd pod is running and the port-forward is up\./,
      );
      expect(retries.length).toBeGreaterThan(0); // each cut bucket was tried again before giving up
      expect(bucketsDone).toBeLessThan(30);
      console.log(
        `[measure] census across a kwok restart (down 15 s): failed after ${seconds.toFixed(2)} s, ${retries.length} bucket retries, ${bucketsDone} of 30 buckets done`,
      );
      recordScenario({
        group: 'Faults',
        scenario: 'port-forward down during census',
        done: 'stopped kwok (the kubelet serving the port-forward) for 15 s in the middle of a census',
        action: `stopped after ${Math.round(seconds)} s with "etcd in pod <ns>/<release>-etcd-0 (through a port-forward) is not reachable ... Check that the etcd pod is running and the port-forward is up"; no counts reported`,
        dataLost: 'none',
      });
      expect((await readCensus(access.client, { revision: expected.revision })).total).toBe(expected.total);
    } finally {
      await access.close();
    }
  });
});
