// Hardening on a real cluster: credentials in a release's values reach no log, summary or output of
// plan; a run whose lock another run took over stops at its next step naming that run; the etcdctl
// exec fallback does not take a stream that closed before etcdctl's exit status for a finished read.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { Kube } from '../../src/adapters/kube/kube.ts';
import { StateStore } from '../../src/adapters/kube/state-store.ts';
import { step, type PhaseDeps } from '../../src/phases/steps/deps.ts';
import { newReport } from '../../src/report/report.ts';
import { STATE_KEY, stateConfigMapName, type StateRecord } from '../../src/core/migration/state.ts';
import { execEtcdctlReader } from '../../src/adapters/etcd/access.ts';
import { NODE_NAME } from '../../sandbox/cluster.ts';
import { recordScenario } from '../support/reliability.ts';
import { assertNoSecretLeak } from '../support/secret-scan.ts';
import { explain, inputsFor, runAction, useSharedCluster } from './harness.ts';
import { randomBytes } from 'node:crypto';

const env = useSharedCluster();
const GROUP = 'Faults';
const scratch = mkdtempSync(join(tmpdir(), 'lock-and-exec-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function namespace(name: string): Promise<void> {
  await env().core.createNamespace({ body: { metadata: { name } } });
  // Pods need the namespace's default ServiceAccount, which the controller manager creates.
  await until(`ServiceAccount default in ${name}`, () =>
    env()
      .core.readNamespacedServiceAccount({ name: 'default', namespace: name })
      .then(
        () => true,
        () => false,
      ),
  );
}

/** Polls a condition the test can observe (a file, an object), never a fixed time. */
async function until(what: string, fn: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('release values holding credentials', () => {
  it('plan shows only the keys the migration sets: no secret in the log, the summary or an output', async () => {
    const hex = (n: number) => randomBytes(n).toString('hex');
    const s = {
      aws: `wJalrXUtnFEMI${hex(15)}`,
      auth: `robot:${hex(15)}`,
      nested: `nested-${hex(15)}`,
      b64: Buffer.from(`db-password-${hex(15)}`).toString('base64'),
      block: `token: blk${hex(15)}`,
    };
    const d = await env().demo({
      namespace: 'e2e-secret-values',
      release: 'sv',
      set: [
        'plugins.sidecar.env[0].name=AWS_SECRET_ACCESS_KEY',
        `plugins.sidecar.env[0].value=${s.aws}`,
        `integrations.registry.auth=${s.auth}`,
        `global.pull.dockerconfigjson=${s.b64}`,
        `experimental.a.b.c.d.e.value=${s.nested}`,
        `exportKubeConfig.note=first line\n${s.block}\nlast line`,
      ],
    });
    const r = await runAction(inputsFor(d, 'plan'));
    expect(r.outputs.status, explain(r)).toBe('planned');
    expect(r.summary).toContain('migrateFromDeployedEtcd: true');
    expect(r.summary).toMatch(
      /Not shown: the release's own values, carried unchanged \(\d+ values\); their digest is `sha256:[0-9a-f]{64}`/,
    );
    assertNoSecretLeak({ stdout: r.stdout, stderr: r.stderr, summary: r.summary, outputs: r.outputs }, [
      s.aws,
      s.auth,
      s.nested,
      s.b64,
      s.block,
      Buffer.from(s.b64, 'base64').toString(),
    ]);
    recordScenario({
      group: 'Hostile input',
      scenario: 'credentials in the release values, phase plan on a cluster',
      done: 'release installed with an AWS key in an env list, a registry auth string, base64 data, a value nested six deep and a token in a multi-line string; phase plan',
      action:
        'planned; the summary shows only the keys the migration sets and a digest of the rest; no secret in the log, summary or 12 outputs',
      dataLost: 'none',
    });
  });
});

describe('the migration lock', () => {
  it('a run whose lock was taken over stops at its next step, naming the run that holds it', async () => {
    const ns = 'e2e-lock-lost';
    await namespace(ns);
    const kube = new Kube(env().cluster.kubeConfig);
    const store = new StateStore(kube, ns, 'vc', 'run-a');
    await store.lock('migrate');
    const report = newReport('vc', ns, 'migrate');
    const d = {
      store,
      report,
      log: { info: () => {}, warning: () => {}, group: (_n: string, fn: () => Promise<unknown>) => fn() },
    } as unknown as PhaseDeps;
    await step(d, 'census of the deployed etcd', async () => 1);

    // Another run takes the lock over (as it may once run-a's renewals stopped for LOCK_STALE_MS).
    const name = stateConfigMapName('vc');
    const cm = await env().core.readNamespacedConfigMap({ name, namespace: ns });
    const st = JSON.parse(cm.data![STATE_KEY]!) as StateRecord;
    const now = new Date().toISOString();
    st.lock = { runId: 'run-b-1-migrate', phase: 'migrate', acquiredAt: now, renewedAt: now };
    await env().core.replaceNamespacedConfigMap({
      name,
      namespace: ns,
      body: { ...cm, data: { [STATE_KEY]: JSON.stringify(st) } },
    });

    // run-a's next renewal (the timer calls the same method) finds the other holder.
    await store.renew('migrate');
    let ran = false;
    const stopped = await step(d, 'backup of the deployed etcd', async () => {
      ran = true;
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(ran).toBe(false);
    expect(stopped?.message).toMatch(
      /the migration lock of vc was taken over by run run-b-1-migrate \(phase migrate, since .*\); this run stopped/,
    );
    expect(report.steps.at(-1)).toMatchObject({ name: 'backup of the deployed etcd', state: 'failed' });
    // Nor does it write the record any more, or release the other run's lock.
    await expect(store.update((s) => ({ ...s, history: [] }))).rejects.toThrow(/taken over by run run-b-1-migrate/);
    await store.unlock();
    const after = JSON.parse(
      (await env().core.readNamespacedConfigMap({ name, namespace: ns })).data![STATE_KEY]!,
    ) as StateRecord;
    expect(after.lock?.runId).toBe('run-b-1-migrate');
    recordScenario({
      group: GROUP,
      scenario: 'lock taken over while a run holds it',
      done: "while run A held the migration lock, run B's lock was written into the state ConfigMap; A's next renewal ran",
      action:
        'A stopped before its next step ("the migration lock of vc was taken over by run run-b-1-migrate …"), wrote nothing more and left B\'s lock in place',
      dataLost: 'none',
    });
  });
});

describe('the etcdctl exec fallback', () => {
  it("a stream that closes before etcdctl's exit status is an error, not a count", async () => {
    const ns = 'e2e-exec-cut';
    await namespace(ns);
    const held = join(scratch, 'held');
    // This file's cluster only: etcdctl prints a plausible answer, says so, and does not exit.
    const etcdctl = join(env().cluster.podBinDir, 'etcdctl');
    const original = readFileSync(etcdctl, 'utf8');
    writeFileSync(
      etcdctl,
      `#!/usr/bin/env bash\necho '{"header":{"revision":7},"count":0,"kvs":[]}'\ntouch ${JSON.stringify(held)}\nexec sleep 120\n`,
    );
    chmodSync(etcdctl, 0o755);
    try {
      await env().core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name: 'etcd-0' },
          spec: { nodeName: NODE_NAME, containers: [{ name: 'etcd', image: 'registry.k8s.io/etcd:3.5.21-0' }] },
        },
      });
      await until(
        'pod etcd-0 Running',
        async () => (await env().core.readNamespacedPod({ name: 'etcd-0', namespace: ns })).status?.phase === 'Running',
      );
      const custom = env().cluster.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
      await custom.createNamespacedCustomObject({
        group: 'kwok.x-k8s.io',
        version: 'v1alpha1',
        namespace: ns,
        plural: 'execs',
        body: {
          apiVersion: 'kwok.x-k8s.io/v1alpha1',
          kind: 'Exec',
          metadata: { name: 'etcd-0', namespace: ns },
          spec: { execs: [{ containers: ['etcd'], local: { workDir: scratch } }] },
        },
      });
      const reader = execEtcdctlReader(env().cluster.kubeConfig, {
        namespace: ns,
        pod: 'etcd-0',
        allowExecFallback: true,
        certs: { source: 'etcd-server' } as never,
      });
      const read = reader
        .readRange({ key: Buffer.from([1]), rangeEnd: Buffer.from([2]), limit: 0, revision: 0, countOnly: true })
        .then(
          (r) => ({ ok: true as const, r }),
          (e: Error) => ({ ok: false as const, e }),
        );
      await until('etcdctl printed its answer and is held', () => existsSync(held));
      // The API server goes away: the exec stream closes without a status frame. (A kwok restart
      // is no cut: kwok sends a Success frame for the command it stops.)
      await env().cluster.restartApiServer(0);
      const result = await read;
      expect(result.ok, result.ok ? `resolved as a success: ${JSON.stringify(result.r)}` : '').toBe(false);
      expect(!result.ok && result.e.message).toMatch(
        /the stream closed before etcdctl's exit status arrived; its output is not trusted/,
      );
      recordScenario({
        group: GROUP,
        scenario: "exec stream cut before etcdctl's exit status",
        done: 'census read by etcdctl over exec; etcdctl printed a count of 0 and was held; kube-apiserver restarted, closing the stream',
        action:
          'the read failed ("the stream closed before etcdctl\'s exit status arrived"); the printed count was not used',
        dataLost: 'none',
      });
    } finally {
      writeFileSync(etcdctl, original);
    }
  });
});
