// The key census, pure part: how etcd keys are grouped (as kube-apiserver and vCluster lay them
// out) and how two censuses are compared. No I/O here; the reader that talks to etcd is
// an adapter, the Markdown table is rendered with the report.

/** One census of an etcd: key counts per group at one revision. */
export interface Census {
  /** The etcd revision every count was read at. */
  revision: number;
  total: number;
  /** Group prefix (see groupOf) to key count. */
  groups: Record<string, number>;
  /** Which etcd: 'deployed' (pod <release>-etcd-0) or 'embedded' (pod <release>-0). */
  store: EtcdStore;
  /** How it was read: through a port-forward to the pod, or etcdctl run by exec in the pod. */
  path: 'port-forward' | 'exec';
  takenAt: string;
}

/** The vCluster's two etcds: the deployed one (its own StatefulSet) and the embedded one (in the control plane). */
export type EtcdStore = 'deployed' | 'embedded';

export type DiffVerdict = 'ok' | 'lost' | 'volatile' | 'new';

export interface DiffRow {
  group: string;
  before: number;
  after: number;
  delta: number;
  volatile: boolean;
  verdict: DiffVerdict;
}

export interface CensusDiff {
  rows: DiffRow[];
  /** Non-volatile groups with fewer keys after than before. */
  lost: DiffRow[];
  ok: boolean;
}

/** Groups that change on their own between two moments: shown, never failing. */
export const DEFAULT_VOLATILE_PREFIXES: readonly string[] = [
  '/registry/events/',
  '/registry/leases/',
  'compact_rev_key',
];

/** Built-ins that kube-apiserver stores under two segments (/registry/services/specs/...). */
const TWO_SEGMENT = new Set(['services', 'ranges']);

/**
 * The group a key belongs to. A group ending in '/' holds every key that starts with it; any
 * other group is one exact key (root keys like compact_rev_key, /registry/ranges/serviceips).
 * The reader relies on this: every key starting with a '/'-group belongs to that group.
 */
export function groupOf(key: string): string {
  if (key.startsWith('/registry/')) {
    const rest = key.slice('/registry/'.length);
    const a = rest.indexOf('/');
    if (a < 0) return key; // /registry/<name> with nothing below: its own group
    const first = rest.slice(0, a);
    // API groups (CRDs, apiregistration.k8s.io, ...) contain a dot; a few built-ins use two segments.
    if (first.includes('.') || TWO_SEGMENT.has(first)) {
      const b = rest.indexOf('/', a + 1);
      // Stryker disable next-line EqualityOperator: b > a >= 0 when found, so b <= 0 means the same as b < 0
      if (b < 0) return key; // e.g. /registry/ranges/serviceips, a single key
      return '/registry/' + rest.slice(0, b + 1);
    }
    return '/registry/' + first + '/';
  }
  if (key.startsWith('/')) {
    // /vcluster/mappings/..., and any other tree: its first two segments when it has them.
    const a = key.indexOf('/', 1);
    // Stryker disable next-line EqualityOperator: searched from index 1, so a is never 0
    if (a < 0) return key;
    const b = key.indexOf('/', a + 1);
    // '/vcluster/x' alone is its own group: a '/vcluster/' group would swallow /vcluster/mappings/.
    // Stryker disable next-line EqualityOperator: b > a > 0 when found, so b <= 0 means the same as b < 0
    if (b < 0) return key;
    return key.slice(0, b + 1);
  }
  return key; // root keys such as compact_rev_key
}

/** True when the group holds all keys starting with it (rather than one exact key). */
export function isPrefixGroup(group: string): boolean {
  return group.endsWith('/');
}

export function isVolatile(group: string, volatilePrefixes: readonly string[]): boolean {
  return volatilePrefixes.some((p) => group.startsWith(p));
}

function verdictOf(before: number, after: number, volatile: boolean): DiffRow['verdict'] {
  if (volatile) return 'volatile';
  if (after < before) return 'lost';
  if (before === 0 && after > 0) return 'new';
  return 'ok';
}

// Order: lost first (largest loss first), then other changes, then unchanged; by name within.
// Group names are unique within a diff: two rows are never equal by name.
// Stryker disable next-line EqualityOperator: with unique names x.group <= y.group is x.group < y.group
const byName = (x: DiffRow, y: DiffRow): number => (x.group < y.group ? -1 : 1);

function rank(r: DiffRow): number {
  if (r.verdict === 'lost') return 0;
  if (r.delta !== 0) return 1;
  return 2;
}

/** Compare two censuses per group. Any non-volatile group with fewer keys after fails the diff. */
export function diffCensus(
  before: Pick<Census, 'groups'>,
  after: Pick<Census, 'groups'>,
  volatilePrefixes: readonly string[] = DEFAULT_VOLATILE_PREFIXES,
): CensusDiff {
  const names = new Set([...Object.keys(before.groups), ...Object.keys(after.groups)]);
  const rows: DiffRow[] = [];
  for (const group of names) {
    const b = before.groups[group] ?? 0;
    const a = after.groups[group] ?? 0;
    const volatile = isVolatile(group, volatilePrefixes);
    rows.push({ group, before: b, after: a, delta: a - b, volatile, verdict: verdictOf(b, a, volatile) });
  }
  rows.sort((x, y) => rank(x) - rank(y) || (rank(x) === 0 ? x.delta - y.delta : 0) || byName(x, y));
  const lost = rows.filter((r) => r.verdict === 'lost');
  return { rows, lost, ok: lost.length === 0 };
}

/** The groups that lost keys, as a refusal names them: `group (before → after)`, comma-separated. */
export function lostGroupsText(diff: Pick<CensusDiff, 'lost'>): string {
  return diff.lost.map((x) => `${x.group} (${x.before} → ${x.after})`).join(', ');
}
