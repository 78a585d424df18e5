// Two etcd keyspaces compared key by key, per census group: the result the etcd reader produces and
// its summary for the log, the step summary and the decision. Pure. Keys only, never a value.
import { DEFAULT_VOLATILE_PREFIXES, isVolatile, type Census } from './census.ts';

/** How many differing keys of each kind a group keeps (the first ones in key order). */
export const FIRST_KEYS_MAX = 3;

export interface GroupComparison {
  group: string;
  /** Keys with the same value on both sides. */
  same: number;
  onlyInSource: number;
  onlyInTarget: number;
  /** Keys on both sides with different values. */
  changed: number;
  /** The first keys of each kind in key order, at most FIRST_KEYS_MAX each. */
  first: { onlyInSource: string[]; onlyInTarget: string[]; changed: string[] };
}

export interface KeyspaceComparison {
  /** The revision each side was read at. */
  sourceRevision: number;
  targetRevision: number;
  sourceKeys: number;
  targetKeys: number;
  /** Sorted by group name. */
  groups: GroupComparison[];
}

export function emptyGroupComparison(group: string): GroupComparison {
  return {
    group,
    same: 0,
    onlyInSource: 0,
    onlyInTarget: 0,
    changed: 0,
    first: { onlyInSource: [], onlyInTarget: [], changed: [] },
  };
}

export type DiffKind = 'onlyInSource' | 'onlyInTarget' | 'changed';

/** Adds the counts of `later` (the same group, keys after those of `into`) into `into`. */
export function mergeGroupComparison(into: GroupComparison, later: GroupComparison): void {
  into.same += later.same;
  for (const kind of ['onlyInSource', 'onlyInTarget', 'changed'] as const) {
    into[kind] += later[kind];
    into.first[kind] = [...into.first[kind], ...later.first[kind]].slice(0, FIRST_KEYS_MAX);
  }
}

/** Count one differing key into its group's row, keeping the first few keys. */
export function noteDifference(g: GroupComparison, kind: DiffKind, key: string): void {
  g[kind]++;
  if (g.first[kind].length < FIRST_KEYS_MAX) g.first[kind].push(key);
}

export interface ComparisonRow {
  group: string;
  volatile: boolean;
  /** True when both sides hold the same keys with the same values. */
  equal: boolean;
  same: number;
  onlyInSource: number;
  onlyInTarget: number;
  changed: number;
  /** The first key (in key order) that differs, of any kind. */
  firstDiffering?: string;
}

export interface ComparisonSummary {
  /** Every non-volatile group equal. */
  equal: boolean;
  rows: ComparisonRow[];
  /** Totals over the non-volatile groups. */
  totals: { same: number; onlyInSource: number; onlyInTarget: number; changed: number };
  sourceRevision: number;
  targetRevision: number;
}

function firstOf(g: GroupComparison): string | undefined {
  const all = [...g.first.onlyInSource, ...g.first.onlyInTarget, ...g.first.changed];
  return all.length ? all.reduce((a, b) => (b < a ? b : a)) : undefined;
}

/** Per group: equal or the counts of what differs and the first differing key; differing groups first. */
export function summarizeComparison(
  c: KeyspaceComparison,
  volatilePrefixes: readonly string[] = DEFAULT_VOLATILE_PREFIXES,
): ComparisonSummary {
  const totals = { same: 0, onlyInSource: 0, onlyInTarget: 0, changed: 0 };
  const rows: ComparisonRow[] = c.groups.map((g) => {
    const volatile = isVolatile(g.group, volatilePrefixes);
    const equal = g.onlyInSource + g.onlyInTarget + g.changed === 0;
    if (!volatile) {
      totals.same += g.same;
      totals.onlyInSource += g.onlyInSource;
      totals.onlyInTarget += g.onlyInTarget;
      totals.changed += g.changed;
    }
    const row: ComparisonRow = {
      group: g.group,
      volatile,
      equal,
      same: g.same,
      onlyInSource: g.onlyInSource,
      onlyInTarget: g.onlyInTarget,
      changed: g.changed,
    };
    const first = firstOf(g);
    if (first !== undefined) row.firstDiffering = first;
    return row;
  });
  const rank = (r: ComparisonRow) => (r.equal ? 2 : r.volatile ? 1 : 0);
  rows.sort((a, b) => rank(a) - rank(b) || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  return {
    equal: rows.every((r) => r.equal || r.volatile),
    rows,
    totals,
    sourceRevision: c.sourceRevision,
    targetRevision: c.targetRevision,
  };
}

/**
 * The source's census at the revision it was read at, from a comparison that read every key of it:
 * per group its keys with the same value, a changed one, or none in the target. Key by key, so at
 * least as strong as a census of counts.
 */
export function sourceCensus(c: KeyspaceComparison, at: Pick<Census, 'store' | 'path' | 'takenAt'>): Census {
  const groups: Record<string, number> = {};
  let total = 0;
  for (const g of c.groups) {
    const n = g.same + g.changed + g.onlyInSource;
    if (n === 0) continue;
    groups[g.group] = n;
    total += n;
  }
  return { revision: c.sourceRevision, total, groups, ...at };
}
