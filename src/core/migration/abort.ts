// Whether phase: abort may return a release to its deployed etcd, and which etcd's keyspace it keeps.
// Pure: the state record, what the cluster shows and, when it was read, the comparison of the two etcds
// (source = the embedded etcd, target = the deployed etcd).
import { DEFAULT_VOLATILE_PREFIXES, isVolatile } from './census.ts';
import { objectNames, type ClusterView } from './cluster-view.ts';
import type { GroupComparison, KeyspaceComparison } from './keyspace-comparison.ts';
import { stateConfigMapName, type StateRecord } from './state.ts';

export type { ComparisonRow, ComparisonSummary, GroupComparison, KeyspaceComparison } from './keyspace-comparison.ts';
export { summarizeComparison } from './keyspace-comparison.ts';

/** The etcd whose keyspace the abort keeps (input abort-source). */
export type AbortSource = 'embedded' | 'deployed';
/** Phase one verified (the embedded etcd is the truth) or not (the comparison tells). */
export type AbortCase = 'verified' | 'not-verified';

/** Keys the action writes for its own purposes (the revision bump); never part of a decision. */
export const RESERVED_PREFIX = '/vcluster-etcd-migrate/';

/** What keeping one side throws away of the other, per group, keys only. */
export interface Discard {
  /** The etcd whose data is thrown away. */
  side: AbortSource;
  /** Keys only that side has (deleted or never copied back). */
  onlyThere: number;
  /** Keys whose value on that side is overwritten. */
  changed: number;
  groups: { group: string; onlyThere: number; changed: number; firstKeys: string[] }[];
}

export type AbortDecision =
  | { kind: 'refuse'; which: string; why: string; remedy: string }
  /** Allowed; which side to keep is decided once both etcds have been compared. */
  | { kind: 'compare'; case: AbortCase; why: string }
  /**
   * Go: keep `keep`. Keeping the embedded etcd makes the deployed etcd's keyspace equal to it; keeping the
   * deployed etcd only lifts its revision above the embedded one's and compacts. `discard` lists what the
   * other side loses, when anything.
   */
  | {
      kind: 'abort';
      case: AbortCase;
      keep: AbortSource;
      by: 'state' | 'comparison' | 'input';
      why: string;
      discard?: Discard;
    };

export interface AbortOptions {
  /** Input abort-source: which etcd to keep when both hold writes the other lacks. */
  abortSource?: AbortSource;
  volatilePrefixes?: readonly string[];
}

function refusePhaseTwo(s: StateRecord): AbortDecision {
  const p2 = s.phase2!;
  const b = s.phase1?.backup;
  const way = b
    ? `the snapshot phase one took before it changed anything: ${b.file} (revision ${b.revision}, ${b.keys} keys, sha256 ${b.sha256}); restore it into a new etcd with etcdutl snapshot restore --bump-revision and --mark-compacted`
    : `no snapshot of phase one is recorded (${s.phase1?.backupSkipReason ?? 'none was taken'}); the embedded etcd is the only copy: run phase finalize again to complete the migration`;
  return {
    kind: 'refuse',
    which: 'phase two',
    why: `phase two (finalize) began at ${p2.startedAt} (${p2.status}${p2.failure ? `: ${p2.failure}` : ''}): it removes the deployed etcd, so abort cannot return to it`,
    remedy: `the way that is left is ${way}`,
  };
}

function refuseView(s: StateRecord, v: ClusterView): AbortDecision | undefined {
  const objects = objectNames(s.release);
  if (!v.release) {
    return {
      kind: 'refuse',
      which: `Helm release ${s.release}`,
      why: `Helm release ${s.release} does not exist in namespace ${s.namespace}`,
      remedy: `check the release and namespace inputs (helm list -n ${s.namespace}); nothing was changed`,
    };
  }
  if (!v.deployedEtcd) {
    return {
      kind: 'refuse',
      which: `StatefulSet ${objects.etcdSts}`,
      why: `the deployed etcd's StatefulSet ${objects.etcdSts} is gone from namespace ${s.namespace}: there is no deployed etcd to return to`,
      remedy: `recreate it from the release's values before phase one (helm upgrade with them re-creates it), then run phase abort again; nothing was changed`,
    };
  }
  if (v.etcdPvcs.length === 0) {
    return {
      kind: 'refuse',
      which: `PVCs ${objects.etcdPvcPrefix}*`,
      why: `the deployed etcd's PVCs (${objects.etcdPvcPrefix}*) are gone from namespace ${s.namespace}: its data is lost, so there is no deployed etcd to return to`,
      remedy: `the release can only stay on embedded etcd: run phase finalize; nothing was changed`,
    };
  }
  return undefined;
}

const counted = (g: GroupComparison, volatile: readonly string[]) =>
  !isVolatile(g.group, volatile) && !g.group.startsWith(RESERVED_PREFIX);

/** What keeping `keep` throws away of the other side; undefined when nothing. */
export function discardOf(c: KeyspaceComparison, keep: AbortSource, volatile: readonly string[]): Discard | undefined {
  const side: AbortSource = keep === 'embedded' ? 'deployed' : 'embedded';
  // Source is the embedded etcd: keeping it drops what only the deployed (target) has, and vice versa.
  const only = keep === 'embedded' ? 'onlyInTarget' : 'onlyInSource';
  const groups: Discard['groups'] = [];
  for (const g of c.groups) {
    if (!counted(g, volatile) || g[only] + g.changed === 0) continue;
    const firstKeys = [...g.first[only], ...g.first.changed].sort().slice(0, 3);
    groups.push({ group: g.group, onlyThere: g[only], changed: g.changed, firstKeys });
  }
  if (!groups.length) return undefined;
  const sum = (k: 'onlyThere' | 'changed') => groups.reduce((a, g) => a + g[k], 0);
  return { side, onlyThere: sum('onlyThere'), changed: sum('changed'), groups };
}

/** One line: counts and first keys of what a side would lose. */
export function describeDiscard(d: Discard): string {
  const first = d.groups.flatMap((g) => g.firstKeys).slice(0, 5);
  return `the ${d.side} etcd loses ${d.onlyThere} key(s) only it has and its value of ${d.changed} changed key(s), in ${d.groups.length} group(s) (${d.groups.map((g) => g.group).join(', ')}; first keys: ${first.join(', ')})`;
}

function fromComparison(
  s: StateRecord,
  c: KeyspaceComparison,
  caseOf: AbortCase,
  o: AbortOptions,
  volatile: readonly string[],
): AbortDecision {
  const decided = (keep: AbortSource, by: 'state' | 'comparison' | 'input', why: string): AbortDecision => {
    const discard = discardOf(c, keep, volatile);
    return { kind: 'abort', case: caseOf, keep, by, why, ...(discard ? { discard } : {}) };
  };
  if (o.abortSource) {
    return decided(o.abortSource, 'input', `input abort-source is ${o.abortSource}: the ${o.abortSource} etcd is kept`);
  }
  if (caseOf === 'verified') {
    return decided(
      'embedded',
      'state',
      `phase one was verified at ${s.phase1?.verifiedAt}: the embedded etcd holds the truth`,
    );
  }
  let embeddedWrites = 0;
  let deployedOnly = 0;
  for (const g of c.groups) {
    if (!counted(g, volatile)) continue;
    embeddedWrites += g.onlyInSource + g.changed;
    deployedOnly += g.onlyInTarget;
  }
  if (embeddedWrites === 0) {
    return decided(
      'deployed',
      'comparison',
      `the embedded etcd holds no write the deployed etcd lacks${deployedOnly ? ` (it lacks ${deployedOnly} of the deployed etcd's keys: the copy was incomplete)` : ''}: the deployed etcd holds the truth`,
    );
  }
  if (deployedOnly === 0) {
    return decided(
      'embedded',
      'comparison',
      `the control plane wrote to the embedded etcd after the copy (${embeddedWrites} key(s) added or changed) and it lacks none of the deployed etcd's keys: the embedded etcd holds the truth`,
    );
  }
  const keepEmbedded = describeDiscard(discardOf(c, 'embedded', volatile)!);
  const keepDeployed = describeDiscard(discardOf(c, 'deployed', volatile)!);
  return {
    kind: 'refuse',
    which: 'input abort-source',
    why: `both etcds hold writes the other lacks: the embedded etcd has ${embeddedWrites} key(s) added or changed since the copy and lacks ${deployedOnly} key(s) of the deployed etcd; which to keep cannot be decided without throwing away writes`,
    remedy: `set input abort-source to the etcd to keep. abort-source: embedded — ${keepEmbedded}. abort-source: deployed — ${keepDeployed}. Nothing was changed in either etcd`,
  };
}

/**
 * Called before the etcds are read (no comparison: refuse, or say the case) and again after they were
 * compared (the side to keep).
 */
export function decideAbort(
  s: StateRecord,
  v: ClusterView,
  comparison?: KeyspaceComparison,
  o: AbortOptions = {},
): AbortDecision {
  if (s.phase2) return refusePhaseTwo(s);
  if (!s.phase1) {
    return {
      kind: 'refuse',
      which: 'phase one',
      why: `no phase one of release ${s.release} is recorded in ConfigMap ${stateConfigMapName(s.release)} in ${s.namespace}: the release was not migrated by this action, so there is nothing to abort`,
      remedy: `check the release and namespace inputs; nothing was changed`,
    };
  }
  const refusal = refuseView(s, v);
  if (refusal) return refusal;
  const volatile = o.volatilePrefixes ?? DEFAULT_VOLATILE_PREFIXES;
  const caseOf: AbortCase = s.phase1.status === 'verified' ? 'verified' : 'not-verified';
  if (comparison) return fromComparison(s, comparison, caseOf, o, volatile);
  if (caseOf === 'verified' && o.abortSource !== 'deployed') {
    return {
      kind: 'abort',
      case: 'verified',
      keep: 'embedded',
      by: o.abortSource ? 'input' : 'state',
      why: `phase one was verified at ${s.phase1.verifiedAt}: the embedded etcd holds the truth and goes back into the deployed etcd`,
    };
  }
  return {
    kind: 'compare',
    case: caseOf,
    why:
      caseOf === 'verified'
        ? 'input abort-source is deployed: what the embedded etcd would lose is listed from the comparison of both etcds'
        : `phase one was not verified (${s.phase1.status}${s.phase1.failure ? `: ${s.phase1.failure}` : ''}): which etcd holds the truth is decided by comparing both`,
  };
}
