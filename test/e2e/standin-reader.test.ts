// The vCluster stand-in's part of the abort contract: once the control plane is stopped (StatefulSet
// <release> at 0, pod <release>-0 gone), a reader pod labelled app=vcluster-etcd-migrate-reader that
// mounts data-<release>-0 gets a real etcd on the embedded etcd's data, reached as the action reaches
// every etcd (port-forward to port 2379, client certificate from <release>-certs), Ready once it
// serves, and stopped when the pod is deleted; the control plane then starts again on the same data.
import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { openPodEtcd } from '../../src/adapters/etcd/access.ts';
import { certsFromSecretData } from '../../src/adapters/etcd/certs.ts';
import { EtcdClient } from '../../src/adapters/etcd/client.ts';
import { gateway } from '../../sandbox/keyspace.ts';
import { explain, inputsFor, runAction, useSharedCluster, type DemoVCluster } from './harness.ts';

const env = useSharedCluster();
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** The reader pod as the contract describes it (image and command as the action builds them). */
function readerPod(d: DemoVCluster, image: string): k8s.V1Pod {
  return {
    metadata: {
      name: `${d.release}-embedded-etcd-reader`,
      namespace: d.namespace,
      labels: { app: 'vcluster-etcd-migrate-reader', release: d.release },
      annotations: { 'vcluster-etcd-migrate/run-id': 'e2e' },
    },
    spec: {
      containers: [
        {
          name: 'etcd',
          image,
          command: [
            'etcd',
            '--data-dir=/data/etcd',
            '--listen-client-urls=https://127.0.0.1:2379',
            '--advertise-client-urls=https://127.0.0.1:2379',
            '--listen-peer-urls=http://127.0.0.1:2380',
            '--cert-file=/certs/etcd-server.crt',
            '--key-file=/certs/etcd-server.key',
            '--client-cert-auth',
            '--trusted-ca-file=/certs/etcd-ca.crt',
          ],
          volumeMounts: [
            { name: 'data', mountPath: '/data' },
            { name: 'certs', mountPath: '/certs', readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: `data-${d.release}-0` } },
        { name: 'certs', secret: { secretName: `${d.release}-certs` } },
      ],
    },
  };
}

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("the stand-in's reader pod on the embedded etcd's data", () => {
  it('serves the embedded data (writes made after phase one included) while the control plane is stopped', async () => {
    const e = env();
    const d = await e.demo({ namespace: 'e2e-reader', release: 'rd' });
    const m = await runAction(inputsFor(d, 'migrate', { timeout: '5m', 'migration-timeout': '5m' }));
    expect(m.code, explain(m)).toBe(0);
    // A write through the virtual cluster after phase one: only the embedded etcd has it.
    await gateway(d.standIn.etcdTls('embedded')!, '/v3/kv/put', {
      key: b64('/registry/configmaps/default/after-phase-one'),
      value: b64('kept'),
    });
    const embeddedKeys = [...(await d.standIn.keyCounts('embedded')).values()].reduce((a, b) => a + b, 0);

    // Stop writes as abort does: scale the control plane to 0 and wait until its pod is gone.
    await e.apps.patchNamespacedStatefulSetScale(
      { name: d.release, namespace: d.namespace, body: { spec: { replicas: 0 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await d.standIn.waitForHistory((h) => h.some((l) => l.includes('embedded etcd stopped: pod gone')), 90_000);

    const sts = await e.apps.readNamespacedStatefulSet({ name: `${d.release}-etcd`, namespace: d.namespace });
    const image = sts.spec!.template.spec!.containers.find((c) => c.name === 'etcd')!.image!;
    const pod = readerPod(d, image);
    await e.core.createNamespacedPod({ namespace: d.namespace, body: pod });
    const name = pod.metadata!.name!;
    await until('reader pod Ready', async () => {
      const p = await e.core.readNamespacedPod({ name, namespace: d.namespace });
      return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
    });
    expect(d.standIn.history.join('\n')).toContain(`reader etcd started for pod ${name} on the data of data-rd-0`);

    const secret = await e.core.readNamespacedSecret({ name: `${d.release}-certs`, namespace: d.namespace });
    const certs = certsFromSecretData(secret.data ?? {}, `${d.release}-certs`);
    const etcd = await openPodEtcd(e.cluster.kubeConfig, {
      namespace: d.namespace,
      pod: name,
      certs,
      allowExecFallback: false,
    });
    try {
      const c = etcd.client as EtcdClient;
      const all = await c.count(Buffer.from([0]), Buffer.from([0]));
      expect(all.count).toBe(embeddedKeys);
      const kept = await c.range({ key: Buffer.from('/registry/configmaps/default/after-phase-one') });
      expect(kept.kvs.map((kv) => Buffer.from(kv.value).toString())).toEqual(['kept']);
    } finally {
      await etcd.close();
    }

    // The control plane cannot start on the data while the reader holds it; it does once the reader is gone.
    const startedBefore = d.standIn.history.filter((l) => l.includes('embedded etcd started on migrated data')).length;
    await e.apps.patchNamespacedStatefulSetScale(
      { name: d.release, namespace: d.namespace, body: { spec: { replicas: 1 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await e.core.deleteNamespacedPod({ name, namespace: d.namespace });
    await d.standIn.waitForHistory((h) => h.some((l) => l.includes(`reader etcd stopped: pod ${name} gone`)), 60_000);
    await d.standIn.waitForHistory(
      (h) => h.filter((l) => l.includes('embedded etcd started on migrated data')).length > startedBefore,
      90_000,
    );
    const after = [...(await d.standIn.keyCounts('embedded')).values()].reduce((a, b) => a + b, 0);
    expect(after).toBe(embeddedKeys);
  });
});
