// A fleet on the local cluster: six vClusters in four namespaces in different states, discover
// classifying each, the migrate matrix run two releases at a time (two action processes at once,
// as a matrix's jobs run), finalize, and discover again. The action runs as the ServiceAccount of
// examples/rbac-fleet.yaml throughout.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import {
  FIXTURE_CHART,
  explain,
  fixtureChartAs,
  lostGroups,
  namespaceSnapshot,
  runAction,
  useSharedCluster,
  type ActionResult,
  type DemoVCluster,
} from './harness.ts';
import type { FleetEntry, FleetState } from '../../src/core/fleet/classification.ts';
import type { MatrixEntry } from '../../src/core/fleet/matrix.ts';
import { FLEET_SA_NAMESPACE, fleetKubeconfig } from '../../sandbox/service-account.ts';

const env = useSharedCluster();
const SA_NAMESPACE = FLEET_SA_NAMESPACE;
const NAMESPACES = ['fleet-a', 'fleet-b', 'fleet-c', 'fleet-d'];
const FLUX_LABELS = { 'helm.toolkit.fluxcd.io/name': 'gitops', 'helm.toolkit.fluxcd.io/namespace': 'flux-system' };

/** Binds the opt-in ClusterRole of rbac-fleet.yaml, and waits until the authorizer answers with it. */
async function grantSecretsList(admin: k8s.KubeConfig): Promise<void> {
  const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: 'vcluster-etcd-migrate-discover-secrets' },
      subjects: [{ kind: 'ServiceAccount', name: 'vcluster-etcd-migrate', namespace: SA_NAMESPACE }],
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'vcluster-etcd-migrate-discover-secrets',
      },
    },
  });
  const authz = admin.makeApiClient(k8s.AuthorizationV1Api);
  const user = `system:serviceaccount:${SA_NAMESPACE}:vcluster-etcd-migrate`;
  for (let i = 0; ; i++) {
    const r = await authz.createSubjectAccessReview({
      body: {
        spec: { user, groups: ['system:serviceaccounts'], resourceAttributes: { verb: 'list', resource: 'secrets' } },
      },
    });
    if (r.status?.allowed) return;
    if (i > 100) throw new Error('the ClusterRoleBinding for secrets never took effect');
    await new Promise((res) => setTimeout(res, 100));
  }
}

const single = (
  kubeconfig: string,
  d: { release: string; namespace: string },
  phase: string,
  extra: Record<string, string> = {},
) => ({
  release: d.release,
  namespace: d.namespace,
  'chart-version': '0.27.0',
  chart: FIXTURE_CHART,
  kubeconfig,
  phase,
  'approval-environment': 'production',
  'require-approval': 'false',
  timeout: '3m',
  'migration-timeout': '3m',
  ...extra,
});

const discover = (kubeconfig: string, extra: Record<string, string> = {}) =>
  runAction({ phase: 'discover', 'chart-version': 'keep', 'discover-secrets': 'true', kubeconfig, ...extra });

function fleetOf(r: ActionResult): Map<string, FleetEntry> {
  const list = JSON.parse(r.outputs.fleet ?? '[]') as FleetEntry[];
  return new Map(list.map((e) => [`${e.namespace}/${e.release}`, e]));
}
const stateMap = (r: ActionResult) => Object.fromEntries([...fleetOf(r)].map(([k, e]) => [k, e.state]));
const matrixOf = (r: ActionResult) => (JSON.parse(r.outputs.matrix ?? '{}') as { include: MatrixEntry[] }).include;

/** Runs one action per matrix entry, `parallel` at a time, as a matrix with max-parallel does; records when each ran. */
async function runMatrix(entries: MatrixEntry[], parallel: number, inputs: (m: MatrixEntry) => Record<string, string>) {
  const results: { m: MatrixEntry; r: ActionResult; start: number; end: number }[] = [];
  const queue = [...entries];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let m = queue.shift(); m; m = queue.shift()) {
        const start = Date.now();
        const r = await runAction(inputs(m));
        results.push({ m, r, start, end: Date.now() });
      }
    }),
  );
  return results;
}

describe('a fleet of six vClusters in four namespaces', () => {
  const d: Record<string, DemoVCluster> = {};
  let kubeconfig = '';
  const counts = new Map<string, Map<string, number>>();
  let untouched: Record<string, string> = {};

  it('is set up: two on deployed etcd, one verified, one done, one GitOps-managed, one on a too old chart', async () => {
    const e = env();
    d.a1 = await e.demo({ namespace: 'fleet-a', release: 'a1' });
    d.a2 = await e.demo({ namespace: 'fleet-a', release: 'a2' });
    d.v1 = await e.demo({ namespace: 'fleet-b', release: 'v1' });
    d.done = await e.demo({ namespace: 'fleet-c', release: 'done' });
    d.gitops = await e.demo({ namespace: 'fleet-d', release: 'gitops' });
    // 0.24.1: older than migrateFromDeployedEtcd.
    d.old = await e.demo({ namespace: 'fleet-d', release: 'old', chart: fixtureChartAs(e.cluster.dir, '0.24.1') });
    // Flux's helm-controller labels what it applies; Helm keeps labels it did not set.
    for (const [kind, name] of [
      ['Deployment', 'gitops'],
      ['StatefulSet', 'gitops-etcd'],
    ] as const) {
      const patch = { metadata: { labels: FLUX_LABELS } };
      const opts = { name, namespace: 'fleet-d', body: patch };
      if (kind === 'Deployment')
        await e.apps.patchNamespacedDeployment(
          opts,
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        );
      else
        await e.apps.patchNamespacedStatefulSet(
          opts,
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        );
    }
    kubeconfig = await fleetKubeconfig(e.cluster.kubeConfig, NAMESPACES);
    for (const k of ['a1', 'a2', 'v1', 'done']) counts.set(k, await d[k]!.standIn.keyCounts('deployed'));
    const v = await runAction(single(kubeconfig, d.v1!, 'migrate'));
    expect(v.outputs.status, explain(v)).toBe('succeeded');
    const m = await runAction(single(kubeconfig, d.done!, 'migrate'));
    expect(m.outputs.status, explain(m)).toBe('succeeded');
    const f = await runAction(single(kubeconfig, d.done!, 'finalize'));
    expect(f.outputs.status, explain(f)).toBe('succeeded');
    untouched = await namespaceSnapshot(e, 'fleet-d');
  });

  it('discover reads no Secret unless asked, and Secrets only where RBAC allows it', async () => {
    const r = await discover(kubeconfig, { 'discover-secrets': 'false' });
    expect(r.code, explain(r)).toBe(0);
    expect(stateMap(r)['fleet-a/a1']).toBe('deployed');
    expect(fleetOf(r).get('fleet-a/a1')!.reason).toContain('Helm status not read');
    // Asked for Secrets without the opt-in ClusterRole: discover goes on without them and says why.
    const denied = await discover(kubeconfig);
    expect(denied.code, explain(denied)).toBe(0);
    expect(stateMap(denied)).toEqual(stateMap(r));
    expect(denied.stdout).toContain('Secrets were not read: the credentials may not list secrets in all namespaces');
    expect(denied.summary).toContain('Secrets were not read');
    await grantSecretsList(env().cluster.kubeConfig);
  });

  it('discover classifies each, with reasons, and writes the migrate matrix', async () => {
    const r = await discover(kubeconfig);
    expect(r.code, explain(r)).toBe(0);
    expect(stateMap(r)).toEqual({
      'fleet-a/a1': 'deployed',
      'fleet-a/a2': 'deployed',
      'fleet-b/v1': 'verified',
      'fleet-c/done': 'embedded',
      'fleet-d/gitops': 'not-eligible',
      'fleet-d/old': 'not-eligible',
    });
    const fleet = fleetOf(r);
    expect(fleet.get('fleet-d/gitops')!.reason).toContain('Flux (HelmRelease flux-system/gitops');
    expect(fleet.get('fleet-d/gitops')!.next).toContain('flux suspend helmrelease gitops -n flux-system');
    expect(fleet.get('fleet-d/old')!.reason).toContain('chart 0.24.1 is older than 0.24.2');
    expect(fleet.get('fleet-a/a1')!.reason).toContain('Helm revision 1 deployed');
    expect(fleet.get('fleet-c/done')!.keysAfter).toBeGreaterThanOrEqual(10_000);
    expect(JSON.parse(r.outputs.counts!)).toEqual({
      deployed: 2,
      migrating: 0,
      verified: 1,
      embedded: 1,
      'not-eligible': 2,
    } satisfies Record<FleetState, number>);
    expect(matrixOf(r)).toEqual([
      { release: 'a1', namespace: 'fleet-a', 'chart-version': '0.27.0' },
      { release: 'a2', namespace: 'fleet-a', 'chart-version': '0.27.0' },
    ]);
    expect(r.outputs['releases-left']).toBe('0');
    // The summary: counts on top, then the rows, the ones that need a person first.
    const s = r.summary;
    expect(s.indexOf('| state | releases |')).toBeLessThan(s.indexOf('| release | namespace |'));
    const row = (name: string) => s.indexOf(`\`${name}\``);
    for (const first of ['gitops', 'old', 'v1'])
      for (const later of ['a1', 'a2', 'done']) expect(row(first), `${first} before ${later}`).toBeLessThan(row(later));
  });

  it('discover narrows the fleet by a list of namespaces and by a namespace label selector, and pages at max-releases', async () => {
    const core = env().core;
    await core.patchNamespace(
      { name: 'fleet-a', body: { metadata: { labels: { tier: 'gold' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const byName = await discover(kubeconfig, { namespaces: 'fleet-b,fleet-c' });
    expect(Object.keys(stateMap(byName)).sort(), explain(byName)).toEqual(['fleet-b/v1', 'fleet-c/done']);
    const bySelector = await discover(kubeconfig, { namespaces: 'tier=gold', 'max-releases': '1' });
    expect(Object.keys(stateMap(bySelector)).sort(), explain(bySelector)).toEqual(['fleet-a/a1', 'fleet-a/a2']);
    expect(matrixOf(bySelector)).toHaveLength(1);
    expect(bySelector.outputs['releases-left']).toBe('1');
  });

  it('plan on the GitOps release names Flux and writes both values files to commit; migrate refuses it', async () => {
    const dir = mkdtempSync(join(env().cluster.dir, 'gitops-values-'));
    const p = await runAction(single(kubeconfig, d.gitops!, 'plan', { 'values-dir': dir }));
    expect(p.outputs.status, explain(p)).toBe('planned');
    expect(p.summary).toContain('HelmRelease `flux-system/gitops`');
    for (const [name, label] of [
      ['values-file-phase-one', 'phase-one'],
      ['values-file-phase-two', 'phase-two'],
    ] as const) {
      const file = p.outputs[name]!;
      expect(file).toBe(join(dir, `gitops-${label}-values.yaml`));
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(p.outputs['values-file-phase-one']!, 'utf8')).toContain('migrateFromDeployedEtcd: true');
    const m = await runAction(single(kubeconfig, d.gitops!, 'migrate'));
    expect(m.code, explain(m)).not.toBe(0);
    expect(m.outputs.status, explain(m)).toBe('refused');
    expect(m.summary).toContain('flux suspend helmrelease gitops');
  });

  it('the matrix runs migrate two at a time, then finalize over the verified releases', async () => {
    const first = await discover(kubeconfig);
    const migrated = await runMatrix(matrixOf(first), 2, (m) =>
      single(kubeconfig, m, 'migrate', { 'chart-version': m['chart-version'] }),
    );
    expect(migrated).toHaveLength(2);
    for (const x of migrated) expect(x.r.outputs.status, explain(x.r)).toBe('succeeded');
    // Two action processes ran at the same time.
    const [x, y] = migrated;
    expect(x!.start < y!.end && y!.start < x!.end).toBe(true);

    const verified = await discover(kubeconfig, { 'next-phase': 'finalize' });
    expect(
      matrixOf(verified).map((m) => `${m.namespace}/${m.release}`),
      explain(verified),
    ).toEqual(['fleet-a/a1', 'fleet-a/a2', 'fleet-b/v1']);
    const finalized = await runMatrix(matrixOf(verified), 2, (m) =>
      single(kubeconfig, m, 'finalize', { 'chart-version': m['chart-version'] }),
    );
    for (const f of finalized) expect(f.r.outputs.status, explain(f.r)).toBe('succeeded');
  });

  it('discover again: every eligible release embedded, the others untouched, no keys lost', async () => {
    const r = await discover(kubeconfig);
    expect(stateMap(r), explain(r)).toEqual({
      'fleet-a/a1': 'embedded',
      'fleet-a/a2': 'embedded',
      'fleet-b/v1': 'embedded',
      'fleet-c/done': 'embedded',
      'fleet-d/gitops': 'not-eligible',
      'fleet-d/old': 'not-eligible',
    });
    expect(r.outputs['matrix-size']).toBe('0');
    expect(await namespaceSnapshot(env(), 'fleet-d')).toEqual(untouched);
    for (const k of ['a1', 'a2', 'v1', 'done']) {
      await d[k]!.standIn.waitForHistory(
        (h) => h.some((l) => l.includes('embedded etcd started on migrated data')),
        60_000,
      );
      expect(await lostGroups(d[k]!, counts.get(k)!), k).toEqual([]);
    }
  });
});
