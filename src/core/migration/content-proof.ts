// The content proof, pure part: per group a digest over every key and value read at one revision
// of each etcd, compared group by group; for a group whose digests differ, the two sides' entries in
// key order say what differs. Keys only, never a value, leave this module.
import { DEFAULT_VOLATILE_PREFIXES, isVolatile } from './census.ts';
import { emptyGroupComparison, noteDifference, type GroupComparison } from './keyspace-comparison.ts';

/** One group's keys and values at one revision: how many, and one digest over all of them in key order. */
export interface GroupDigest {
  count: number;
  /** Hex digest over (key length, key, value length, value) of every key of the group, keys sorted. */
  digest: string;
}

/** One etcd's content: a digest per group, all read at one revision. */
export interface ContentDigest {
  revision: number;
  total: number;
  groups: Record<string, GroupDigest>;
}

/** One key as the group walk yields it: the key (one char per byte, so string order is etcd's byte order) and a digest of its value. */
export interface ContentEntry {
  key: string;
  value: string;
}

export type ContentVerdict = 'same' | 'differs' | 'more-in-embedded' | 'volatile';

export interface ContentRow {
  group: string;
  deployed: number;
  embedded: number;
  volatile: boolean;
  verdict: ContentVerdict;
  /** What the summary and key-diff say: "same keys and values", or what differs (counts and the first differing key). */
  text: string;
  /** The first key (in key order) that is missing from the embedded etcd or has another value there. */
  firstDifferingKey?: string;
}

export interface ContentDiff {
  deployedRevision: number;
  embeddedRevision: number;
  /** Differing groups first, then groups with keys only the embedded etcd has, then the rest; by name within. */
  rows: ContentRow[];
  /** Non-volatile groups whose keys or values differ (a key missing or another value in the embedded etcd). */
  differing: ContentRow[];
  ok: boolean;
}

export const SAME_TEXT = 'same keys and values';

/** What phase one's content proof showed equal, and at which revisions: abort carries back only what changed since. */
export interface ContentBaseline {
  deployedRevision: number;
  embeddedRevision: number;
  /** Groups with the same keys and values in both etcds at those revisions. */
  sameGroups: string[];
  /** The uid of the embedded etcd's PVC then: another PVC under its name holds another etcd's history. */
  embeddedPvcUid?: string;
}

export function contentBaseline(diff: ContentDiff, embeddedPvcUid: string | undefined): ContentBaseline {
  return {
    embeddedPvcUid,
    deployedRevision: diff.deployedRevision,
    embeddedRevision: diff.embeddedRevision,
    sameGroups: diff.rows.filter((r) => r.verdict === 'same').map((r) => r.group),
  };
}

/**
 * The groups whose digests differ and are not volatile: the ones whose entries must be walked to
 * say what differs.
 */
export function groupsToExplain(
  deployed: ContentDigest,
  embedded: ContentDigest,
  volatilePrefixes: readonly string[] = DEFAULT_VOLATILE_PREFIXES,
): string[] {
  const names = new Set([...Object.keys(deployed.groups), ...Object.keys(embedded.groups)]);
  return [...names]
    .filter((g) => !isVolatile(g, volatilePrefixes) && deployed.groups[g]?.digest !== embedded.groups[g]?.digest)
    .sort();
}

/**
 * Walk one group on both sides in key order and count what differs. The walk reads both sides
 * together and keeps only the current key of each: a group of any size fits.
 */
export async function explainGroup(
  group: string,
  deployed: AsyncIterable<ContentEntry>,
  embedded: AsyncIterable<ContentEntry>,
  display: (key: string) => string = (k) => k,
): Promise<GroupComparison> {
  const g = emptyGroupComparison(group);
  const a = deployed[Symbol.asyncIterator]();
  const b = embedded[Symbol.asyncIterator]();
  let x = await a.next();
  let y = await b.next();
  while (!x.done || !y.done) {
    if (y.done || (!x.done && x.value.key < y.value.key)) {
      noteDifference(g, 'onlyInSource', display(x.value!.key));
      x = await a.next();
    } else if (x.done || y.value.key < x.value.key) {
      noteDifference(g, 'onlyInTarget', display(y.value.key));
      y = await b.next();
    } else {
      if (x.value.value === y.value.value) g.same++;
      else noteDifference(g, 'changed', display(x.value.key));
      [x, y] = await Promise.all([a.next(), b.next()]);
    }
  }
  return g;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What differs in a group, in words: counts and first keys, never a value. */
function describe(deployed: number, embedded: number, c: GroupComparison | undefined): string {
  const counts =
    deployed === embedded ? `${deployed} keys on both sides` : `${deployed} keys deployed, ${embedded} embedded`;
  if (!c) return `keys or values differ (${counts})`;
  const parts: string[] = [];
  if (c.onlyInSource > 0)
    parts.push(`${plural(c.onlyInSource, 'key')} missing from the embedded etcd (first: ${c.first.onlyInSource[0]})`);
  if (c.changed > 0)
    parts.push(
      `${c.changed === 1 ? '1 value differs' : `${c.changed} values differ`} (first key: ${c.first.changed[0]})`,
    );
  if (c.onlyInTarget > 0)
    parts.push(`${plural(c.onlyInTarget, 'key')} only in the embedded etcd (first: ${c.first.onlyInTarget[0]})`);
  return `${parts.join('; ')} (${counts})`;
}

function firstLoss(c: GroupComparison): string | undefined {
  const keys = [c.first.onlyInSource[0], c.first.changed[0]].filter((k): k is string => k !== undefined);
  return keys.length ? keys.reduce((m, k) => (k < m ? k : m)) : undefined;
}

function rowOf(
  group: string,
  deployed: GroupDigest | undefined,
  embedded: GroupDigest | undefined,
  volatile: boolean,
  explained: GroupComparison | undefined,
): ContentRow {
  const d = deployed?.count ?? 0;
  const e = embedded?.count ?? 0;
  const base = { group, deployed: d, embedded: e, volatile };
  if (volatile) return { ...base, verdict: 'volatile', text: `volatile: counted only (${d} deployed, ${e} embedded)` };
  if (deployed?.digest === embedded?.digest) return { ...base, verdict: 'same', text: SAME_TEXT };
  // Keys the embedded etcd has in addition (written since the copy) are shown, as the counts allow them.
  const extraOnly = explained !== undefined && explained.onlyInSource === 0 && explained.changed === 0;
  const row: ContentRow = {
    ...base,
    verdict: extraOnly ? 'more-in-embedded' : 'differs',
    text: describe(d, e, explained),
  };
  const first = explained && firstLoss(explained);
  if (first !== undefined) row.firstDifferingKey = first;
  return row;
}

const RANK: Record<ContentVerdict, number> = { differs: 0, 'more-in-embedded': 1, same: 2, volatile: 2 };

/**
 * Compare the two etcds' contents group by group. `explained` holds the walks of the groups named by
 * groupsToExplain; a differing group without one (a walk not made) still fails, described by counts.
 */
export function compareContent(
  deployed: ContentDigest,
  embedded: ContentDigest,
  explained: readonly GroupComparison[],
  volatilePrefixes: readonly string[] = DEFAULT_VOLATILE_PREFIXES,
): ContentDiff {
  const byGroup = new Map(explained.map((c) => [c.group, c]));
  const names = [...new Set([...Object.keys(deployed.groups), ...Object.keys(embedded.groups)])].sort();
  const rows = names.map((g) =>
    rowOf(g, deployed.groups[g], embedded.groups[g], isVolatile(g, volatilePrefixes), byGroup.get(g)),
  );
  rows.sort((x, y) => RANK[x.verdict] - RANK[y.verdict] || (x.group < y.group ? -1 : 1));
  const differing = rows.filter((r) => r.verdict === 'differs');
  return {
    deployedRevision: deployed.revision,
    embeddedRevision: embedded.revision,
    rows,
    differing,
    ok: differing.length === 0,
  };
}
