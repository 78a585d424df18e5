// Hardening on a real cluster: credentials in a release's values reach no log, summary or output of
// plan; a run whose lock another run took over stops at its next step naming that run; the etcdctl
// exec fallback does not take a stream that closed before etcdctl's exit status for a finished read;
// gitops-paused: true checked against the HelmRelease or Application the cluster holds.
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
import YAML from 'yaml';
import {
  errorLine,
  explain,
  inputsFor,
  lostGroups,
  namespaceSnapshot,
  runAction,
  useSharedCluster,
  type DemoVCluster,
} from './harness.ts';
import { helmHistory } from './release-objects.ts';
import { readControllerObject } from '../../src/adapters/kube/controller-objects.ts';
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

// Stand-ins for Flux's and Argo CD's CRDs: the names and versions the action reads, an open schema,
// and no controller behind them (the action only reads spec.suspend and spec.syncPolicy.automated).
const crd = (group: string, kind: string, plural: string, versions: string[]) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
    versions: versions.map((name, i) => ({
      name,
      served: true,
      storage: i === 0,
      // client-node's serializer knows the field by this name only (x-kubernetes-... is dropped).
      schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
    })),
  },
});

const RBAC_GITOPS = join(import.meta.dirname, '..', '..', 'examples', 'rbac-gitops.yaml');

describe("gitops-paused: true checked against the controller's object in the cluster", () => {
  const FLUX_NS = 'flux-system';
  const ARGO_NS = 'argocd';
  const custom = () => env().cluster.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  const FLUX = { group: 'helm.toolkit.fluxcd.io', version: 'v2', namespace: FLUX_NS, plural: 'helmreleases' };
  const ARGO = { group: 'argoproj.io', version: 'v1alpha1', namespace: ARGO_NS, plural: 'applications' };

  async function installCrds(): Promise<void> {
    const ext = env().cluster.kubeConfig.makeApiClient(k8s.ApiextensionsV1Api);
    const crds = [
      crd('helm.toolkit.fluxcd.io', 'HelmRelease', 'helmreleases', ['v2', 'v2beta2', 'v2beta1']),
      crd('argoproj.io', 'Application', 'applications', ['v1alpha1']),
    ];
    for (const body of crds) await ext.createCustomResourceDefinition({ body });
    await until('the HelmRelease and Application CRDs established', async () => {
      const names = crds.map((c) => c.metadata.name);
      const l = await ext.listCustomResourceDefinition();
      return (
        l.items.filter(
          (c) =>
            names.includes(c.metadata?.name ?? '') &&
            c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'),
        ).length === names.length
      );
    });
    for (const ns of [FLUX_NS, ARGO_NS]) await namespace(ns);
  }

  /** examples/rbac-gitops.yaml for the action's ServiceAccount of `d`, and waits until the authorizer answers with it. */
  async function grantGitopsRead(d: DemoVCluster): Promise<void> {
    const api = k8s.KubernetesObjectApi.makeApiClient(env().cluster.kubeConfig);
    const docs = YAML.parseAllDocuments(readFileSync(RBAC_GITOPS, 'utf8').replaceAll('vcluster-demo', d.namespace));
    for (const doc of docs) {
      const o = doc.toJSON() as k8s.KubernetesObject & { metadata: { name: string } };
      // One binding per demo: both demos' ServiceAccounts are bound in the same namespaces.
      if (o.kind === 'RoleBinding') o.metadata.name = `${o.metadata.name}-${d.release}`;
      await api.create(o).catch((e: { code?: number }) => {
        if (e.code !== 409) throw e;
      });
    }
    const authz = env().cluster.kubeConfig.makeApiClient(k8s.AuthorizationV1Api);
    const user = `system:serviceaccount:${d.namespace}:vcluster-etcd-migrate`;
    await until(`get helmreleases allowed for ${user}`, async () => {
      const r = await authz.createSubjectAccessReview({
        body: {
          spec: {
            user,
            groups: ['system:serviceaccounts'],
            resourceAttributes: {
              verb: 'get',
              group: 'helm.toolkit.fluxcd.io',
              resource: 'helmreleases',
              namespace: FLUX_NS,
            },
          },
        },
      });
      return r.status?.allowed === true;
    });
  }

  /** Flux helm-controller's labels on the release's objects (Helm keeps labels it did not set). */
  async function markFlux(d: DemoVCluster): Promise<void> {
    const body = {
      metadata: { labels: { 'helm.toolkit.fluxcd.io/name': d.release, 'helm.toolkit.fluxcd.io/namespace': FLUX_NS } },
    };
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    await env().apps.patchNamespacedDeployment({ name: d.release, namespace: d.namespace, body }, merge);
    await env().apps.patchNamespacedStatefulSet({ name: `${d.release}-etcd`, namespace: d.namespace, body }, merge);
  }

  const helmRelease = (name: string, suspend: boolean) =>
    custom().createNamespacedCustomObject({
      ...FLUX,
      body: {
        apiVersion: 'helm.toolkit.fluxcd.io/v2',
        kind: 'HelmRelease',
        metadata: { name, namespace: FLUX_NS },
        spec: { interval: '5m', suspend, chart: { spec: { chart: 'vcluster', version: '0.27.0' } } },
      },
    });

  /** The summary as text: Markdown escapes and the code marks around names removed. */
  const plain = (md: string): string =>
    md.replace(/`/g, '').replace(/\\(.)/g, '$1').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  /**
   * What a run that changed nothing leaves as it was: every object of the namespace by
   * resourceVersion, except the control-plane Deployment, whose status its controller may still be
   * writing after the test's own patch of its metadata; of that one, its generation (any change to
   * its spec moves it). And helm's revisions.
   */
  async function untouched(d: DemoVCluster) {
    const snapshot = await namespaceSnapshot(env(), d.namespace);
    delete snapshot[`deployment/${d.release}`];
    const deployment = await env().apps.readNamespacedDeployment({ name: d.release, namespace: d.namespace });
    return { snapshot, generation: deployment.metadata?.generation, revisions: await helmHistory(d) };
  }
  const gitops = (d: DemoVCluster, phase: string) => inputsFor(d, phase, { 'gitops-paused': 'true' });

  it('a suspended HelmRelease lets migrate go ahead; one not suspended, or an Application with automated sync, is refused naming it, nothing changed; one the credentials may not read is taken on trust, said in bold', async () => {
    // The adapter against the real API server: no CRD, no object, not allowed, each said as such.
    const hrRef = {
      kind: 'HelmRelease',
      group: 'helm.toolkit.fluxcd.io',
      plural: 'helmreleases',
      namespace: FLUX_NS,
      name: 'gpaused',
    } as const;
    expect(await readControllerObject(env().cluster.kubeConfig, hrRef)).toMatchObject({
      state: 'absent',
      why: "this cluster serves no HelmRelease API (helm.toolkit.fluxcd.io v2, v2beta2, v2beta1): the controller's CRD is not installed here",
    });
    await installCrds();
    expect(await readControllerObject(env().cluster.kubeConfig, hrRef)).toMatchObject({
      state: 'absent',
      why: `there is no HelmRelease ${FLUX_NS}/gpaused in this cluster`,
    });
    const paused = await env().demo({ namespace: 'e2e-gitops-paused', release: 'gpaused' });
    const running = await env().demo({ namespace: 'e2e-gitops-running', release: 'grunning' });
    for (const d of [paused, running]) await markFlux(d);
    await helmRelease(paused.release, true);
    await helmRelease(running.release, false);

    // Not yet allowed to read it: plan says the pause is not verified, in the permissions check and in bold.
    const unread = await runAction(gitops(running, 'plan'));
    expect(unread.outputs.status, explain(unread)).toBe('planned');
    const forbidden = `the credentials may not get helmreleases.helm.toolkit.fluxcd.io in namespace ${FLUX_NS}`;
    expect(plain(unread.summary), explain(unread)).toContain(
      `**Managed by Flux (HelmRelease ${FLUX_NS}/${running.release}): its pause is not verified (${forbidden}); going ahead because gitops-paused: true says it is paused.`,
    );
    expect(plain(unread.summary)).toContain(
      "(optional: without it the GitOps controller's pause is not verified; examples/rbac-gitops.yaml grants that read)",
    );

    const saConfig = new k8s.KubeConfig();
    saConfig.loadFromString(running.kubeconfig);
    expect(await readControllerObject(saConfig, { ...hrRef, name: running.release })).toMatchObject({
      state: 'forbidden',
      why: expect.stringContaining(forbidden),
    });

    for (const d of [paused, running]) await grantGitopsRead(d);
    expect(await readControllerObject(saConfig, { ...hrRef, name: running.release })).toMatchObject({
      state: 'read',
      version: 'v2',
      spec: { suspend: false },
    });

    // Not suspended: refused before anything changes, naming the HelmRelease and how to suspend it.
    const before = await untouched(running);
    const refused = await runAction(gitops(running, 'migrate'));
    expect(refused.code, explain(refused)).not.toBe(0);
    expect(refused.outputs.status, explain(refused)).toBe('refused');
    expect(errorLine(refused), explain(refused)).toContain(
      `gitops-paused: true, but Flux HelmRelease ${FLUX_NS}/${running.release} is not paused (spec.suspend is false)`,
    );
    expect(errorLine(refused)).toContain(`flux suspend helmrelease ${running.release} -n ${FLUX_NS}`);
    expect(await untouched(running)).toEqual(before);

    // The HelmRelease suspended now, but Argo CD manages the release too, with automated sync.
    await custom().patchNamespacedCustomObject(
      { ...FLUX, name: running.release, body: { spec: { suspend: true } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await custom().createNamespacedCustomObject({
      ...ARGO,
      body: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: running.release, namespace: ARGO_NS },
        spec: { project: 'default', syncPolicy: { automated: { prune: true, selfHeal: true } } },
      },
    });
    await env().apps.patchNamespacedDeployment(
      {
        name: running.release,
        namespace: running.namespace,
        body: {
          metadata: {
            annotations: {
              'argocd.argoproj.io/tracking-id': `${running.release}:apps/Deployment:${running.namespace}/${running.release}`,
            },
          },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const argoBefore = await untouched(running);
    const argo = await runAction(gitops(running, 'migrate'));
    expect(argo.outputs.status, explain(argo)).toBe('refused');
    expect(errorLine(argo), explain(argo)).toContain(
      `gitops-paused: true, but Argo CD Application ${ARGO_NS}/${running.release} is not paused (spec.syncPolicy.automated is set (automated sync is on))`,
    );
    expect(errorLine(argo)).toContain(`argocd app set ${ARGO_NS}/${running.release} --sync-policy none`);
    expect(errorLine(argo)).not.toContain('flux suspend');
    expect(await untouched(running)).toEqual(argoBefore);

    // Suspended: migrate goes ahead and says in bold what it read.
    const deployed = await paused.standIn.keyCounts('deployed');
    const m = await runAction(gitops(paused, 'migrate'));
    expect(m.code, explain(m)).toBe(0);
    expect(m.outputs.status, explain(m)).toBe('succeeded');
    expect(plain(m.summary)).toContain(
      `**Managed by Flux: HelmRelease ${FLUX_NS}/${paused.release} is paused, read from the cluster (spec.suspend: true).`,
    );
    expect(await lostGroups(paused, deployed)).toEqual([]);
    recordScenario({
      group: GROUP,
      scenario: 'gitops-paused: true against the controller object',
      done: `stand-in CRDs for Flux's HelmRelease and Argo CD's Application (no controller); Flux labels on two releases; HelmRelease suspended for one, not for the other; plan before examples/rbac-gitops.yaml was bound; migrate with gitops-paused: true; then the HelmRelease suspended and an Application with automated sync added`,
      action: `plan said in bold the pause is not verified (RBAC); migrate refused in ${(refused.ms / 1000).toFixed(1)} s naming HelmRelease ${FLUX_NS}/<release> and the flux suspend command, then naming Application ${ARGO_NS}/<release> and the argocd command, nothing changed; with the HelmRelease suspended migrate succeeded in ${(m.ms / 1000).toFixed(1)} s saying in bold it read spec.suspend: true`,
      dataLost: 'none (no object of the refused release changed; the migrated one holds every key)',
    });
  });
});
