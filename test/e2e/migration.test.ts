// End to end on the local cluster: the built action (dist/index.js) run as GitHub runs it, with the
// ServiceAccount of examples/rbac.yaml, against the fixture chart and the vCluster stand-in.
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { SUCCESS_LINE } from '../../sandbox/vcluster-standin.ts';
import {
  exists,
  explain,
  inputsFor,
  lostGroups,
  namespaceSnapshot,
  olderChartWithOtherClaimTemplate,
  runAction,
  useSharedCluster,
  type DemoVCluster,
} from './harness.ts';
import type { DiffRow } from '../../src/core/migration/census.ts';
import { escapeMarkdown } from '../../src/report/markdown.ts';
import { visibleLog } from '../support/secret-scan.ts';

const env = useSharedCluster();

async function etcdObjects(d: DemoVCluster): Promise<{ sts: boolean; svc: boolean; headless: boolean; pvc: boolean }> {
  const e = env();
  const ns = d.namespace;
  return {
    sts: await exists(e.apps.readNamespacedStatefulSet({ name: `${d.release}-etcd`, namespace: ns })),
    svc: await exists(e.core.readNamespacedService({ name: `${d.release}-etcd`, namespace: ns })),
    headless: await exists(e.core.readNamespacedService({ name: `${d.release}-etcd-headless`, namespace: ns })),
    pvc: await exists(e.core.readNamespacedPersistentVolumeClaim({ name: `data-${d.release}-etcd-0`, namespace: ns })),
  };
}

describe('both phases on one vCluster', () => {
  let d: DemoVCluster;
  let deployedCounts: Map<string, number>;

  it('plan reports and changes nothing', async () => {
    d = await env().demo({ namespace: 'e2e-main', release: 'main' });
    deployedCounts = await d.standIn.keyCounts('deployed');
    expect(deployedCounts.size).toBeGreaterThanOrEqual(50);
    expect([...deployedCounts.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10_000);
    const before = await namespaceSnapshot(env(), d.namespace);
    const r = await runAction(inputsFor(d, 'plan'));
    expect(r.code, explain(r)).toBe(0);
    expect(r.outputs.status, explain(r)).toBe('planned');
    expect(r.outputs.phase).toBe('plan');
    expect(await namespaceSnapshot(env(), d.namespace)).toEqual(before);
  });

  it('migrate: success line seen, every non-volatile group equal, deployed etcd kept', async () => {
    const r = await runAction(inputsFor(d, 'migrate'));
    expect(r.code, explain(r)).toBe(0);
    expect(r.outputs.status, explain(r)).toBe('succeeded');
    expect(r.outputs['log-line']).toContain(SUCCESS_LINE);
    // The action's own census...
    const rows = JSON.parse(r.outputs['key-diff'] ?? '[]') as DiffRow[];
    expect(rows.length).toBeGreaterThanOrEqual(50);
    expect(rows.filter((x) => x.verdict === 'lost')).toEqual([]);
    expect(Number(r.outputs['keys-after'])).toBeGreaterThanOrEqual(10_000);
    // ...and an independent one, read straight from the embedded etcd.
    expect(await lostGroups(d, deployedCounts)).toEqual([]);
    expect(await etcdObjects(d)).toEqual({ sts: true, svc: true, headless: true, pvc: true });
    // The keyspace is static: both totals are what the stand-in seeded.
    expect(Number(r.outputs['keys-before'])).toBe(d.standIn.seededKeys());
    expect(Number(r.outputs['keys-after'])).toBe(d.standIn.seededKeys());
    expect(r.outputs.phase).toBe('migrate');
    expect(r.summary).toContain(SUCCESS_LINE);
    // The census table has the group's row (group names are escaped for Markdown: `\.` renders as `.`).
    expect(r.summary).toContain(`| ${escapeMarkdown('/registry/apiregistration.k8s.io/apiservices/')} |`);
    // The ServiceAccount token never reaches the log, the summary or the outputs.
    const token = (YAML.parse(d.kubeconfig) as { users: Array<{ user: { token: string } }> }).users[0]!.user.token;
    expect(token.length).toBeGreaterThan(100);
    expect(`${visibleLog(r.stdout)}${r.stderr}${r.summary}${JSON.stringify(r.outputs)}`).not.toContain(
      token.slice(-40),
    );
  });

  it('migrate again is a no-op', async () => {
    const before = await namespaceSnapshot(env(), d.namespace);
    const r = await runAction(inputsFor(d, 'migrate'));
    expect(r.code, explain(r)).toBe(0);
    expect(r.outputs.status, explain(r)).toBe('no-op');
    const after = await namespaceSnapshot(env(), d.namespace);
    // Only the state record may note the run.
    delete before[`configmap/${d.release}-etcd-migration`];
    delete after[`configmap/${d.release}-etcd-migration`];
    expect(after).toEqual(before);
  });

  it('status reports the migrated phase one without changes', async () => {
    const before = await namespaceSnapshot(env(), d.namespace);
    const r = await runAction(inputsFor(d, 'status'));
    expect(r.code, explain(r)).toBe(0);
    expect(r.outputs.phase).toBe('status');
    expect(await namespaceSnapshot(env(), d.namespace)).toEqual(before);
  });

  it('finalize removes the deployed etcd, keeps and reports its PVC, keeps the data', async () => {
    const r = await runAction(inputsFor(d, 'finalize'));
    expect(r.code, explain(r)).toBe(0);
    expect(r.outputs.status, explain(r)).toBe('succeeded');
    expect(await etcdObjects(d)).toEqual({ sts: false, svc: false, headless: false, pvc: true });
    expect(JSON.parse(r.outputs['leftover-pvcs'] ?? '[]')).toEqual([`data-${d.release}-etcd-0`]);
    expect(r.summary).toContain(`data-${d.release}-etcd-0`);
    // The control plane restarted once on its PVC and still has every key.
    await d.standIn.waitForHistory((h) => h.some((l) => l.includes('embedded etcd started on migrated data')), 60_000);
    expect(await lostGroups(d, deployedCounts)).toEqual([]);
  });

  it('finalize again is a no-op', async () => {
    const r = await runAction(inputsFor(d, 'finalize'));
    expect(r.code, explain(r)).toBe(0);
    expect(r.outputs.status, explain(r)).toBe('no-op');
    expect(await etcdObjects(d)).toEqual({ sts: false, svc: false, headless: false, pvc: true });
  });
});

describe('refusals and failures', () => {
  it('a migration that never logs success times out with a clear report, and finalize is refused', async () => {
    const d = await env().demo({ namespace: 'e2e-nolog', release: 'nolog', faults: { neverLogSuccess: true } });
    const r = await runAction(inputsFor(d, 'migrate', { 'migration-timeout': '20s' }));
    expect(r.code, explain(r)).not.toBe(0);
    expect(r.outputs.status, explain(r)).toBe('failed');
    expect(r.outputs['log-line'] ?? '').toBe('');
    // The report names the wait, the pod and the last log lines the pod wrote.
    expect(`${r.stdout}\n${r.summary}`).toMatch(/within 20s|timed? ?out|timeout/i);
    expect(r.summary).toContain('Embedded etcd is ready');
    expect(`${r.stdout}\n${r.summary}`).toContain(`${d.release}-0`);
    const f = await runAction(inputsFor(d, 'finalize'));
    expect(f.code, explain(f)).not.toBe(0);
    expect(f.outputs.status, explain(f)).toBe('refused');
    expect(await etcdObjects(d)).toEqual({ sts: true, svc: true, headless: true, pvc: true });
  });

  it('finalize without a migration is refused and changes nothing', async () => {
    const d = await env().demo({ namespace: 'e2e-nomig', release: 'nomig' });
    const before = await namespaceSnapshot(env(), d.namespace);
    const r = await runAction(inputsFor(d, 'finalize'));
    expect(r.code, explain(r)).not.toBe(0);
    expect(r.outputs.status, explain(r)).toBe('refused');
    const after = await namespaceSnapshot(env(), d.namespace);
    delete after[`configmap/${d.release}-etcd-migration`];
    expect(after).toEqual(before);
    expect(await etcdObjects(d)).toEqual({ sts: true, svc: true, headless: true, pvc: true });
  });

  it('a refused StatefulSet update (spec: Forbidden) is handled by orphan delete and one retry', async () => {
    const d = await env().demo({
      namespace: 'e2e-forbid',
      release: 'forbid',
      chart: olderChartWithOtherClaimTemplate(env().cluster.dir),
    });
    const deployed = await d.standIn.keyCounts('deployed');
    const r = await runAction(inputsFor(d, 'migrate'));
    expect(r.code, explain(r)).toBe(0);
    expect(r.outputs.status, explain(r)).toBe('succeeded');
    expect(`${r.stdout}\n${r.summary}`).toMatch(/orphan/i);
    expect(`${r.stdout}\n${r.summary}`).toContain('Forbidden');
    expect(await etcdObjects(d)).toEqual({ sts: true, svc: true, headless: true, pvc: true });
    expect(await lostGroups(d, deployed)).toEqual([]);
  });
});
