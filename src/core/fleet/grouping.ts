// The fleet's grouping: the objects the adapter listed become one record of facts per release
// (namespace and `release` label), each state record reduced to what the fleet shows. Pure.
import { gitopsMarks, type GitOpsMark, type MarkedObject } from '../migration/gitops.ts';
import { STATE_KEY, stateConfigMapName, type StateRecord } from '../migration/state.ts';

/** Labels and annotations of one object, as listed. */
export interface ObjMeta {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface WorkloadObj extends ObjMeta {
  kind: 'Deployment' | 'StatefulSet';
  replicas: number;
}

/** What the adapter listed. A kind left undefined was not read (not asked for, or not allowed). */
export interface FleetObjects {
  /** Deployments and StatefulSets labelled app=vcluster. */
  controlPlanes: WorkloadObj[];
  /** StatefulSets labelled app=vcluster-etcd. */
  etcds: WorkloadObj[];
  /** ConfigMaps of this action's state records (their state.json). */
  records: { namespace: string; name: string; release?: string; text?: string }[];
  /** Secrets labelled owner=helm, metadata only. */
  helmSecrets?: ObjMeta[];
  /** Secrets labelled app=vcluster (vc-config-<release>), metadata only. */
  configSecrets?: ObjMeta[];
  /** Annotations: only those the adapter was asked to keep. */
  namespaces?: { name: string; labels: Record<string, string>; annotations?: Record<string, string> }[];
}

export interface RecordFacts {
  p1?: { status: string; failure?: string; verifiedAt?: string; chartVersion?: string };
  p2?: { status: string; failure?: string; verifiedAt?: string };
  keysBefore?: number;
  keysAfter?: number;
  leftoverPvcs?: string[];
  lock?: { runId: string; phase: string };
  /** Set when phase abort began: `aborted` puts the release back among the deployed ones. */
  abort?: { status: string; failure?: string; abortedAt?: string; leftoverPvcs?: string[] };
  error?: string;
}

export interface ReleaseFacts {
  namespace: string;
  release: string;
  controlPlane?: WorkloadObj;
  etcd?: WorkloadObj;
  /** undefined: Helm releases not read; null: read, none found. */
  helm?: { status: string; revision: number } | null;
  /** vcluster.loft.sh/store of vc-config-<release>; undefined: not read; null: read, not set. */
  store?: string | null;
  record?: RecordFacts;
  marks: GitOpsMark[];
  /** The labels and kept annotations of the release's namespace, when namespaces were read. */
  namespaceMeta?: { labels: Record<string, string>; annotations: Record<string, string> };
}

export const STORE_ANNOTATION = 'vcluster.loft.sh/store';
export const releaseKey = (ns: string, name: string) => `${ns}/${name}`;

/** The release's state record, reduced to what the fleet shows. Never throws. */
export function recordFacts(text: string | undefined, namespace: string, release: string): RecordFacts {
  if (!text) return { error: `ConfigMap ${stateConfigMapName(release)} has no ${STATE_KEY}` };
  let s: StateRecord;
  try {
    s = JSON.parse(text) as StateRecord;
  } catch {
    return { error: `ConfigMap ${stateConfigMapName(release)} holds a ${STATE_KEY} that is not JSON` };
  }
  if (!s || s.version !== 1 || s.release !== release || s.namespace !== namespace) {
    return {
      error: `ConfigMap ${stateConfigMapName(release)} does not hold a state record of release ${release} in ${namespace}`,
    };
  }
  const p1 = s.phase1;
  const p2 = s.phase2;
  return {
    p1: p1 && { status: p1.status, failure: p1.failure, verifiedAt: p1.verifiedAt, chartVersion: p1.chartVersion },
    p2: p2 && { status: p2.status, failure: p2.failure, verifiedAt: p2.verifiedAt },
    keysBefore: p1?.deployedAtSuccess?.total ?? p1?.before?.total,
    keysAfter: p2?.census?.total ?? p1?.after?.total,
    leftoverPvcs: p2?.leftoverPvcs,
    lock: s.lock && { runId: s.lock.runId, phase: s.lock.phase },
    abort: s.abort && {
      status: s.abort.status,
      failure: s.abort.failure,
      abortedAt: s.abort.abortedAt,
      leftoverPvcs: s.abort.leftoverPvcs,
    },
  };
}

/** Groups the listed objects into releases: one per namespace and `release` label (never two). */
export function groupFleet(o: FleetObjects): ReleaseFacts[] {
  const byKey = new Map<string, ReleaseFacts>();
  const get = (namespace: string, release: string): ReleaseFacts => {
    const k = releaseKey(namespace, release);
    let f = byKey.get(k);
    if (!f) {
      f = {
        namespace,
        release,
        marks: [],
        helm: o.helmSecrets ? null : undefined,
        store: o.configSecrets ? null : undefined,
      };
      byKey.set(k, f);
    }
    return f;
  };
  for (const w of o.controlPlanes) {
    const release = w.labels.release;
    if (!release) continue;
    const f = get(w.namespace, release);
    // During phase one Helm replaces Deployment <release> with StatefulSet <release>; the StatefulSet is the one that counts.
    if (!f.controlPlane || w.kind === 'StatefulSet') f.controlPlane = w;
  }
  for (const e of o.etcds) {
    const release = e.labels.release;
    if (release) get(e.namespace, release).etcd = e;
  }
  for (const r of o.records) {
    const release = r.release ?? r.name.replace(/-etcd-migration$/, '');
    if (r.name !== stateConfigMapName(release)) continue;
    get(r.namespace, release).record = recordFacts(r.text, r.namespace, release);
  }
  // Helm only for releases that are vClusters (other charts' releases are not ours to list).
  const latest = new Map<string, { status: string; revision: number }>();
  for (const s of o.helmSecrets ?? []) {
    const name = s.labels.name;
    const revision = Number(s.labels.version);
    if (!name || !Number.isInteger(revision)) continue;
    const k = releaseKey(s.namespace, name);
    const cur = latest.get(k);
    if (!cur || revision > cur.revision) latest.set(k, { status: s.labels.status ?? 'unknown', revision });
  }
  for (const c of o.configSecrets ?? []) {
    const release = c.labels.release ?? c.name.replace(/^vc-config-/, '');
    const f = byKey.get(releaseKey(c.namespace, release));
    if (f && c.name === `vc-config-${release}`) f.store = c.annotations[STORE_ANNOTATION] ?? null;
  }
  const nsMeta = new Map((o.namespaces ?? []).map((n) => [n.name, n]));
  for (const f of byKey.values()) {
    if (o.helmSecrets) f.helm = latest.get(releaseKey(f.namespace, f.release)) ?? null;
    const objects: MarkedObject[] = [];
    if (f.controlPlane)
      objects.push({
        what: `${f.controlPlane.kind} ${f.controlPlane.name}`,
        labels: f.controlPlane.labels,
        annotations: f.controlPlane.annotations,
      });
    if (f.etcd)
      objects.push({ what: `StatefulSet ${f.etcd.name}`, labels: f.etcd.labels, annotations: f.etcd.annotations });
    const ns = nsMeta.get(f.namespace);
    if (ns) {
      objects.push({ what: `Namespace ${f.namespace}`, labels: ns.labels });
      f.namespaceMeta = { labels: ns.labels, annotations: ns.annotations ?? {} };
    }
    f.marks = gitopsMarks(f.release, objects);
  }
  return [...byKey.values()];
}
