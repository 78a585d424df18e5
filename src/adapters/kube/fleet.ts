// Lists what discover reads, in a few paged list calls per kind (never one call per release):
// control-plane and etcd workloads by label, this action's state records by label, and, when
// asked, Helm's release Secrets and vc-config Secrets as metadata only (their data never leaves
// the API server). Plain GETs parsed straight into small records: a fleet of thousands stays cheap.
import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConnection } from './lite-client.ts';
import { ListItems } from './list-items.ts';
import type { FleetObjects, ObjMeta, WorkloadObj } from '../../core/fleet/grouping.ts';
import { STATE_KEY } from '../../core/migration/state.ts';
import type { NamespaceScope } from '../../core/inputs/fleet-config.ts';

export interface FleetReadOptions {
  scope: NamespaceScope;
  /** Read Helm release Secrets and vc-config Secrets (metadata only). */
  secrets: boolean;
  pageSize?: number;
  /** Annotations to keep on control planes and namespaces besides the GitOps marks (a canary key). */
  annotations?: string[];
}

export interface FleetRead {
  objects: FleetObjects;
  /** List calls made (pages included). */
  calls: number;
  /** What could not be read and what that means, in words. */
  notes: string[];
  /** The namespaces read, when a list or selector named them. */
  namespaces?: string[];
}

interface RawMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RawItem {
  metadata?: RawMeta;
  spec?: { replicas?: number };
  data?: Record<string, string>;
}
interface RawList {
  items?: RawItem[];
  metadata?: { continue?: string };
}

/** A list RBAC refused (403): discover goes on without what only some lists give, or words the rule it needs. */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}
const forbidden = (e: unknown): e is ForbiddenError => e instanceof ForbiddenError;

const METADATA_ONLY = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
/** Only these annotations are kept: the GitOps marks (others, like last-applied-configuration, can be large). */
const KEEP_ANNOTATION = /argoproj\.io|fluxcd\.io|loft\.sh/;

function meta(i: RawItem, keepAnnotation: (k: string) => boolean = (k) => KEEP_ANNOTATION.test(k)): ObjMeta {
  const m = i.metadata ?? {};
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.annotations ?? {})) if (keepAnnotation(k)) annotations[k] = v;
  return { namespace: m.namespace ?? '', name: m.name ?? '', labels: m.labels ?? {}, annotations };
}

const workload =
  (kind: WorkloadObj['kind'], keep: string[] = []) =>
  (i: RawItem): WorkloadObj => ({
    ...meta(i, (k) => KEEP_ANNOTATION.test(k) || keep.includes(k)),
    kind,
    replicas: i.spec?.replicas ?? 1,
  });

/** A refused or failed list in words: 401 and 403 say what to fix; others that discover changed nothing and may run again. */
function statusError(code: number, get: string, body: string, origin: string): Error {
  let msg = body.slice(0, 300);
  try {
    msg = (JSON.parse(body) as { message?: string }).message ?? msg;
  } catch {
    /* not JSON */
  }
  if (code === 401)
    return new Error(
      `the Kubernetes API server ${origin} refused the credentials (${get}: 401 Unauthorized); check the token or certificate of the kubeconfig's user`,
    );
  // 403 is worded by denied(), which knows the resource and the RBAC rule that grants it.
  if (code === 403) return new ForbiddenError(`${get}: 403 ${msg}`);
  return new Error(
    `${get}: ${code} ${msg}; discover changed nothing: run it again, and if this repeats check the API server ${origin}`,
  );
}

export class FleetLister {
  calls = 0;
  private readonly conn: KubeConnection;

  constructor(conn: KubeConnection) {
    this.conn = conn;
  }

  /** One page: each item goes to onItem as it arrives (never the whole page at once); gives the list's `continue`. */
  private async request(path: string, accept: string, onItem: (i: RawItem) => void): Promise<string | undefined> {
    const { url, options: opts } = this.conn;
    this.calls++;
    const mod = url.protocol === 'http:' ? http : https;
    const prefix = url.pathname.replace(/\/$/, '');
    const get = `GET ${path.split('?')[0]}`;
    const notJson = () =>
      new Error(
        `${get}: the answer of ${url.origin} is not JSON, so it is not a Kubernetes API server; check the server of the kubeconfig's cluster`,
      );
    return new Promise<string | undefined>((resolve, reject) => {
      const req = mod.request(
        {
          ...opts,
          method: 'GET',
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port || undefined,
          path: `${prefix}${path}`,
          headers: { ...(opts.headers as Record<string, string>), Accept: accept },
        },
        (res) => {
          if (res.statusCode !== 200) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              reject(statusError(res.statusCode ?? 0, get, Buffer.concat(chunks).toString('utf8'), url.origin)),
            );
            res.on('error', reject);
            return;
          }
          const items = new ListItems((i) => onItem(i as RawItem));
          let failed = false;
          res.on('data', (c: Buffer) => {
            if (failed) return;
            try {
              items.push(c);
            } catch {
              failed = true;
              reject(notJson());
              res.destroy();
            }
          });
          res.on('end', () => {
            if (failed) return;
            try {
              resolve((items.end() as RawList).metadata?.continue || undefined);
            } catch {
              reject(notJson());
            }
          });
          res.on('error', reject);
        },
      );
      req.setTimeout(60_000, () => req.destroy(new Error(`${get}: no answer within 60s`)));
      req.on('error', (e) =>
        reject(
          new Error(
            `cannot reach the Kubernetes API server ${url.origin}: ${e.message}; check the server of the kubeconfig's cluster and that the runner can reach it`,
          ),
        ),
      );
      req.end();
    });
  }

  /** Every page of one list, each item reduced as it arrives so only the small records are kept. */
  async list<T>(
    path: string,
    selector: string | undefined,
    reduce: (i: RawItem) => T,
    o: { metadataOnly?: boolean; pageSize?: number } = {},
  ): Promise<T[]> {
    const out: T[] = [];
    let cont: string | undefined;
    do {
      const q = new URLSearchParams({ limit: String(o.pageSize ?? 200) });
      if (selector) q.set('labelSelector', selector);
      if (cont) q.set('continue', cont);
      cont = await this.request(`${path}?${q.toString()}`, o.metadataOnly ? METADATA_ONLY : 'application/json', (i) =>
        out.push(reduce(i)),
      );
    } while (cont);
    return out;
  }
}

const core = (ns: string | undefined, resource: string) =>
  ns ? `/api/v1/namespaces/${ns}/${resource}` : `/api/v1/${resource}`;
const apps = (ns: string | undefined, resource: string) =>
  ns ? `/apis/apps/v1/namespaces/${ns}/${resource}` : `/apis/apps/v1/${resource}`;

/** RBAC a failed list needs, in words, for the error message. */
function denied(e: unknown, what: string, scope: string): Error {
  if (forbidden(e)) {
    return new Error(
      `the credentials may not list ${what} ${scope}; grant list on it (examples/rbac-fleet.yaml) or narrow input 'namespaces'. ${e.message}`,
    );
  }
  return e as Error;
}

const NO_NAMESPACE_LABELS =
  'Namespace labels were not read (no list on namespaces): vCluster Platform marks on namespaces are not seen.';

/** The namespaces in scope: which to list in (undefined: all), which to keep, and their labels where readable. */
async function readNamespaces(
  lister: FleetLister,
  o: FleetReadOptions,
  notes: string[],
): Promise<{ targets: (string | undefined)[]; keep?: Set<string>; namespaces?: FleetObjects['namespaces'] }> {
  const keepAnnotations = o.annotations ?? [];
  const nsMeta = (i: RawItem) => {
    const m = meta(i, (k) => keepAnnotations.includes(k));
    return { name: m.name, labels: m.labels, annotations: m.annotations };
  };
  const list = (selector?: string) =>
    lister.list('/api/v1/namespaces', selector, nsMeta, { metadataOnly: true, pageSize: o.pageSize });
  if (o.scope.kind === 'names') {
    // Namespace labels carry vCluster Platform's marks; a namespaced identity may not read them.
    const wanted = new Set(o.scope.names);
    try {
      return { targets: o.scope.names, namespaces: (await list()).filter((n) => wanted.has(n.name)) };
    } catch (e) {
      if (!forbidden(e)) throw e;
      notes.push(NO_NAMESPACE_LABELS);
      return { targets: o.scope.names };
    }
  }
  const selector = o.scope.kind === 'selector' ? o.scope.selector : undefined;
  let namespaces: FleetObjects['namespaces'];
  try {
    namespaces = await list(selector);
  } catch (e) {
    if (selector || !forbidden(e)) throw denied(e, 'namespaces', 'in the cluster');
    notes.push(NO_NAMESPACE_LABELS);
  }
  return {
    targets: [undefined],
    namespaces,
    ...(selector ? { keep: new Set((namespaces ?? []).map((n) => n.name)) } : {}),
  };
}

/**
 * The lists of one namespace (or of all), each item added to `objects` as it is reduced. Returns
 * where secrets could not be listed, if anywhere (they are optional: discover goes on without them).
 */
async function readNamespace(
  lister: FleetLister,
  o: FleetReadOptions,
  ns: string | undefined,
  objects: FleetObjects,
  keep: Set<string> | undefined,
): Promise<string | undefined> {
  const { pageSize } = o;
  const keepAnnotations = o.annotations ?? [];
  const inScope = <T extends { namespace: string }>(xs: T[]): T[] =>
    keep ? xs.filter((x) => keep.has(x.namespace)) : xs;
  const where = ns ? `in namespace ${ns}` : 'in all namespaces';
  const listed = <T extends { namespace: string }>(what: string, read: Promise<T[]>, add: (xs: T[]) => void) =>
    read.then(
      (xs) => add(inScope(xs)),
      (e: unknown) => {
        throw denied(e, what, where);
      },
    );
  let secretsRefused: string | undefined;
  const lists: Promise<void>[] = [
    listed(
      'statefulsets.apps',
      lister.list(
        apps(ns, 'statefulsets'),
        'app in (vcluster,vcluster-etcd)',
        workload('StatefulSet', keepAnnotations),
        {
          pageSize,
        },
      ),
      (xs) => {
        for (const x of xs) (x.labels.app === 'vcluster' ? objects.controlPlanes : objects.etcds).push(x);
      },
    ),
    listed(
      'deployments.apps',
      lister.list(apps(ns, 'deployments'), 'app=vcluster', workload('Deployment', keepAnnotations), { pageSize }),
      (xs) => objects.controlPlanes.push(...xs),
    ),
    listed(
      'configmaps',
      lister.list(
        core(ns, 'configmaps'),
        'app.kubernetes.io/managed-by=vcluster-etcd-migrate',
        (i) => ({
          namespace: i.metadata?.namespace ?? '',
          name: i.metadata?.name ?? '',
          release: i.metadata?.labels?.['app.kubernetes.io/instance'],
          text: i.data?.[STATE_KEY],
        }),
        { pageSize: Math.min(pageSize ?? 100, 100) },
      ),
      (xs) => objects.records.push(...xs),
    ),
  ];
  if (o.secrets) {
    // Metadata only: the labels say a Helm release's status and revision, the annotation the store.
    const secretsDenied = (e: unknown) => {
      if (!forbidden(e)) throw e;
      secretsRefused = where;
    };
    lists.push(
      lister
        .list(core(ns, 'secrets'), 'owner=helm', (i) => meta(i, () => false), { metadataOnly: true, pageSize })
        .then((xs) => {
          objects.helmSecrets?.push(...inScope(xs));
        }, secretsDenied),
      lister
        .list(core(ns, 'secrets'), 'app=vcluster', (i) => meta(i, (k) => k.startsWith('vcluster.loft.sh/')), {
          metadataOnly: true,
          pageSize,
        })
        .then((xs) => {
          objects.configSecrets?.push(...inScope(xs));
        }, secretsDenied),
    );
  }
  await Promise.all(lists);
  return secretsRefused;
}

export async function readFleet(conn: KubeConnection, o: FleetReadOptions): Promise<FleetRead> {
  const lister = new FleetLister(conn);
  const notes: string[] = [];
  const { targets, keep, namespaces } = await readNamespaces(lister, o, notes);
  const objects: FleetObjects = {
    controlPlanes: [],
    etcds: [],
    records: [],
    namespaces,
    ...(o.secrets ? { helmSecrets: [], configSecrets: [] } : {}),
  };
  let secretsRefused: string | undefined;
  for (const ns of targets) secretsRefused = (await readNamespace(lister, o, ns, objects, keep)) ?? secretsRefused;
  if (secretsRefused) {
    // Half a picture would read as "no Helm release" for the namespaces not read: use none of it.
    delete objects.helmSecrets;
    delete objects.configSecrets;
    notes.push(
      `Secrets were not read: the credentials may not list secrets ${secretsRefused} (discover-secrets: true needs ClusterRole vcluster-etcd-migrate-discover-secrets of examples/rbac-fleet.yaml). Helm status and store annotations are not shown; migrate checks the Helm status itself.`,
    );
  }
  return {
    objects,
    calls: lister.calls,
    notes,
    namespaces: keep ? [...keep] : o.scope.kind === 'names' ? o.scope.names : undefined,
  };
}
