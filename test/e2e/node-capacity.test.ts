// The local cluster's node advertises what a real node does (cpu, memory, ephemeral-storage, pods),
// and the fixture chart requests what vCluster's chart 0.27.0 requests: a pod that asks for
// ephemeral storage schedules, and one that asks for more than the node has stays Pending with the
// scheduler's reason, as on a real cluster. (With no ephemeral-storage on the node, the real chart's
// control-plane pod stayed Pending and the install timed out.)
import { describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { NODE_CAPACITY, NODE_NAME } from '../../sandbox/cluster.ts';
import { useSharedCluster } from './harness.ts';

const env = useSharedCluster();

async function waitForPod(
  core: k8s.CoreV1Api,
  namespace: string,
  name: string,
  done: (p: k8s.V1Pod) => boolean,
): Promise<k8s.V1Pod> {
  const until = Date.now() + 90_000;
  let last: k8s.V1Pod | undefined;
  while (Date.now() < until) {
    last = await core.readNamespacedPod({ name, namespace });
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `pod ${namespace}/${name} did not reach the expected state: ${JSON.stringify(last?.status?.conditions)}`,
  );
}

const podWith = (name: string, requests: Record<string, string>): k8s.V1Pod => ({
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests, limits: requests } }] },
});

describe('node capacity', () => {
  it('the node advertises cpu, memory, ephemeral-storage and pods', async () => {
    const node = await env().core.readNode({ name: NODE_NAME });
    for (const [k, v] of Object.entries(NODE_CAPACITY)) {
      expect(node.status?.allocatable?.[k], k).toBe(v);
      expect(node.status?.capacity?.[k], k).toBe(v);
    }
  });

  it("the fixture chart's control-plane pod requests ephemeral storage as chart 0.27.0 does, and is scheduled", async () => {
    const d = await env().demo({ namespace: 'e2e-capacity', release: 'cap' });
    const pods = (
      await env().core.listNamespacedPod({ namespace: d.namespace, labelSelector: `app=vcluster,release=${d.release}` })
    ).items;
    expect(pods).toHaveLength(1);
    const syncer = pods[0]!.spec!.containers.find((c) => c.name === 'syncer')!;
    expect(syncer.resources?.requests).toEqual({ 'ephemeral-storage': '400Mi', cpu: '200m', memory: '256Mi' });
    expect(syncer.resources?.limits).toEqual({ 'ephemeral-storage': '8Gi', memory: '2Gi' });
    expect(pods[0]!.spec?.nodeName).toBe(NODE_NAME);
  });

  it('a pod asking for more ephemeral storage than the node has stays Pending with the reason', async () => {
    const core = env().core;
    const namespace = 'e2e-capacity-big';
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedPod({
      namespace,
      body: podWith('fits', { 'ephemeral-storage': '1Gi', cpu: '100m', memory: '64Mi' }),
    });
    await core.createNamespacedPod({ namespace, body: podWith('too-big', { 'ephemeral-storage': '10Ti' }) });
    const fits = await waitForPod(core, namespace, 'fits', (p) => !!p.spec?.nodeName);
    expect(fits.spec?.nodeName).toBe(NODE_NAME);
    const big = await waitForPod(core, namespace, 'too-big', (p) =>
      (p.status?.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable'),
    );
    expect(big.spec?.nodeName).toBeUndefined();
    expect(big.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message).toContain(
      'Insufficient ephemeral-storage',
    );
  });
});
