// The workload changes of phase abort: stop the control plane (scale its StatefulSet, wait until its
// pod is gone), run and remove the short-lived reader pod, wait for the control-plane Deployment,
// and clear vCluster's store annotations. Each wait polls what the API server shows; none sleeps
// for a guessed time.
import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import type { Kube } from './kube.ts';
import { statusOf } from './api-retry.ts';
import type { PodView } from '../../core/migration/cluster-view.ts';

const POLL_MS = 1000;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Polls `probe` until it gives a value; throws `timeout()`'s message after timeoutMs. */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  timeout: () => Promise<string> | string,
  pollMs = POLL_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(await timeout());
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Sets spec.replicas of a StatefulSet; gives the replicas it had, or undefined when it does not exist. */
export async function scaleStatefulSet(
  kube: Kube,
  namespace: string,
  name: string,
  replicas: number,
): Promise<number | undefined> {
  try {
    const before = await kube.apps.readNamespacedStatefulSet({ name, namespace });
    if (before.spec?.replicas !== replicas) {
      await kube.apps.patchNamespacedStatefulSet({ name, namespace, body: { spec: { replicas } } }, mergePatch);
    }
    return before.spec?.replicas ?? 1;
  } catch (e) {
    if (statusOf(e) === 404) return undefined;
    throw e;
  }
}

/** Waits until pod `name` no longer exists (a pod being deleted still runs its containers). */
export async function waitPodGone(kube: Kube, namespace: string, name: string, timeoutMs: number): Promise<void> {
  await pollUntil(
    async () => ((await kube.pod(namespace, name)) ? undefined : true),
    timeoutMs,
    async () => {
      const s = await kube.podState(namespace, name);
      return `pod ${name} still exists after ${Math.round(timeoutMs / 1000)} s (${s?.line ?? 'gone now'}); see kubectl -n ${namespace} describe pod ${name}`;
    },
  );
}

/** Creates a pod; one that already exists (left by a killed run) is kept. */
export async function createPod(kube: Kube, namespace: string, body: V1Pod): Promise<'created' | 'existed'> {
  try {
    await kube.core.createNamespacedPod({ namespace, body });
    return 'created';
  } catch (e) {
    if (statusOf(e) === 409) return 'existed';
    throw e;
  }
}

/** Waits until the pod is Ready; stops early when it failed or is being deleted. */
export async function waitPodReady(kube: Kube, namespace: string, name: string, timeoutMs: number): Promise<PodView> {
  return pollUntil(
    async () => {
      const p = await kube.pod(namespace, name);
      if (p && (p.phase === 'Failed' || p.phase === 'Succeeded' || p.deleting)) {
        const s = await kube.podState(namespace, name);
        throw new Error(`pod ${name} ended before it was Ready: ${s?.line ?? p.phase}`);
      }
      return p?.ready ? p : undefined;
    },
    timeoutMs,
    async () => {
      const s = await kube.podState(namespace, name);
      const events = await kube.events(namespace, name, 5, s?.uid).catch(() => []);
      return `pod ${name} was not Ready after ${Math.round(timeoutMs / 1000)} s: ${s?.line ?? 'it does not exist'}${events.length ? `; events: ${events.join(' | ')}` : ''}`;
    },
  );
}

/** Deletes a pod (gone already is fine) and waits until it no longer exists. */
export async function deletePodAndWait(kube: Kube, namespace: string, name: string, timeoutMs: number): Promise<void> {
  try {
    await kube.core.deleteNamespacedPod({ name, namespace });
  } catch (e) {
    if (statusOf(e) !== 404) throw e;
  }
  await waitPodGone(kube, namespace, name, timeoutMs);
}

/** A Deployment's replicas and how many of them are ready, or undefined when it does not exist. */
export async function deploymentReadiness(
  kube: Kube,
  namespace: string,
  name: string,
): Promise<{ replicas: number; ready: number; updated: number } | undefined> {
  try {
    const d = await kube.apps.readNamespacedDeployment({ name, namespace });
    return {
      replicas: d.spec?.replicas ?? 1,
      ready: d.status?.readyReplicas ?? 0,
      updated: d.status?.updatedReplicas ?? 0,
    };
  } catch (e) {
    if (statusOf(e) === 404) return undefined;
    throw e;
  }
}

/**
 * Removes annotations from a Secret (metadata only: its data is never read here). Gives the ones
 * that were set; a Secret that does not exist gives undefined.
 */
export async function clearSecretAnnotations(
  kube: Kube,
  namespace: string,
  name: string,
  keys: readonly string[],
): Promise<Record<string, string> | undefined> {
  try {
    const meta = (await kube.core.readNamespacedSecret({ name, namespace })).metadata;
    const present = Object.fromEntries(
      Object.entries(meta?.annotations ?? {}).filter(([k]) => keys.includes(k)),
    ) as Record<string, string>;
    if (Object.keys(present).length > 0) {
      const annotations = Object.fromEntries(Object.keys(present).map((k) => [k, null]));
      await kube.core.patchNamespacedSecret({ name, namespace, body: { metadata: { annotations } } }, mergePatch);
    }
    return present;
  } catch (e) {
    if (statusOf(e) === 404) return undefined;
    throw e;
  }
}

/** The image of one container of a StatefulSet's pod template, and the template's pull secrets. */
export async function statefulSetImage(
  kube: Kube,
  namespace: string,
  name: string,
  container: string,
): Promise<{ image: string; pullSecrets: string[] } | undefined> {
  try {
    const spec = (await kube.apps.readNamespacedStatefulSet({ name, namespace })).spec?.template.spec;
    const image = spec?.containers.find((c) => c.name === container)?.image;
    if (!image) return undefined;
    return { image, pullSecrets: (spec?.imagePullSecrets ?? []).map((s) => s.name ?? '').filter(Boolean) };
  } catch (e) {
    if (statusOf(e) === 404) return undefined;
    throw e;
  }
}

/** One line per pod of the release's control plane (label app=vcluster), with its last log lines. */
export async function controlPlanePodLines(kube: Kube, namespace: string, release: string): Promise<string[]> {
  const pods = await kube.core.listNamespacedPod({ namespace, labelSelector: `app=vcluster,release=${release}` });
  const out: string[] = [];
  for (const p of pods.items.slice(0, 3)) {
    const name = p.metadata?.name ?? '';
    const s = await kube.podState(namespace, name);
    out.push(s?.line ?? `pod ${name}: gone`);
    const container = p.spec?.containers[0]?.name ?? '';
    const log = await kube.podLog(namespace, name, container, false, 5).catch(() => '');
    for (const l of log.split('\n').filter(Boolean)) out.push(`  ${name}: ${l.slice(0, 300)}`);
  }
  return out;
}

export async function statefulSetExists(kube: Kube, namespace: string, name: string): Promise<boolean> {
  try {
    await kube.apps.readNamespacedStatefulSet({ name, namespace });
    return true;
  } catch (e) {
    if (statusOf(e) === 404) return false;
    throw e;
  }
}
