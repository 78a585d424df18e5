// Shared local cluster for one e2e test file (beforeAll/afterAll), demo vClusters on it, and the
// action run as GitHub runs it. Each file gets its own cluster; tests in a file use their own
// namespaces so they do not depend on each other's leftovers.
import { lostGroups as lostGroupsBetween } from '../../sandbox/keyspace.ts';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { startHoldProxy, type HoldProxy } from '../../sandbox/api-hold-proxy.ts';
import { LOCK_STALE_MS } from '../../src/core/migration/state.ts';
import { startCluster, type Cluster } from '../../sandbox/cluster.ts';
import { waitFor } from '../../sandbox/processes.ts';
import { contradictions } from '../support/summary-consistency.ts';
import { runAction as run, type ActionResult, type RunActionOptions } from '../../sandbox/action-runner.ts';
import {
  FIXTURE_CHART,
  describeNamespace,
  installDemoVCluster,
  type DemoOptions,
  type DemoVCluster,
} from '../../sandbox/vcluster-release.ts';

export { FIXTURE_CHART };

const LOG_NOISE = /missing content for CA bundle .*requestheader-client-ca-file/;
export type { ActionResult, DemoVCluster };

export interface E2E {
  cluster: Cluster;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  demo(o: DemoOptions): Promise<DemoVCluster>;
}

/** Starts one cluster for the calling test file; the returned getter is valid inside tests. */
export function useSharedCluster(): () => E2E {
  let e2e: E2E | undefined;
  const demos: DemoVCluster[] = [];
  beforeAll(async () => {
    const cluster = await startCluster();
    e2e = {
      cluster,
      core: cluster.kubeConfig.makeApiClient(k8s.CoreV1Api),
      apps: cluster.kubeConfig.makeApiClient(k8s.AppsV1Api),
      async demo(o) {
        const d = await installDemoVCluster(cluster, o);
        demos.push(d);
        return d;
      },
    };
  });
  // A failed test prints what the cluster showed, so a failure in CI can be read without rerunning:
  // the test's namespaces, the stand-in's history, dead components, the scheduler and controller logs.
  let demosBefore = 0;
  afterEach(async (ctx) => {
    const mine = demos.slice(demosBefore);
    demosBefore = demos.length;
    if (ctx.task.result?.state !== 'fail' || !e2e) return;
    const tail = (name: string) => {
      const f = join(e2e!.cluster.dir, 'logs', `${name}.log`);
      if (!existsSync(f)) return '(no log)';
      // The sandbox runs without a request-header CA, and the scheduler and controller manager
      // complain about it every few seconds; left in, those lines fill the whole tail.
      return readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => !LOG_NOISE.test(l))
        .slice(-25)
        .join('\n');
    };
    const parts = [`dead components: ${e2e.cluster.deadComponents().join(', ') || 'none'}`];
    for (const d of mine) {
      parts.push(
        `--- namespace ${d.namespace}`,
        await describeNamespace(e2e.core, d.namespace),
        '--- stand-in',
        d.standIn.history.slice(-25).join('\n'),
      );
    }
    for (const c of ['kube-scheduler', 'kube-controller-manager', 'kwok']) parts.push(`--- ${c} log (tail)`, tail(c));
    console.error(`cluster at the failure of "${ctx.task.name}":\n${parts.join('\n')}`);
  });
  afterAll(async () => {
    for (const d of demos) await d.standIn.stop();
    await e2e?.cluster.stop();
  });
  return () => {
    if (!e2e) throw new Error('the shared cluster is not started (beforeAll failed?)');
    return e2e;
  };
}

/** The inputs of a run against a demo vCluster: fixture chart 0.27.0, its ServiceAccount kubeconfig. */
export function inputsFor(d: DemoVCluster, phase: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    release: d.release,
    namespace: d.namespace,
    'chart-version': '0.27.0',
    chart: FIXTURE_CHART,
    kubeconfig: d.kubeconfig,
    phase,
    'approval-environment': 'production',
    'require-approval': 'false',
    timeout: '2m',
    'migration-timeout': '2m',
    ...extra,
  };
}

/** The first ::error:: message the runner shows, decoded ('' when there is none). */
export const errorLine = (r: ActionResult): string => r.errors[0] ?? '';

/**
 * The built action run as a workflow runs it. Every run's summary that the action finished is read
 * for contradictions, so each end state an e2e test produces is checked for them.
 */
export async function runAction(inputs: Record<string, string>, opts?: RunActionOptions): Promise<ActionResult> {
  const r = await run(inputs, opts);
  if (r.killed) return r;
  const found = contradictions(r);
  if (found.length > 0)
    throw new Error(
      `the ${inputs.phase ?? 'plan'} run's summary contradicts itself:\n- ${found.join('\n- ')}\n--- summary\n${r.summary}`,
    );
  return r;
}

/** Name → resourceVersion of the objects a migration may change, to prove that a run changed nothing. */
export async function namespaceSnapshot(e: E2E, ns: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const add = (kind: string, items: Array<{ metadata?: k8s.V1ObjectMeta }>) => {
    for (const i of items) out[`${kind}/${i.metadata?.name}`] = i.metadata?.resourceVersion ?? '';
  };
  add('statefulset', (await e.apps.listNamespacedStatefulSet({ namespace: ns })).items);
  add('deployment', (await e.apps.listNamespacedDeployment({ namespace: ns })).items);
  add('service', (await e.core.listNamespacedService({ namespace: ns })).items);
  add('configmap', (await e.core.listNamespacedConfigMap({ namespace: ns })).items);
  add('secret', (await e.core.listNamespacedSecret({ namespace: ns })).items);
  add('pvc', (await e.core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items);
  return out;
}

export async function exists(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return true;
  } catch (e) {
    if ((e as { code?: number }).code === 404) return false;
    throw e;
  }
}

/** A copy of the fixture chart in a new directory under `parent`, as chart (and app) version `version`. */
export function fixtureChartAs(parent: string, version: string): string {
  const dir = join(mkdtempSync(join(parent, 'chart-')), 'vcluster');
  cpSync(FIXTURE_CHART, dir, { recursive: true });
  const chartFile = join(dir, 'Chart.yaml');
  writeFileSync(
    chartFile,
    readFileSync(chartFile, 'utf8')
      .replace(/^version: .*$/m, `version: ${version}`)
      .replace(/^appVersion: .*$/m, `appVersion: ${version}`),
  );
  return dir;
}

/**
 * A copy of the fixture chart as version 0.26.0 whose etcd volumeClaimTemplates differ from
 * 0.27.0's: upgrading from it makes the API server refuse the etcd StatefulSet patch with
 * `StatefulSet.apps "<release>-etcd" is invalid: spec: Forbidden`, as real chart upgrades can.
 */
export function olderChartWithOtherClaimTemplate(parent: string): string {
  const dir = fixtureChartAs(parent, '0.26.0');
  const sts = join(dir, 'templates', 'etcd-statefulset.yaml');
  const text = readFileSync(sts, 'utf8');
  const marker = '  volumeClaimTemplates:\n    - metadata:\n        name: data\n';
  if (!text.includes(marker))
    throw new Error('fixture etcd StatefulSet template changed; update olderChartWithOtherClaimTemplate');
  writeFileSync(sts, text.replace(marker, `${marker}        labels:\n          app: vcluster-etcd\n`));
  return dir;
}

/** Non-volatile groups whose counts differ between `before` (the deployed etcd) and the embedded etcd, read directly. */
export async function lostGroups(d: DemoVCluster, before: Map<string, number>): Promise<string[]> {
  // kwok marks a restarted pod Ready on its own; the stand-in starts the embedded etcd on its next
  // poll (vCluster's readiness probe would wait for it). Give it that moment before reading.
  for (let i = 0; i < 50 && !d.standIn.etcdTls('embedded'); i++) await new Promise((r) => setTimeout(r, 200));
  return lostGroupsBetween(before, await d.standIn.keyCounts('embedded'));
}

/** What a test handed the action that must never come back out: the kubeconfig, its token, the etcd client key. */
export function secretsOf(d: DemoVCluster, extra: string[] = []): string[] {
  const token = (YAML.parse(d.kubeconfig) as { users: Array<{ user: { token: string } }> }).users[0]!.user.token;
  const tls = d.standIn.etcdTls('deployed') ?? d.standIn.etcdTls('embedded');
  return [d.kubeconfig, token, ...(tls ? [readFileSync(tls.key, 'utf8')] : []), ...extra];
}

/** A proxy in front of the shared cluster's API server that holds or refuses the requests a test names. */
export function holdProxy(e: E2E, tag = 'hold'): Promise<HoldProxy> {
  return startHoldProxy(mkdtempSync(join(e.cluster.dir, `${tag}-`)), e.cluster.server, e.cluster.caFile);
}

/** The requests a proxy saw, one per line, for assertion messages. */
export const proxiedRequests = (proxy: HoldProxy): string =>
  proxy.requests.map((r) => `${r.method} ${r.path} ${r.status ?? '-'}`).join('\n');

/** Waits until locks that killed runs left (renewed at these times) are stale: LOCK_STALE_MS without renewal, and a margin. */
export async function untilLocksStale(renewedAt: string[]): Promise<void> {
  const stale = Math.max(...renewedAt.map((t) => Date.parse(t))) + LOCK_STALE_MS + 3000;
  await new Promise((r) => setTimeout(r, Math.max(0, stale - Date.now())));
}

/**
 * What the refusal of a copy that lost keys tells a person to do (kubectl scale statefulset <release>
 * --replicas=0, delete PVC data-<release>-0, scale to 1), through the API: vCluster copies again on
 * its next start. The caller clears the stand-in's faults first if the copy is to be complete.
 */
export async function copyAgain(e: E2E, d: DemoVCluster): Promise<void> {
  const scale = (replicas: number) =>
    e.apps.replaceNamespacedStatefulSetScale({
      name: d.release,
      namespace: d.namespace,
      body: { metadata: { name: d.release, namespace: d.namespace }, spec: { replicas } },
    });
  await scale(0);
  await waitFor(
    'pod <release>-0 gone',
    async () => !(await exists(e.core.readNamespacedPod({ name: `${d.release}-0`, namespace: d.namespace }))),
    { timeoutMs: 60_000 },
  );
  await e.core.deleteNamespacedPersistentVolumeClaim({ name: `data-${d.release}-0`, namespace: d.namespace });
  await waitFor(
    'PVC data-<release>-0 gone',
    async () =>
      !(await exists(
        e.core.readNamespacedPersistentVolumeClaim({ name: `data-${d.release}-0`, namespace: d.namespace }),
      )),
    { timeoutMs: 60_000 },
  );
  await scale(1);
}

/** Seconds, as the Reliability rows give them. */
export const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** A run's exit, outputs and log tail, for assertion messages. */
export function explain(r: ActionResult): string {
  return `exit ${r.code}${r.killed ? ' (killed)' : ''}\n--- outputs\n${JSON.stringify({ ...r.outputs, 'summary-markdown': undefined }, null, 1)}\n--- stdout (tail)\n${r.stdout.split('\n').slice(-50).join('\n')}\n--- stderr\n${r.stderr.slice(-2000)}`;
}
