// What a release's objects in the cluster are, next to what its deployed revision renders: the
// check that a resumed upgrade left exactly the intended revision (nothing left over from the
// revision before, nothing missing, and the objects as the chart renders them).
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import type { DemoVCluster, E2E } from './harness.ts';

export interface HelmRevision {
  revision: number;
  status: string;
  description: string;
}

export async function helmHistory(d: DemoVCluster): Promise<HelmRevision[]> {
  return JSON.parse(await d.helm(['history', d.release, '-n', d.namespace, '-o', 'json'])) as HelmRevision[];
}

interface Obj {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
}

/** Kind/name of every object of the deployed revision's manifest, with the rendered object. */
async function manifestObjects(d: DemoVCluster): Promise<Map<string, Obj>> {
  const text = await d.helm(['get', 'manifest', d.release, '-n', d.namespace]);
  const out = new Map<string, Obj>();
  for (const doc of YAML.parseAllDocuments(text)) {
    const o = doc.toJS() as Obj | null;
    if (o?.kind) out.set(`${o.kind}/${o.metadata.name}`, o);
  }
  return out;
}

/** Kind/name of the objects in the namespace that Helm marks as this release's (of the kinds the chart renders). */
async function liveObjects(e: E2E, d: DemoVCluster): Promise<Map<string, Obj>> {
  const ns = { namespace: d.namespace };
  const rbac = e.cluster.kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api);
  const lists: Array<[string, Array<{ metadata?: { name?: string; annotations?: Record<string, string> } }>]> = [
    ['Deployment', (await e.apps.listNamespacedDeployment(ns)).items],
    ['StatefulSet', (await e.apps.listNamespacedStatefulSet(ns)).items],
    ['Service', (await e.core.listNamespacedService(ns)).items],
    ['Secret', (await e.core.listNamespacedSecret(ns)).items],
    ['ServiceAccount', (await e.core.listNamespacedServiceAccount(ns)).items],
    ['ConfigMap', (await e.core.listNamespacedConfigMap(ns)).items],
    ['Role', (await rbac.listNamespacedRole(ns)).items],
    ['RoleBinding', (await rbac.listNamespacedRoleBinding(ns)).items],
  ];
  const out = new Map<string, Obj>();
  for (const [kind] of lists) out.set(`kind:${kind}`, { kind, metadata: { name: '' } });
  for (const [kind, items] of lists) {
    for (const i of items) {
      if (i.metadata?.annotations?.['meta.helm.sh/release-name'] === d.release)
        out.set(`${kind}/${i.metadata.name}`, i as unknown as Obj);
    }
  }
  return out;
}

/**
 * Differences between the release's objects in the cluster and its deployed revision: objects
 * missing or left over, Secrets whose data differ, workloads whose pod template annotations (the
 * config hash) or replicas differ. Empty when the cluster holds exactly the intended revision.
 */
export async function releaseDrift(e: E2E, d: DemoVCluster): Promise<string[]> {
  const [want, have] = await Promise.all([manifestObjects(d), liveObjects(e, d)]);
  const drift: string[] = [];
  // A kind this check does not list would pass unseen: name it instead.
  for (const w of want.values()) if (!have.has(`kind:${w.kind}`)) drift.push(`kind ${w.kind} is not checked`);
  for (const k of [...have.keys()]) if (k.startsWith('kind:')) have.delete(k);
  for (const k of want.keys()) if (!have.has(k)) drift.push(`missing ${k}`);
  for (const k of have.keys()) if (!want.has(k)) drift.push(`left over ${k}`);
  for (const [k, w] of want) {
    const h = have.get(k);
    if (!h) continue;
    if (w.kind === 'Secret' && JSON.stringify(w.data ?? {}) !== JSON.stringify(h.data ?? {}))
      drift.push(`${k}: data differ from the manifest`);
    if (w.kind === 'StatefulSet' || w.kind === 'Deployment') {
      const tpl = (o: Obj) =>
        JSON.stringify(
          (o.spec?.template as { metadata?: { annotations?: unknown } } | undefined)?.metadata?.annotations ?? {},
        );
      if (tpl(w) !== tpl(h)) drift.push(`${k}: pod template annotations differ from the manifest`);
      if ((w.spec?.replicas ?? 1) !== (h.spec?.replicas ?? 1)) drift.push(`${k}: replicas differ from the manifest`);
    }
  }
  return drift;
}
