// The fleet's classification: each release's state (deployed, migrating, verified, embedded, not
// eligible) with the reason and the next step in words, and the order the summary shows them in. Pure.
import { describeMarks } from '../migration/gitops.ts';
import {
  atLeast,
  compareVersions,
  parseChartVersion,
  ETCD_36_LINE,
  MIN_MIGRATION,
  type ChartVersion,
} from '../inputs/version.ts';
import { stateConfigMapName } from '../migration/state.ts';
import { STORE_ANNOTATION, type ReleaseFacts, type WorkloadObj } from './grouping.ts';

export type FleetState = 'deployed' | 'migrating' | 'verified' | 'embedded' | 'not-eligible';
export const FLEET_STATES: readonly FleetState[] = ['deployed', 'migrating', 'verified', 'embedded', 'not-eligible'];

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

export function countStates(entries: FleetEntry[]): Record<FleetState, number> {
  const c = Object.fromEntries(FLEET_STATES.map((s) => [s, 0])) as Record<FleetState, number>;
  for (const e of entries) c[e.state]++;
  return c;
}
