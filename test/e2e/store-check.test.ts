// vCluster's store check (played by the stand-in as vCluster's open-source code does it) after
// phase one: the annotation `vcluster.loft.sh/store` of vc-config-<release> says embedded-etcd, and
// Helm's three-way merge keeps it through a plain `helm rollback`, so the control plane the rollback
// brings back refuses to start on the deployed etcd, with vCluster's message in its log. Without the
// annotation (a vCluster first created on 0.33 or later) the same rollback starts.
import { describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { DISTRO_ANNOTATION, STORE_ANNOTATION } from '../../sandbox/vcluster-store-check.ts';
import { explain, inputsFor, runAction, useSharedCluster, type DemoVCluster } from './harness.ts';
import { helmHistory } from './release-objects.ts';

const env = useSharedCluster();

const REFUSAL =
  'using secret annotations: seems like you were using embedded-etcd as a store before and now have switched to deployed-etcd, please make sure to not switch between vCluster stores';

async function annotations(d: DemoVCluster): Promise<Record<string, string>> {
  const s = await env().core.readNamespacedSecret({ name: `vc-config-${d.release}`, namespace: d.namespace });
  const a = s.metadata?.annotations ?? {};
  return Object.fromEntries(Object.entries(a).filter(([k]) => k === STORE_ANNOTATION || k === DISTRO_ANNOTATION));
}

/** Phase one through the action, then a plain `helm rollback` to the revision it upgraded from. */
async function migrateThenRollback(d: DemoVCluster): Promise<number> {
  const m = await runAction(inputsFor(d, 'migrate', { timeout: '5m', 'migration-timeout': '5m' }));
  expect(m.code, explain(m)).toBe(0);
  const hist = await helmHistory(d);
  const from = hist.at(-2)!.revision;
  const historyBefore = d.standIn.history.length;
  await d.helm(['rollback', d.release, String(from), '-n', d.namespace]);
  return historyBefore;
}

/** The pods of Deployment <release> (the control plane on deployed etcd). */
async function deploymentPods(d: DemoVCluster): Promise<k8s.V1Pod[]> {
  const pods = await env().core.listNamespacedPod({
    namespace: d.namespace,
    labelSelector: `app=vcluster,release=${d.release}`,
  });
  return pods.items.filter((p) => p.metadata?.name !== `${d.release}-0` && !p.metadata?.deletionTimestamp);
}

describe("vCluster's store check after phase one (stand-in)", () => {
  it('a plain helm rollback leaves a control plane that refuses to start, with vCluster message in its log', async () => {
    const d = await env().demo({ namespace: 'e2e-store-rollback', release: 'sr' });
    // vCluster before 0.33 writes both annotations at the first start.
    expect(await annotations(d)).toEqual({ [STORE_ANNOTATION]: 'deployed-etcd', [DISTRO_ANNOTATION]: 'k8s' });
    await migrateThenRollback(d);
    expect((await helmHistory(d)).at(-1)!.description).toMatch(/Rollback to/);

    // Two starts refused in a row: a crash loop, not a one-off.
    await d.standIn.waitForHistory(
      (h) =>
        h.filter((l) => l.includes('store check refused the start of') && !l.includes(`${d.release}-0`)).length >= 2,
      120_000,
    );
    const [pod, ...more] = await deploymentPods(d);
    expect(more).toEqual([]);
    const cs = pod!.status?.containerStatuses?.[0];
    expect(cs?.state?.waiting?.reason, JSON.stringify(pod!.status)).toBe('CrashLoopBackOff');
    expect(cs?.restartCount ?? 0).toBeGreaterThanOrEqual(1);
    expect(pod!.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    // As `kubectl logs` shows it (kwok serves the container's log through the API server).
    const log = await env().core.readNamespacedPodLog({
      name: pod!.metadata!.name!,
      namespace: d.namespace,
      container: 'syncer',
    });
    expect(log).toContain(REFUSAL);
    expect(log).toContain('\tERROR\t');
    // Helm kept the annotation it did not set; the store stays refused until someone deals with it.
    expect(await annotations(d)).toEqual({ [STORE_ANNOTATION]: 'embedded-etcd', [DISTRO_ANNOTATION]: 'k8s' });
    const dep = await env().apps.readNamespacedDeployment({ name: d.release, namespace: d.namespace });
    expect(dep.status?.availableReplicas ?? 0).toBe(0);
  });

  it('the same rollback starts when the release has no annotation (a vCluster first created on 0.33 or later)', async () => {
    const d = await env().demo({ namespace: 'e2e-store-since-033', release: 'sn', storeCheck: 'since-0.33' });
    expect(await annotations(d)).toEqual({});
    const historyBefore = await migrateThenRollback(d);
    expect(await annotations(d)).toEqual({});

    await d.standIn.waitForHistory(
      (h) =>
        h.slice(historyBefore).some((l) => /store check passed for sn-(?!0\b)/.test(l) && l.includes('deployed-etcd')),
      120_000,
    );
    expect(d.standIn.history.join('\n')).not.toContain('store check refused');
    const [pod] = await deploymentPods(d);
    expect(pod!.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const log = await env().core.readNamespacedPodLog({
      name: pod!.metadata!.name!,
      namespace: d.namespace,
      container: 'syncer',
    });
    expect(log).not.toContain('seems like you were using');
  });
});
