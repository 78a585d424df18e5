// The identity the action runs with on the local cluster: examples/rbac.yaml applied for one
// namespace, and a kubeconfig holding a TokenRequest token of its ServiceAccount (not admin).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';

export const RBAC_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'rbac.yaml');
const EXAMPLE_NAMESPACE = 'vcluster-demo';
export const ACTION_SERVICE_ACCOUNT = 'vcluster-etcd-migrate';

/** The objects of examples/rbac.yaml for `namespace`, optionally with some rules removed (fault tests). */
export function rbacObjects(namespace: string, dropRule?: (rule: k8s.V1PolicyRule) => boolean): k8s.KubernetesObject[] {
  const text = readFileSync(RBAC_FILE, 'utf8').replaceAll(EXAMPLE_NAMESPACE, namespace);
  const docs = YAML.parseAllDocuments(text).map(
    (d) => d.toJSON() as k8s.KubernetesObject & { rules?: k8s.V1PolicyRule[] },
  );
  if (dropRule) for (const d of docs) if (d.rules) d.rules = d.rules.filter((r) => !dropRule(r));
  return docs;
}

/**
 * Applies the RBAC of examples/rbac.yaml in `namespace` (as admin) and returns the content of a
 * kubeconfig for the action's ServiceAccount, with a token from the TokenRequest API.
 */
export async function actionKubeconfig(
  admin: k8s.KubeConfig,
  namespace: string,
  opts: { dropRule?: (rule: k8s.V1PolicyRule) => boolean; expirationSeconds?: number } = {},
): Promise<string> {
  const api = k8s.KubernetesObjectApi.makeApiClient(admin);
  for (const obj of rbacObjects(namespace, opts.dropRule)) {
    try {
      await api.create(obj);
    } catch (e) {
      if ((e as { code?: number }).code !== 409) throw e;
      const cur = await api.read(obj as k8s.KubernetesObject & { metadata: { name: string } });
      await api.replace({ ...obj, metadata: { ...obj.metadata, resourceVersion: cur.metadata?.resourceVersion } });
    }
  }
  return tokenKubeconfig(admin, namespace, {
    user: ACTION_SERVICE_ACCOUNT,
    contextNamespace: namespace,
    expirationSeconds: opts.expirationSeconds,
  });
}

/** A kubeconfig on the admin kubeconfig's cluster with a TokenRequest token of the action's ServiceAccount in `saNamespace`. */
async function tokenKubeconfig(
  admin: k8s.KubeConfig,
  saNamespace: string,
  opts: { user: string; contextNamespace?: string; expirationSeconds?: number },
): Promise<string> {
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const tr = await core.createNamespacedServiceAccountToken({
    name: ACTION_SERVICE_ACCOUNT,
    namespace: saNamespace,
    body: { spec: { audiences: [], expirationSeconds: opts.expirationSeconds ?? 86_400 } },
  });
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('admin kubeconfig has no current cluster');
  const caData = cluster.caData ?? (cluster.caFile ? readFileSync(cluster.caFile).toString('base64') : undefined);
  const context = {
    cluster: 'sandbox',
    user: opts.user,
    ...(opts.contextNamespace ? { namespace: opts.contextNamespace } : {}),
  };
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'sandbox', cluster: { server: cluster.server, 'certificate-authority-data': caData } }],
    users: [{ name: opts.user, user: { token: tr.status?.token } }],
    contexts: [{ name: 'sandbox', context }],
    'current-context': 'sandbox',
  });
}

export const FLEET_RBAC_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'rbac-fleet.yaml');
/** The namespace examples/rbac-fleet.yaml puts its ServiceAccount in. */
export const FLEET_SA_NAMESPACE = 'vcluster-etcd-migrate';

/**
 * examples/rbac-fleet.yaml applied as it says (its RoleBinding once per vCluster namespace), and a
 * kubeconfig of its ServiceAccount. Objects that exist already are kept (a second fleet in one cluster).
 */
export async function fleetKubeconfig(admin: k8s.KubeConfig, namespaces: string[]): Promise<string> {
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const keep = (e: { code?: number }) => {
    if (e.code !== 409) throw e;
  };
  await core.createNamespace({ body: { metadata: { name: FLEET_SA_NAMESPACE } } }).catch(keep);
  const docs = YAML.parseAllDocuments(readFileSync(FLEET_RBAC_FILE, 'utf8')).map(
    (d) => d.toJSON() as k8s.KubernetesObject,
  );
  const objects = docs.flatMap((d) =>
    d.kind === 'RoleBinding' ? namespaces.map((ns) => ({ ...d, metadata: { ...d.metadata, namespace: ns } })) : [d],
  );
  const api = k8s.KubernetesObjectApi.makeApiClient(admin);
  for (const o of objects) await api.create(o).catch(keep);
  return tokenKubeconfig(admin, FLEET_SA_NAMESPACE, { user: 'fleet' });
}
