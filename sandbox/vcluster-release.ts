// One demo vCluster on the local cluster: the fixture chart installed with deployed etcd, the
// vCluster stand-in playing its control plane, and the action's ServiceAccount kubeconfig.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { binPath } from './bins.ts';
import type { Cluster } from './cluster.ts';
import { actionKubeconfig } from './service-account.ts';
import { REPO_ROOT } from './action-runner.ts';
import { createVClusterStandIn, type StandInFaults, type VClusterStandIn } from './vcluster-standin.ts';
import type { StoreCheckCode } from './vcluster-store-check.ts';

const run = promisify(execFile);
export const FIXTURE_CHART = join(REPO_ROOT, 'test', 'fixtures', 'vcluster-chart');

export interface DemoVCluster {
  namespace: string;
  release: string;
  standIn: VClusterStandIn;
  /** Kubeconfig content for the action's ServiceAccount (examples/rbac.yaml), not admin. */
  kubeconfig: string;
  /** Runs helm as cluster admin; resolves with stdout, rejects with helm's stderr. */
  helm(args: string[]): Promise<string>;
}

export interface DemoOptions {
  namespace: string;
  release: string;
  /** Extra `--set` values of the install (deploy.enabled=true is always set). */
  set?: string[];
  faults?: StandInFaults;
  /** Which vCluster code plays the store check (the stand-in's `storeCheck`; default before-0.33). */
  storeCheck?: StoreCheckCode;
  chart?: string;
}

export function helmAsAdmin(cluster: Cluster) {
  return async (args: string[]): Promise<string> => {
    try {
      const r = await run(binPath('helm'), args, {
        env: { ...process.env, KUBECONFIG: cluster.adminKubeconfig, HELM_NO_PLUGINS: '1' },
        maxBuffer: 64 << 20,
      });
      return r.stdout;
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new Error(`helm ${args.slice(0, 2).join(' ')} failed: ${err.stderr?.trim() || err.message}`);
    }
  };
}

export async function installDemoVCluster(cluster: Cluster, o: DemoOptions): Promise<DemoVCluster> {
  const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  try {
    await core.createNamespace({ body: { metadata: { name: o.namespace } } });
  } catch (e) {
    if ((e as { code?: number }).code !== 409) throw e;
  }
  const standIn = createVClusterStandIn({
    kubeconfig: cluster.adminKubeconfig,
    namespace: o.namespace,
    release: o.release,
    dir: join(cluster.dir, 'standin', o.namespace, o.release),
    faults: o.faults,
    storeCheck: o.storeCheck,
  });
  await standIn.start();
  const helm = helmAsAdmin(cluster);
  const sets = ['controlPlane.backingStore.etcd.deploy.enabled=true', ...(o.set ?? [])].flatMap((s) => ['--set', s]);
  try {
    await helm([
      'install',
      o.release,
      o.chart ?? FIXTURE_CHART,
      '-n',
      o.namespace,
      ...sets,
      '--wait',
      '--timeout',
      '3m',
    ]);
    // Seeded, and the control plane's first start ran vCluster's store check (and wrote its annotations).
    await standIn.waitForHistory(
      (h) =>
        h.some((l) => l.includes('deployed etcd seeded') || l.includes('existing data')) &&
        h.some((l) => l.includes('store check passed')),
      90_000,
    );
  } catch (e) {
    await standIn.stop();
    throw new Error(
      `demo vCluster ${o.namespace}/${o.release} did not come up: ${e instanceof Error ? e.message : String(e)}\n${await describeNamespace(core, o.namespace)}\nstand-in:\n${standIn.history.slice(-10).join('\n')}\nexited components: ${cluster.deadComponents().join(', ') || 'none'}\ncluster logs: ${join(cluster.dir, 'logs')}`,
    );
  }
  const kubeconfig = await actionKubeconfig(cluster.kubeConfig, o.namespace);
  return { namespace: o.namespace, release: o.release, standIn, kubeconfig, helm };
}

/** Pods and PVCs of a namespace with their state, for a failure message. */
export async function describeNamespace(core: k8s.CoreV1Api, namespace: string): Promise<string> {
  try {
    const pods = (await core.listNamespacedPod({ namespace })).items.map(
      (p) =>
        `pod ${p.metadata?.name}: ${p.status?.phase} node=${p.spec?.nodeName ?? '-'} ${(p.status?.conditions ?? [])
          .filter((c) => c.status !== 'True')
          .map((c) => `${c.type}=${c.status} ${c.message ?? ''}`)
          .join('; ')}`,
    );
    const pvcs = (await core.listNamespacedPersistentVolumeClaim({ namespace })).items.map(
      (c) => `pvc ${c.metadata?.name}: ${c.status?.phase}`,
    );
    const events = (await core.listNamespacedEvent({ namespace })).items
      .slice(-8)
      .map((e) => `event ${e.involvedObject.kind}/${e.involvedObject.name}: ${e.reason} ${e.message ?? ''}`);
    return [...pods, ...pvcs, ...events].join('\n') || '(no pods or PVCs)';
  } catch (e) {
    return `(could not describe namespace ${namespace}: ${e instanceof Error ? e.message : String(e)})`;
  }
}
