// Reads a census (key count per group) from an etcd at one revision, without ever transferring
// the keyspace and without quadratic paging.
//
// Cost model (etcd 3.4/3.5 mvcc): a range request walks the in-memory index over its whole
// [key, range_end) to count it, whatever `limit` is. So a query costs the number of keys in its
// range, and paging a big range is quadratic. We therefore only ask bounded ranges:
// - the keyspace is cut into buckets: before '/registry/', one per first letter after
//   '/registry/' (plus the ranges below 'a' and above 'z'), and after '/registry/';
// - in a bucket, `range(lo, hi, limit=1)` gives the first key k and the count T of [lo, hi);
//   g = groupOf(k) holds every key in [g, end(g)) (see groupOf), so the next query starts at
//   end(g) and count(g) = T - T_next. If end(g) reaches hi, all T keys are in g.
// - a bucket with few keys is listed in one keys-only request and grouped locally.
// A bucket with G groups costs about G/2 passes over its keys; buckets are independent and are
// read concurrently. Every request is pinned to the revision of the first response.
// A bucket that meets 'unavailable' after the client's own retries (a port-forward cut while the
// kubelet restarts) is read once more from its start; its counts are merged only when complete.
import { groupOf, isPrefixGroup } from '../../core/migration/census.ts';
import { prefixEnd, type EtcdClient, EtcdError } from './client.ts';

/** The one operation the census needs; the port-forward client and the exec path both provide it. */
export interface KeyRangeReader {
  readRange(q: {
    key: Buffer;
    rangeEnd: Buffer;
    limit: number;
    revision: number;
    countOnly?: boolean;
  }): Promise<{ revision: number; count: number; keys: Buffer[] }>;
}

export function clientKeyReader(client: EtcdClient): KeyRangeReader {
  return {
    async readRange(q) {
      const r = await client.range({
        key: q.key,
        rangeEnd: q.rangeEnd,
        limit: q.limit,
        revision: q.revision,
        keysOnly: true,
        countOnly: q.countOnly,
      });
      return { revision: r.header.revision, count: r.count, keys: r.kvs.map((kv) => kv.key) };
    },
  };
}

export interface CensusProgress {
  bucketsDone: number;
  buckets: number;
  keys: number;
  groups: number;
}

export interface ReadCensusOptions {
  /** Read at this revision; default: the current one (taken from the first response). */
  revision?: number;
  onProgress?: (p: CensusProgress) => void;
  /** Buckets read at once; default 4. */
  concurrency?: number;
  /** A bucket with at most this many keys is listed in one request; default 2000. */
  listBelow?: number;
  /**
   * A bucket whose read met 'unavailable' (the client's own retries exhausted, e.g. a port-forward
   * cut while the kubelet restarts) is read once more from its start after this pause; default 2000 ms.
   */
  bucketRetryDelayMs?: number;
  /** Told when a bucket is read again, with the error that made it so (for the log). */
  onBucketRetry?: (info: { bucket: number; error: string }) => void;
}

export interface CensusCounts {
  revision: number;
  total: number;
  groups: Record<string, number>;
}

const REGISTRY = Buffer.from('/registry/');
/** range_end of [0x00] means "to the end of the keyspace". */
const TO_END = Buffer.from([0]);

export function isToEnd(b: Buffer): boolean {
  return b.length === 1 && b[0] === 0;
}

/** The end of a group's key range: everything with the prefix, or the one exact key. */
export function groupEnd(group: Buffer, prefix: boolean): Buffer {
  return prefix ? prefixEnd(group) : Buffer.concat([group, Buffer.from([0])]);
}

export function keyspaceBuckets(): Array<[Buffer, Buffer]> {
  const at = (c: string) => Buffer.concat([REGISTRY, Buffer.from(c)]);
  const out: Array<[Buffer, Buffer]> = [
    [Buffer.from([0]), REGISTRY],
    [REGISTRY, at('a')],
  ];
  for (let c = 'a'.charCodeAt(0); c <= 'z'.charCodeAt(0); c++) {
    out.push([at(String.fromCharCode(c)), at(String.fromCharCode(c + 1))]);
  }
  out.push([at('{'), prefixEnd(REGISTRY)], [prefixEnd(REGISTRY), TO_END]);
  return out;
}

export async function readCensus(
  source: EtcdClient | KeyRangeReader,
  opts: ReadCensusOptions = {},
): Promise<CensusCounts> {
  const reader: KeyRangeReader = 'readRange' in source ? source : clientKeyReader(source as EtcdClient);
  try {
    return await readAt(reader, opts);
  } catch (e) {
    // The revision we pinned was compacted under us: one fresh attempt at a new revision.
    if (e instanceof EtcdError && e.kind === 'compacted' && opts.revision === undefined) return readAt(reader, opts);
    throw e;
  }
}

async function readAt(reader: KeyRangeReader, opts: ReadCensusOptions): Promise<CensusCounts> {
  const listBelow = opts.listBelow ?? 2000;
  let revision = opts.revision ?? 0;
  if (!revision) {
    // A count over an (almost surely) empty range: costs nothing, gives the current revision.
    const r = await reader.readRange({
      key: Buffer.from([0]),
      rangeEnd: Buffer.from([1]),
      limit: 0,
      revision: 0,
      countOnly: true,
    });
    revision = r.revision;
  }
  // Groups are kept as latin1 strings (one char per byte) so they map back to key bytes exactly.
  const groups = new Map<string, number>();
  const add = (g: string, n: number) => {
    if (n > 0) groups.set(g, (groups.get(g) ?? 0) + n);
  };
  const all = keyspaceBuckets();
  let total = 0;
  let done = 0;

  // One bucket's counts, kept apart until the bucket is complete: a bucket read again after a
  // failure must not add its first keys twice.
  const readBucketOnce = async (lo: Buffer, hi: Buffer): Promise<{ total: number; groups: Map<string, number> }> => {
    const local = new Map<string, number>();
    const add = (g: string, n: number) => {
      if (n > 0) local.set(g, (local.get(g) ?? 0) + n);
    };
    let q = await reader.readRange({ key: lo, rangeEnd: hi, limit: 1, revision });
    const bucketTotal = q.count;
    let counted = 0;
    while (q.count > 0) {
      if (q.count <= listBelow) {
        // Small rest: list it once and group locally.
        const r = await reader.readRange({ key: q.keys[0]!, rangeEnd: hi, limit: 0, revision });
        if (r.keys.length !== q.count) {
          throw new Error(
            `census: etcd listed ${r.keys.length} keys where it counted ${q.count} at revision ${revision}; the read was not consistent. Run the phase again: the census reads one revision afresh.`,
          );
        }
        for (const k of r.keys) add(groupOf(k.toString('latin1')), 1);
        counted += r.keys.length;
        break;
      }
      const first = q.keys[0];
      if (!first)
        throw new Error(
          `census: etcd counted ${q.count} keys but returned none at revision ${revision}. Run the phase again: the census reads one revision afresh.`,
        );
      const g = groupOf(first.toString('latin1'));
      const end = groupEnd(Buffer.from(g, 'latin1'), isPrefixGroup(g));
      if (!isToEnd(hi) && Buffer.compare(end, hi) >= 0) {
        add(g, q.count);
        counted += q.count;
        break;
      }
      const next = await reader.readRange({ key: end, rangeEnd: hi, limit: 1, revision });
      add(g, q.count - next.count);
      counted += q.count - next.count;
      q = next;
    }
    if (counted !== bucketTotal) {
      throw new Error(
        `census: counted ${counted} keys in a bucket of ${bucketTotal} at revision ${revision}; this is a bug in the census reader.`,
      );
    }
    return { total: bucketTotal, groups: local };
  };

  const readBucket = async (index: number, lo: Buffer, hi: Buffer): Promise<void> => {
    let b: { total: number; groups: Map<string, number> };
    try {
      b = await readBucketOnce(lo, hi);
    } catch (e) {
      // Reads are pinned to one revision, so a second attempt sees the same keys.
      if (!(e instanceof EtcdError && e.kind === 'unavailable')) throw e;
      opts.onBucketRetry?.({ bucket: index, error: e.message });
      await new Promise((r) => setTimeout(r, opts.bucketRetryDelayMs ?? 2000));
      b = await readBucketOnce(lo, hi);
    }
    for (const [g, n] of b.groups) add(g, n);
    total += b.total;
    done++;
    opts.onProgress?.({ bucketsDone: done, buckets: all.length, keys: total, groups: groups.size });
  };

  // A small pool: buckets are independent, and etcd serves reads concurrently.
  const queue = all.map((b, i) => ({ i, lo: b[0], hi: b[1] }));
  let failed = false; // once one bucket fails the census has failed: start no more buckets
  const workers = Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, async () => {
    for (let b = queue.shift(); b && !failed; b = queue.shift()) {
      try {
        await readBucket(b.i, b.lo, b.hi);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  });
  await Promise.all(workers);

  const out: Record<string, number> = {};
  for (const g of [...groups.keys()].sort()) out[Buffer.from(g, 'latin1').toString('utf8')] = groups.get(g)!;
  return { revision, total, groups: out };
}

/**
 * The census of an etcd whose groups are known (another etcd's census): one count-only range per group
 * and one over the whole keyspace, all at one revision, no key sent. Undefined when the whole keyspace
 * holds more keys than those groups (a group the list lacks): then only a full census names it.
 */
export async function countKnownGroups(
  source: EtcdClient | KeyRangeReader,
  groups: readonly string[],
  concurrency = 8,
): Promise<CensusCounts | undefined> {
  const reader: KeyRangeReader = 'readRange' in source ? source : clientKeyReader(source as EtcdClient);
  const count = countRange(reader);
  // Two groups that overlap would count keys twice.
  const ranges = groupRanges(groups);
  if (ranges.some((_, i) => overlapsNeighbour(ranges, i))) return undefined;
  const whole = await count(TO_END, TO_END, 0);
  const revision = whole.revision;
  const counts = await countGroups(reader, groups, revision, concurrency);
  const sum = Object.values(counts).reduce((a, b) => a + b, 0);
  if (sum !== whole.count) return undefined;
  const out: Record<string, number> = {};
  for (const name of Object.keys(counts).sort()) if (counts[name]! > 0) out[name] = counts[name]!;
  return { revision, total: whole.count, groups: out };
}

const countRange = (reader: KeyRangeReader) => async (key: Buffer, rangeEnd: Buffer, revision: number) =>
  reader.readRange({ key, rangeEnd, limit: 0, revision, countOnly: true });

/** Keys in each group (by its name, as the census gives it) at `revision`, read as counts, several at once. */
export async function countGroups(
  source: EtcdClient | KeyRangeReader,
  groups: readonly string[],
  revision: number,
  concurrency = 8,
): Promise<Record<string, number>> {
  const count = countRange('readRange' in source ? source : clientKeyReader(source as EtcdClient));
  const counts: Record<string, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < groups.length) {
      const name = groups[next++]!;
      const g = Buffer.from(name, 'utf8');
      counts[name] = (await count(g, groupEnd(g, isPrefixGroup(name)), revision)).count;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, groups.length) }, worker));
  return counts;
}

/** A group's key range: every key starting with a '/'-group, or the one exact key. */
export interface GroupRange {
  name: string;
  lo: Buffer;
  hi: Buffer;
}

/** The key ranges of groups given by name (as the census gives them), in key order. */
export function groupRanges(groups: readonly string[]): GroupRange[] {
  return groups
    .map((name) => ({ name, lo: Buffer.from(name, 'utf8') }))
    .map(({ name, lo }) => ({ name, lo, hi: groupEnd(lo, isPrefixGroup(name)) }))
    .sort((a, b) => Buffer.compare(a.lo, b.lo));
}

/**
 * Whether range i overlaps the one before or after it. Groups are disjoint by construction; two overlap
 * only when a key is named like a prefix (a key '/registry/').
 */
export function overlapsNeighbour(ranges: readonly GroupRange[], i: number): boolean {
  const after = (a: GroupRange | undefined, b: GroupRange | undefined) =>
    !!a && !!b && (isToEnd(a.hi) || Buffer.compare(b.lo, a.hi) < 0);
  return after(ranges[i - 1], ranges[i]) || after(ranges[i], ranges[i + 1]);
}
