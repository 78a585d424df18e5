// The fleet: every vCluster release the cluster shows, grouped from a few listed object kinds, each
// classified with the reason in words, and the matrix the next phase runs on. Pure: the adapter
// (kube-fleet.ts) lists the objects, this module decides.
import { gitopsMarks, describeMarks, type GitOpsMark, type MarkedObject } from '../migration/gitops.ts';
import {
  atLeast,
  compareVersions,
  parseChartVersion,
  ETCD_36_LINE,
  MIN_MIGRATION,
  type ChartVersion,
} from '../inputs/version.ts';
import { STATE_KEY, stateConfigMapName, type StateRecord } from '../migration/state.ts';

export type FleetState = 'deployed' | 'migrating' | 'verified' | 'embedded' | 'not-eligible';
export const FLEET_STATES: readonly FleetState[] = ['deployed', 'migrating', 'verified', 'embedded', 'not-eligible'];
export type NextPhase = 'migrate' | 'finalize';

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
  namespaces?: { name: string; labels: Record<string, string> }[];
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
}

export interface FleetOptions {
  chartVersion: ChartVersion | 'keep';
  gitopsPaused: boolean;
}

export interface FleetEntry {
  namespace: string;
  release: string;
  state: FleetState;
  reason: string;
  next: string;
  /** Installed chart version (from the workload's chart label). */
  chart?: string;
  /** The version the next phase would use. */
  target?: string;
  keysBefore?: number;
  keysAfter?: number;
  /** A person has to act (approve, fix, pause a controller) before the fleet can go on. */
  attention: boolean;
  gitops?: string;
}

const STORE_ANNOTATION = 'vcluster.loft.sh/store';
const key = (ns: string, name: string) => `${ns}/${name}`;

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
    const k = key(namespace, release);
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
    const k = key(s.namespace, name);
    const cur = latest.get(k);
    if (!cur || revision > cur.revision) latest.set(k, { status: s.labels.status ?? 'unknown', revision });
  }
  for (const c of o.configSecrets ?? []) {
    const release = c.labels.release ?? c.name.replace(/^vc-config-/, '');
    const f = byKey.get(key(c.namespace, release));
    if (f && c.name === `vc-config-${release}`) f.store = c.annotations[STORE_ANNOTATION] ?? null;
  }
  const nsLabels = new Map((o.namespaces ?? []).map((n) => [n.name, n.labels]));
  for (const f of byKey.values()) {
    if (o.helmSecrets) f.helm = latest.get(key(f.namespace, f.release)) ?? null;
    const objects: MarkedObject[] = [];
    if (f.controlPlane)
      objects.push({
        what: `${f.controlPlane.kind} ${f.controlPlane.name}`,
        labels: f.controlPlane.labels,
        annotations: f.controlPlane.annotations,
      });
    if (f.etcd)
      objects.push({ what: `StatefulSet ${f.etcd.name}`, labels: f.etcd.labels, annotations: f.etcd.annotations });
    const labels = nsLabels.get(f.namespace);
    if (labels) objects.push({ what: `Namespace ${f.namespace}`, labels });
    f.marks = gitopsMarks(f.release, objects);
  }
  return [...byKey.values()];
}

/** "vcluster-0.27.0" → "0.27.0". */
export function chartVersionOfLabel(label: string | undefined): string | undefined {
  const m = /^vcluster(?:-[a-z0-9]+)*?-v?(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?)$/.exec(label ?? '');
  return m?.[1];
}

const STATE_ORDER: Record<FleetState, number> = {
  'not-eligible': 0,
  migrating: 1,
  verified: 2,
  deployed: 3,
  embedded: 4,
};

/** Attention first, then by state, namespace and release: the summary's and the output's order. */
export function sortFleet(entries: FleetEntry[]): FleetEntry[] {
  return [...entries].sort(
    (a, b) =>
      Number(b.attention) - Number(a.attention) ||
      STATE_ORDER[a.state] - STATE_ORDER[b.state] ||
      a.namespace.localeCompare(b.namespace) ||
      a.release.localeCompare(b.release),
  );
}

export function classifyFleet(facts: ReleaseFacts[], o: FleetOptions): FleetEntry[] {
  return sortFleet(facts.map((f) => classify(f, o)));
}

type Verdict = Omit<FleetEntry, 'namespace' | 'release' | 'chart' | 'keysBefore' | 'keysAfter'>;

/** Where a release stands in a migration this action (or someone by hand) began, if it began. */
function progress(f: ReleaseFacts): Verdict | undefined {
  const r = f.record;
  const cp = f.controlPlane;
  // An aborted phase one is history: the release is judged as the deployed release it is again.
  if (r?.abort?.status === 'aborted') return undefined;
  if (r?.abort) {
    return {
      state: 'not-eligible',
      attention: true,
      reason: `an abort is ${r.abort.status}${r.abort.failure ? ` (${r.abort.failure})` : ''}; the control plane may be stopped`,
      next: 'run abort again from its job (it names the approval environment): it resumes where it stopped',
    };
  }
  if (r?.p2?.status === 'verified') {
    const pvcs = r.leftoverPvcs ?? [];
    return {
      state: 'embedded',
      attention: false,
      reason: `migrated by this action: phase two verified${r.p2.verifiedAt ? ` at ${r.p2.verifiedAt}` : ''}`,
      next:
        pvcs.length > 0
          ? `nothing; the deployed etcd's PVCs (${pvcs.join(', ')}) stay until you delete them`
          : 'nothing',
    };
  }
  if (r?.p2) {
    return {
      state: 'verified',
      attention: true,
      reason: `phase two began and is ${r.p2.status}${r.p2.failure ? ` (${r.p2.failure})` : ''}`,
      next: 'run finalize again: it resumes phase two',
    };
  }
  if (r?.p1?.status === 'verified') {
    return {
      state: 'verified',
      attention: true,
      reason: `phase one verified${r.p1.verifiedAt ? ` at ${r.p1.verifiedAt}` : ''}; waiting for finalize`,
      next: 'approve the environment of the finalize job, which runs phase two',
    };
  }
  if (r?.p1) {
    const failed = r.p1.status === 'failed';
    return {
      state: 'migrating',
      attention: failed,
      reason: `phase one ${r.p1.status}${r.p1.failure ? ` (${r.p1.failure})` : ''}`,
      next: failed ? 'read the last migrate summary; run migrate again: it resumes' : 'run migrate again: it resumes',
    };
  }
  if (cp?.kind === 'StatefulSet' && f.etcd) {
    return {
      state: 'migrating',
      attention: true,
      reason: `the control plane is StatefulSet ${cp.name} while StatefulSet ${f.etcd.name} still exists: phase-one values are applied, but this action has no record of it`,
      next: 'run migrate: it resumes at the wait for the success log line and the key counts',
    };
  }
  if (f.store === 'embedded-etcd' && !f.etcd && cp) {
    return {
      state: 'embedded',
      attention: false,
      reason: `runs on embedded etcd (annotation ${STORE_ANNOTATION} of vc-config-${f.release})`,
      next: 'nothing',
    };
  }
  return undefined;
}

/** Why a release that is not in a migration cannot start one; empty when it can. */
function blockers(
  f: ReleaseFacts,
  installed: ChartVersion | undefined,
  target: ChartVersion | undefined,
  o: FleetOptions,
): { reason: string; next: string }[] {
  const out: { reason: string; next: string }[] = [];
  const cp = f.controlPlane!;
  const label = cp.labels.chart;
  if (!installed) {
    out.push({
      reason: `the chart version is not known (label chart of ${cp.kind} ${cp.name} is ${label ? `"${label}"` : 'missing'})`,
      next: 'check the release with helm list; only the vCluster chart is migrated',
    });
  } else if (!atLeast(installed, MIN_MIGRATION)) {
    out.push({
      reason: `chart ${installed.text} is older than ${MIN_MIGRATION}, which brought migrateFromDeployedEtcd`,
      next: `upgrade the release to a chart from ${MIN_MIGRATION} to 0.28.x on deployed etcd first`,
    });
  }
  if (installed && target && o.chartVersion !== 'keep') {
    if (compareVersions(target, installed) < 0) {
      out.push({
        reason: `chart-version ${target.text} is older than the installed chart ${installed.text}`,
        next: `use chart-version: keep, or ${installed.text} or later`,
      });
    } else if (!atLeast(installed, ETCD_36_LINE) && atLeast(target, ETCD_36_LINE)) {
      out.push({
        reason: `chart ${installed.text} ships etcd 3.5 and chart-version ${target.text} etcd 3.6; vCluster requires a stop on a 0.24.2-0.28.x chart`,
        next: 'migrate with chart-version: keep (or a 0.28.x version) first, then upgrade',
      });
    }
  }
  const zero = [cp, f.etcd].filter((w): w is WorkloadObj => w !== undefined && w.replicas === 0);
  if (zero.length > 0) {
    out.push({
      reason: `scaled to zero (${zero.map((w) => `${w.kind} ${w.name}`).join(', ')} has 0 replicas)`,
      next: 'scale it up (or wake it from sleep mode) and wait until it is Ready, then run discover again',
    });
  }
  if (f.helm === null) {
    out.push({
      reason: `no Helm release ${f.release} in ${f.namespace} (no Secret labelled owner=helm,name=${f.release})`,
      next: 'the action upgrades Helm releases only; install or adopt the release with Helm first',
    });
  } else if (f.helm && f.helm.status !== 'deployed') {
    out.push({
      reason: `the Helm status is ${f.helm.status} (revision ${f.helm.revision}), not deployed`,
      next: `finish or roll back the Helm operation (helm history ${f.release} -n ${f.namespace})`,
    });
  }
  if (f.store && f.store !== 'deployed-etcd') {
    out.push({
      reason: `annotation ${STORE_ANNOTATION} of vc-config-${f.release} says ${f.store} while a deployed etcd exists`,
      next: 'inspect the release: vCluster refuses some store changes at start',
    });
  }
  if (f.marks.length > 0 && !o.gitopsPaused) {
    out.push({ reason: `managed by ${describeMarks(f.marks)}`, next: f.marks.map((m) => m.todo).join('; ') });
  }
  return out;
}

function notOnDeployedEtcd(f: ReleaseFacts): Verdict {
  if (!f.controlPlane) {
    return {
      state: 'not-eligible',
      attention: false,
      reason:
        'no control-plane Deployment or StatefulSet labelled app=vcluster (only an etcd StatefulSet or a state record is left)',
      next: 'nothing, unless the vCluster should still exist',
    };
  }
  if (f.store && f.store !== 'deployed-etcd') {
    return {
      state: 'not-eligible',
      attention: false,
      reason: `the store is ${f.store} (annotation ${STORE_ANNOTATION}), not a deployed etcd`,
      next: 'nothing: only a deployed etcd is migrated',
    };
  }
  const unknown = f.store === undefined ? '; discover-secrets: true reads which from vc-config-' + f.release : '';
  return {
    state: 'not-eligible',
    attention: false,
    reason: `no deployed etcd (no StatefulSet labelled app=vcluster-etcd,release=${f.release}): the store is embedded etcd, the embedded database or an external one${unknown}`,
    next: 'nothing: only a deployed etcd is migrated',
  };
}

export function classify(f: ReleaseFacts, o: FleetOptions): FleetEntry {
  const chart = chartVersionOfLabel(f.controlPlane?.labels.chart ?? f.etcd?.labels.chart);
  const installed = parseChartVersion(chart ?? '');
  const base = {
    namespace: f.namespace,
    release: f.release,
    chart,
    keysBefore: f.record?.keysBefore,
    keysAfter: f.record?.keysAfter,
  };
  const gitops = f.marks.length > 0 ? describeMarks(f.marks) : undefined;
  const lock = f.record?.lock ? `; run ${f.record.lock.runId} holds the lock (${f.record.lock.phase})` : '';
  if (f.record?.error) {
    return {
      ...base,
      state: 'not-eligible',
      attention: true,
      gitops,
      reason: f.record.error,
      next: `inspect ConfigMap ${stateConfigMapName(f.release)} in ${f.namespace}; delete it only if no migration is under way`,
    };
  }
  const p = progress(f);
  if (p) {
    // Releases in a migration keep the chart version phase one used.
    const target = f.record?.p1?.chartVersion ?? chart ?? (o.chartVersion === 'keep' ? undefined : o.chartVersion.text);
    if (p.state !== 'embedded' && f.marks.length > 0 && !o.gitopsPaused) {
      return {
        ...base,
        target,
        gitops,
        state: 'not-eligible',
        attention: true,
        reason: `${p.reason}, but managed by ${gitops}${lock}`,
        next: f.marks.map((m) => m.todo).join('; '),
      };
    }
    return { ...base, ...p, target, gitops, reason: `${p.reason}${lock}` };
  }
  if (!f.controlPlane || !f.etcd) return { ...base, gitops, ...notOnDeployedEtcd(f) };
  const target = o.chartVersion === 'keep' ? installed : o.chartVersion;
  const blocked = blockers(f, installed, target, o);
  if (blocked.length > 0) {
    return {
      ...base,
      target: target?.text,
      gitops,
      state: 'not-eligible',
      attention: true,
      reason: blocked.map((b) => b.reason).join('; '),
      next: blocked.map((b) => b.next).join('; '),
    };
  }
  const helm = f.helm
    ? `Helm revision ${f.helm.revision} deployed`
    : 'Helm status not read (Secrets not listed; migrate checks it)';
  const paused = f.marks.length > 0 ? `; managed by ${gitops}, paused per gitops-paused: true` : '';
  const aborted = f.record?.abort?.status === 'aborted' ? f.record.abort : undefined;
  const stale = aborted?.leftoverPvcs ?? [];
  return {
    ...base,
    target: target!.text,
    gitops,
    state: 'deployed',
    attention: false,
    reason: `runs on deployed etcd (StatefulSet ${f.etcd.name}, ${f.etcd.replicas} replica${f.etcd.replicas === 1 ? '' : 's'}); ${helm}${paused}${lock}${aborted ? `; back from phase one by an abort${aborted.abortedAt ? ` at ${aborted.abortedAt}` : ''}` : ''}`,
    next:
      stale.length > 0
        ? `migrate to chart ${target!.text} once PVC ${stale.join(', ')} (the old embedded etcd) is deleted, or with delete-stale-embedded-pvc: true`
        : `migrate to chart ${target!.text}`,
  };
}

export interface MatrixEntry {
  release: string;
  namespace: string;
  'chart-version': string;
}

export interface FleetMatrix {
  matrix: { include: MatrixEntry[] };
  /** Releases the next phase should run on that did not fit into this page. */
  left: number;
}

/** GitHub expands a matrix into at most 256 jobs. */
export const MATRIX_MAX = 256;

/** Which states the next phase runs on: migrate starts deployed and resumes migrating releases; finalize takes verified ones. */
export function matrixStates(next: NextPhase): FleetState[] {
  return next === 'migrate' ? ['migrating', 'deployed'] : ['verified'];
}

/** The next phase's matrix, at most `max` releases, those already under way first, each release once. */
export function fleetMatrix(entries: FleetEntry[], next: NextPhase, max: number): FleetMatrix {
  const states = matrixStates(next);
  const seen = new Set<string>();
  const eligible = entries
    .filter((e) => states.includes(e.state) && e.target !== undefined)
    .filter((e) => !seen.has(key(e.namespace, e.release)) && seen.add(key(e.namespace, e.release)))
    .sort(
      (a, b) =>
        states.indexOf(a.state) - states.indexOf(b.state) ||
        a.namespace.localeCompare(b.namespace) ||
        a.release.localeCompare(b.release),
    );
  const page = eligible.slice(0, Math.min(max, MATRIX_MAX));
  return {
    matrix: { include: page.map((e) => ({ release: e.release, namespace: e.namespace, 'chart-version': e.target! })) },
    left: eligible.length - page.length,
  };
}

export function countStates(entries: FleetEntry[]): Record<FleetState, number> {
  const c = Object.fromEntries(FLEET_STATES.map((s) => [s, 0])) as Record<FleetState, number>;
  for (const e of entries) c[e.state]++;
  return c;
}
