// Reads the content digest of an etcd (a digest per group over every key and value, keys sorted)
// at one revision, streamed page by page: never more than a page of the keyspace in memory.
//
// Cost model as for the census: etcd walks its index over a request's whole [key, range_end) to
// count it, whatever the limit. So a page continues the group of the last key read, bounded by that
// group's end; only the page that starts a new group reads to the end of its bucket. Pages are sized
// by bytes (about PAGE_BYTES each), and buckets are read concurrently.
import { createHash, hash, type Hash } from 'node:crypto';
import { groupOf, isPrefixGroup } from '../../core/migration/census.ts';
import type { ContentDigest, ContentEntry, GroupDigest } from '../../core/migration/content-proof.ts';
import { EtcdError, prefixEnd, type EtcdClient } from './client.ts';
import { groupEnd, isToEnd, keyspaceBuckets } from './census-reader.ts';
import { scanRangeResponse } from './proto.ts';

const PAGE_BYTES = 2 * 1024 * 1024;
const FIRST_LIMIT = 1000;
const MAX_LIMIT = 20_000;
/** Keys per page of a group walked key by key (a walk holds one page of each side). */
const WALK_LIMIT = 2000;

export interface ContentReadOptions {
  /** Read at this revision; default: the current one. */
  revision?: number;
  /** Buckets read at once; default 4. */
  concurrency?: number;
  onProgress?: (p: { bucketsDone: number; buckets: number; keys: number }) => void;
}

/** Told of each key-value as offsets into the page it came in (valid during the call only). */
type OnKv = (page: Buffer, keyStart: number, keyEnd: number, valueStart: number, valueEnd: number) => void;

/** Every key-value in [lo, hi) at a revision, page by page, each page bounded by the group it continues. */
async function readRange(client: EtcdClient, lo: Buffer, hi: Buffer, revision: number, onKv: OnKv): Promise<void> {
  let cursor = lo;
  let bound: Buffer | undefined;
  let limit = FIRST_LIMIT;
  for (;;) {
    const page = await client.rangeRaw({ key: cursor, rangeEnd: bound ?? hi, limit, revision });
    let lastStart = 0;
    let lastEnd = 0;
    const r = scanRangeResponse(page, (ks, ke, vs, ve) => {
      onKv(page, ks, ke, vs, ve);
      lastStart = ks;
      lastEnd = ke;
    });
    if (r.revision !== 0 && r.revision < revision)
      throw new Error(`content digest: etcd answered at revision ${r.revision}, below the pinned ${revision}`);
    limit = Math.max(100, Math.min(MAX_LIMIT, Math.round((limit * PAGE_BYTES) / Math.max(page.length, 1))));
    if (!r.more) {
      if (!bound) return;
      cursor = bound;
      bound = undefined;
      continue;
    }
    const last = page.subarray(lastStart, lastEnd);
    cursor = Buffer.concat([last, Buffer.from([0])]);
    const g = groupOf(last.toString('latin1'));
    const end = groupEnd(Buffer.from(g, 'latin1'), isPrefixGroup(g));
    bound = isToEnd(hi) || Buffer.compare(end, hi) < 0 ? end : undefined;
  }
}

/** Feeds one group's hash; entries are gathered in a scratch buffer so the hash sees few, large updates. */
class GroupHasher {
  private scratch = Buffer.allocUnsafe(256 * 1024);
  private used = 0;
  private h: Hash = createHash('sha256');
  count = 0;

  add(page: Buffer, ks: number, ke: number, vs: number, ve: number): void {
    this.count++;
    const need = 8 + (ke - ks) + (ve - vs);
    if (this.used + need > this.scratch.length) this.flush();
    if (need > this.scratch.length) {
      const head = Buffer.allocUnsafe(4);
      head.writeUInt32BE(ke - ks);
      this.h.update(head).update(page.subarray(ks, ke));
      head.writeUInt32BE(ve - vs);
      this.h.update(head).update(page.subarray(vs, ve));
      return;
    }
    const s = this.scratch;
    s.writeUInt32BE(ke - ks, this.used);
    this.used += 4 + page.copy(s, this.used + 4, ks, ke);
    s.writeUInt32BE(ve - vs, this.used);
    this.used += 4 + page.copy(s, this.used + 4, vs, ve);
  }

  private flush(): void {
    if (this.used > 0) this.h.update(this.scratch.subarray(0, this.used));
    this.used = 0;
  }

  done(): GroupDigest {
    this.flush();
    return { count: this.count, digest: this.h.digest('hex') };
  }
}

/** One bucket's groups. Groups never cross a bucket's bounds, and a group's keys come in one run. */
async function digestBucket(
  client: EtcdClient,
  lo: Buffer,
  hi: Buffer,
  revision: number,
): Promise<{ keys: number; groups: Map<string, GroupDigest> }> {
  const groups = new Map<string, GroupDigest>();
  let name = '';
  let prefix: Buffer | undefined;
  let hasher: GroupHasher | undefined;
  let keys = 0;
  const close = () => {
    if (hasher) groups.set(name, hasher.done());
  };
  await readRange(client, lo, hi, revision, (page, ks, ke, vs, ve) => {
    // Still in the current prefix group: no string made for this key.
    const p = prefix;
    if (!(p && ke - ks >= p.length && page.compare(p, 0, p.length, ks, ks + p.length) === 0)) {
      const g = groupOf(page.toString('latin1', ks, ke));
      if (g !== name || !hasher) {
        close();
        name = g;
        prefix = isPrefixGroup(g) ? Buffer.from(g, 'latin1') : undefined;
        hasher = new GroupHasher();
      }
    }
    hasher!.add(page, ks, ke, vs, ve);
    keys++;
  });
  close();
  return { keys, groups };
}

async function currentRevision(client: EtcdClient): Promise<number> {
  return (await client.count(Buffer.from([0]), Buffer.from([1]))).revision;
}

/** The content digest of an etcd at one revision (the current one unless given). */
export async function readContentDigest(client: EtcdClient, opts: ContentReadOptions = {}): Promise<ContentDigest> {
  try {
    return await digestAt(client, opts.revision ?? (await currentRevision(client)), opts);
  } catch (e) {
    // The pinned revision was compacted under us: one fresh attempt at a new revision.
    if (e instanceof EtcdError && e.kind === 'compacted' && opts.revision === undefined)
      return digestAt(client, await currentRevision(client), opts);
    throw e;
  }
}

async function digestAt(client: EtcdClient, revision: number, opts: ContentReadOptions): Promise<ContentDigest> {
  const all = keyspaceBuckets().map(([lo, hi], i) => ({ i, lo, hi }));
  const merged = new Map<string, GroupDigest>();
  let total = 0;
  let done = 0;
  const readBucket = async (lo: Buffer, hi: Buffer) => {
    try {
      return await digestBucket(client, lo, hi, revision);
    } catch (e) {
      // Pinned to one revision, a second reading sees the same keys (a port-forward cut meanwhile).
      if (!(e instanceof EtcdError && e.kind === 'unavailable')) throw e;
      return digestBucket(client, lo, hi, revision);
    }
  };
  const queue = [...all];
  let failed = false;
  const workers = Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, async () => {
    for (let b = queue.shift(); b && !failed; b = queue.shift()) {
      try {
        const r = await readBucket(b.lo, b.hi);
        for (const [g, d] of r.groups) merged.set(g, d);
        total += r.keys;
        done++;
        opts.onProgress?.({ bucketsDone: done, buckets: all.length, keys: total });
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  });
  await Promise.all(workers);
  const groups: Record<string, GroupDigest> = {};
  for (const g of [...merged.keys()].sort()) groups[Buffer.from(g, 'latin1').toString('utf8')] = merged.get(g)!;
  return { revision, total, groups };
}

/** One group's keys in order with a digest of each value, at a revision: what explainGroup walks. */
export async function* groupEntries(client: EtcdClient, group: string, revision: number): AsyncGenerator<ContentEntry> {
  const start = Buffer.from(group, 'utf8');
  const end = isPrefixGroup(group) ? prefixEnd(start) : Buffer.concat([start, Buffer.from([0])]);
  // The walk reads a page ahead of what it yields: a generator cannot yield inside the page callback.
  let cursor = start;
  for (;;) {
    const entries: ContentEntry[] = [];
    let next: Buffer | undefined;
    const page = await client.rangeRaw({ key: cursor, rangeEnd: end, limit: WALK_LIMIT, revision });
    const r = scanRangeResponse(page, (ks, ke, vs, ve) => {
      entries.push({ key: page.toString('latin1', ks, ke), value: hash('sha256', page.subarray(vs, ve)) });
      next = page.subarray(ks, ke);
    });
    yield* entries;
    if (!r.more || !next) return;
    cursor = Buffer.concat([next, Buffer.from([0])]);
  }
}

/** A key as the walk gives it (one char per byte) in readable form. */
export function displayKey(key: string): string {
  return Buffer.from(key, 'latin1').toString('utf8');
}
