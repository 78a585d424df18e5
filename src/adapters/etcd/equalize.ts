// Compare two etcds' keyspaces in key order, and make the target's keyspace equal to the source's with
// its revision lifted above the source's and its history compacted, so a watch from a revision the
// source handed out is refused as compacted and its client relists. Both keyspaces are streamed a
// page at a time (never held whole); writes go in transactions, several in flight. Every write puts
// the source's value or deletes a key the source lacks, so a run stopped anywhere is finished by the
// next one: it compares again and writes only what still differs.
import { groupOf, isPrefixGroup } from '../../core/migration/census.ts';
import {
  emptyGroupComparison,
  FIRST_KEYS_MAX,
  mergeGroupComparison,
  noteDifference,
  type DiffKind,
  type GroupComparison,
  type KeyspaceComparison,
} from '../../core/migration/keyspace-comparison.ts';
import { RESERVED_PREFIX } from '../../core/migration/abort.ts';
import { EtcdError, prefixEnd, type EtcdClient } from './client.ts';
import { keyspaceBuckets } from './census-reader.ts';
import { keyOf, streamKeyspace, type KeyspacePage } from './keyspace-stream.ts';
import { TxnBuilder } from './proto.ts';

export interface KeyspaceProgress {
  /** Keys read so far, both sides together. */
  compared: number;
  /** Keys put into the target so far. */
  written: number;
  /** Keys deleted from the target so far. */
  deleted: number;
}

export interface CompareOptions {
  /** The source's revision to read at; default its current one. */
  revision?: number;
  onProgress?: (p: KeyspaceProgress) => void;
  /** Keys per page at most (tests use small pages); default 10000. */
  pageKeys?: number;
  /** The key ranges [from, to) to walk, in key order; default the whole keyspace. */
  ranges?: Array<[Buffer, Buffer]>;
}

export interface EqualizeOptions extends CompareOptions {
  /** Transactions in flight at once; default 8. */
  concurrency?: number;
}

export interface RevisionBump {
  /** The target's revision before anything was written, and after everything (its last write). */
  before: number;
  after: number;
  /** The revision the target's history is compacted at: a watch or read from before it is refused. */
  compactedAt: number;
}

export interface EqualizeResult extends RevisionBump {
  /** What differed before anything was written (the action's own reserved keys left out). */
  comparison: KeyspaceComparison;
  written: number;
  deleted: number;
}

/** etcd's default --max-txn-ops, and a request well under its default --max-request-bytes (1.5 MiB). */
const TXN_OPS = 128;
const TXN_BYTES = 1 << 20;
const RESERVED = Buffer.from(RESERVED_PREFIX);
const BUMP_PREFIX = Buffer.from(`${RESERVED_PREFIX}revision-bump/`);

/** Per-group counts, with the group found again only when the key order leaves the current one. */
class GroupTally {
  private groups = new Map<string, GroupComparison>();
  private current: GroupComparison | undefined;
  private lo: Buffer = Buffer.alloc(0);
  private hi: Buffer = Buffer.alloc(0);

  /** The group of the key at [ks, ke) of buf. */
  of(buf: Buffer, ks: number, ke: number): GroupComparison {
    if (this.current && this.lo.compare(buf, ks, ke) <= 0 && this.hi.compare(buf, ks, ke) > 0) return this.current;
    // Group names as latin1 (one char per byte) so they map back to key bytes exactly.
    const name = groupOf(buf.toString('latin1', ks, ke));
    this.lo = Buffer.from(name, 'latin1');
    this.hi = isPrefixGroup(name) ? prefixEnd(this.lo) : Buffer.concat([this.lo, Buffer.from([0])]);
    let g = this.groups.get(name);
    if (!g) this.groups.set(name, (g = emptyGroupComparison(Buffer.from(name, 'latin1').toString('utf8'))));
    this.current = g;
    return g;
  }

  sorted(): GroupComparison[] {
    return [...this.groups.values()].sort((a, b) => (a.group < b.group ? -1 : 1));
  }
}

/** The pairs of a page stream, one at a time, without an await per key. */
class Cursor {
  page: KeyspacePage | undefined;
  /** The current pair's index in page. */
  i = 0;
  private it: AsyncGenerator<KeyspacePage>;
  revision = 0;
  read = 0;
  done = false;

  constructor(it: AsyncGenerator<KeyspacePage>) {
    this.it = it;
  }

  /** Whether a current pair is at hand without loading. */
  has(): boolean {
    return this.page !== undefined && this.i < this.page.n;
  }

  /** Whether there is a current pair, after loading the next page when this one is used up. */
  async load(): Promise<boolean> {
    while (!this.has() && !this.done) {
      const n = await this.it.next();
      if (n.done) {
        this.done = true;
        this.page = undefined;
      } else {
        this.page = n.value;
        this.i = 0;
        this.revision = n.value.revision;
        this.read += n.value.n;
      }
    }
    return this.has();
  }

  advance(): void {
    this.i++;
  }

  async close(): Promise<void> {
    await this.it.return(undefined);
  }
}

/**
 * One key of the walk: the source's pair for 'same', 'changed' and 'onlyInSource', else the target's
 * (a page and an index: views into the page are made only where needed).
 */
type Visit = (kind: DiffKind | 'same', page: KeyspacePage, i: number) => void;

/** Ranges walked at once: more keep both etcds busy; each holds up to four pages. */
const WALKS = 3;

/**
 * Walks both keyspaces in key order, a range of the census's buckets at a time, WALKS ranges at
 * once, each side at one revision (given, or the current one); counts every key into its group and
 * calls `differs` for every key that differs, `onPage` after each page with the keys read so far.
 */
async function walk(
  source: EtcdClient,
  target: EtcdClient,
  opts: CompareOptions,
  differs: Visit | undefined,
  onPage: (read: number) => void | Promise<void>,
): Promise<KeyspaceComparison> {
  const [sourceRevision, targetRevision] = await Promise.all([
    opts.revision ?? currentRevision(source),
    currentRevision(target),
  ]);
  const ranges = opts.ranges ?? keyspaceBuckets();
  const tallies = ranges.map(() => new GroupTally());
  const read = { source: 0, target: 0 };
  let next = 0;
  let failed = false;
  const walkRange = async (k: number) => {
    const [from, to] = ranges[k]!;
    const tally = tallies[k]!;
    const page = { pageKeys: opts.pageKeys, from, to };
    const s = new Cursor(streamKeyspace(source, { ...page, revision: sourceRevision }));
    const t = new Cursor(streamKeyspace(target, { ...page, revision: targetRevision }));
    const visit = (kind: DiffKind | 'same', p: KeyspacePage, i: number) => {
      tallyKey(tally, kind, p, i);
      if (kind !== 'same') differs?.(kind, p, i);
    };
    try {
      let seen = { source: 0, target: 0 };
      while (!failed) {
        const more = await Promise.all([s.has() || s.load(), t.has() || t.load()]);
        if (!more[0] && !more[1]) break;
        // Within the pages at hand, no await and no object per key.
        for (;;) {
          const a = s.has() ? s.page! : undefined;
          const b = t.has() ? t.page! : undefined;
          if (!a && !b) break;
          const ai = 4 * s.i;
          const bi = 4 * t.i;
          const cmp = !a ? 1 : !b ? -1 : a.buf.compare(b.buf, b.at[bi], b.at[bi + 1], a.at[ai], a.at[ai + 1]);
          if (cmp < 0) {
            visit('onlyInSource', a!, s.i);
            s.advance();
          } else if (cmp > 0) {
            visit('onlyInTarget', b!, t.i);
            t.advance();
          } else {
            const same = a!.buf.compare(b!.buf, b!.at[bi + 2], b!.at[bi + 3], a!.at[ai + 2], a!.at[ai + 3]) === 0;
            visit(same ? 'same' : 'changed', a!, s.i);
            s.advance();
            t.advance();
          }
          // A side at the end of its page but not of its range: load before comparing on.
          if ((!s.has() && !s.done) || (!t.has() && !t.done)) break;
        }
        if (s.read !== seen.source || t.read !== seen.target) {
          read.source += s.read - seen.source;
          read.target += t.read - seen.target;
          seen = { source: s.read, target: t.read };
          await onPage(read.source + read.target);
        }
      }
    } finally {
      await Promise.all([s.close(), t.close()]);
    }
  };
  const worker = async () => {
    while (next < ranges.length && !failed) {
      try {
        await walkRange(next++);
      } catch (e) {
        // The other walks stop at their next page.
        failed = true;
        throw e;
      }
    }
  };
  const done = await Promise.allSettled(Array.from({ length: Math.min(WALKS, ranges.length) }, worker));
  const failure = done.find((d) => d.status === 'rejected');
  if (failure) throw failure.reason;
  // The ranges in key order: a group's first differing keys stay the first.
  const groups = new Map<string, GroupComparison>();
  for (const tally of tallies) {
    for (const g of tally.sorted()) {
      const into = groups.get(g.group);
      if (into) mergeGroupComparison(into, g);
      else groups.set(g.group, g);
    }
  }
  return {
    sourceRevision,
    targetRevision,
    sourceKeys: read.source,
    targetKeys: read.target,
    groups: [...groups.values()].sort((a, b) => (a.group < b.group ? -1 : 1)),
  };
}

/** Whether the key of pair i is one of the action's own (the revision bump's). */
function isReserved(p: KeyspacePage, i: number): boolean {
  const ks = p.at[4 * i]!;
  const ke = p.at[4 * i + 1]!;
  return ke - ks >= RESERVED.length && RESERVED.compare(p.buf, ks, ks + RESERVED.length) === 0;
}

/** Counts one key of the walk into its group (keys only in the result, never values). */
function tallyKey(tally: GroupTally, kind: DiffKind | 'same', p: KeyspacePage, i: number): void {
  if (isReserved(p, i)) return;
  const g = tally.of(p.buf, p.at[4 * i]!, p.at[4 * i + 1]!);
  if (kind === 'same') g.same++;
  // The key as a string only while the group still keeps its first keys: no string per differing key.
  else if (g.first[kind].length < FIRST_KEYS_MAX) noteDifference(g, kind, keyOf(p, i).toString('utf8'));
  else g[kind]++;
}

/** Compares both keyspaces, key by key, per census group; keys only in the result, never values. */
export async function compareKeyspaces(
  source: EtcdClient,
  target: EtcdClient,
  opts: CompareOptions = {},
): Promise<KeyspaceComparison> {
  return walk(source, target, opts, undefined, (compared) => opts.onProgress?.({ compared, written: 0, deleted: 0 }));
}

/**
 * Transactions of puts and deletes, several in flight; the first failure stops the run. Operations
 * are written into the next request as the walk meets them (synchronously: the walk never waits on
 * a key) and the full requests are sent between pages, so a page is not kept for its operations.
 */
export class TxnWriter {
  private b = new TxnBuilder(TXN_BYTES + 65536);
  private ready: Array<{ req: Buffer; ops: number; puts: number }> = [];
  private inflight = new Set<Promise<void>>();
  private failure: unknown;
  written = 0;
  deleted = 0;
  /** The highest revision a transaction of this writer returned (0: none yet). */
  lastRevision = 0;

  private target: EtcdClient;
  private concurrency: number;

  constructor(target: EtcdClient, concurrency: number) {
    this.target = target;
    this.concurrency = concurrency;
  }

  /** Puts pair i of page p (the source's value). */
  put(p: KeyspacePage, i: number): void {
    this.putBytes(p.buf, p.at[4 * i]!, p.at[4 * i + 1]!, p.at[4 * i + 2]!, p.at[4 * i + 3]!);
  }

  /** Deletes the key of pair i of page p. */
  delete(p: KeyspacePage, i: number): void {
    this.deleteBytes(p.buf, p.at[4 * i]!, p.at[4 * i + 1]!);
  }

  /** Puts key [ks, ke) of buf with value [vs, ve) of buf (copied now). */
  putBytes(buf: Buffer, ks: number, ke: number, vs: number, ve: number): void {
    this.room(TxnBuilder.putSize(ke - ks, ve - vs));
    this.b.put(buf, ks, ke, buf, vs, ve);
  }

  /** Deletes key [ks, ke) of buf (copied now). */
  deleteBytes(buf: Buffer, ks: number, ke: number): void {
    this.room(TxnBuilder.deleteSize(ke - ks));
    this.b.delete(buf, ks, ke);
  }

  /** Ends the request being written when the next operation would take it past etcd's limits. */
  private room(size: number): void {
    if (this.b.ops > 0 && (this.b.ops >= TXN_OPS || this.b.bytes + size > TXN_BYTES)) this.cut();
  }

  private cut(): void {
    const { ops, puts } = this.b;
    this.ready.push({ req: this.b.take(), ops, puts });
  }

  /** Sends the full requests, waiting while `concurrency` are in flight. */
  async send(): Promise<void> {
    if (this.failure) throw this.failure;
    for (const { req, ops, puts } of this.ready.splice(0)) {
      const p: Promise<void> = this.target
        .txnRaw(req)
        .then((r) => {
          this.written += puts;
          this.deleted += ops - puts;
          if (r.header.revision > this.lastRevision) this.lastRevision = r.header.revision;
        })
        .catch((e: unknown) => {
          this.failure ??= e;
        })
        .finally(() => this.inflight.delete(p));
      this.inflight.add(p);
      while (this.inflight.size >= this.concurrency) await Promise.race(this.inflight);
      if (this.failure) throw this.failure;
    }
  }

  async drain(): Promise<void> {
    if (this.b.ops > 0) this.cut();
    await this.send();
    await Promise.all(this.inflight);
    if (this.failure) throw this.failure;
  }
}

/** The target's current revision, from a count over an (almost surely) empty range. */
export async function currentRevision(c: EtcdClient): Promise<number> {
  return (await c.count(Buffer.from([0]), Buffer.from([1]))).revision;
}

/** Walks both keyspaces (opts.ranges) and writes into the target what differs: the source's value, or a delete. */
export async function walkAndWrite(
  source: EtcdClient,
  target: EtcdClient,
  opts: CompareOptions,
  w: TxnWriter,
): Promise<KeyspaceComparison> {
  const progress = (compared: number) => opts.onProgress?.({ compared, written: w.written, deleted: w.deleted });
  const r = await walk(
    source,
    target,
    opts,
    (kind, p, i) => (kind === 'onlyInTarget' ? w.delete(p, i) : w.put(p, i)),
    async (compared) => {
      await w.send();
      progress(compared);
    },
  );
  await w.drain();
  progress(r.sourceKeys + r.targetKeys);
  return r;
}

/**
 * Makes the target's keyspace equal to the source's at `revision` (default: the source's current one),
 * then lifts the target's revision above the source's and compacts it.
 */
export async function equalizeKeyspace(
  source: EtcdClient,
  target: EtcdClient,
  opts: EqualizeOptions = {},
): Promise<EqualizeResult> {
  const before = await currentRevision(target);
  const w = new TxnWriter(target, Math.max(1, opts.concurrency ?? 8));
  const r = await walkAndWrite(source, target, opts, w);
  // Above every revision the source handed out, also those after the one copied.
  const above = Math.max(r.sourceRevision, await currentRevision(source));
  const bump = await liftAndCompact(target, above, before);
  return { comparison: r, written: w.written, deleted: w.deleted, ...bump };
}

/**
 * Lifts the target's revision to at least `above + 2` (writes of a reserved key, deleted at the end) and
 * compacts its history there: a client that saw revision `above` watches from `above + 1`, which the
 * compaction has made too old, so it relists.
 */
export async function liftAndCompact(target: EtcdClient, above: number, before: number): Promise<RevisionBump> {
  let rev = await currentRevision(target);
  if (rev < above + 2) {
    // Enough writes that the delete below lands at above + 2 or later.
    const workers = Math.min(32, Math.max(1, above + 1 - rev));
    await Promise.all(
      Array.from({ length: workers }, async (_, i) => {
        const key = Buffer.concat([BUMP_PREFIX, Buffer.from(String(i))]);
        let first = true;
        while (first || rev < above + 1) {
          first = false;
          const r = await target.txn([{ put: { key, value: Buffer.from('1') } }]);
          if (r.header.revision > rev) rev = r.header.revision;
        }
      }),
    );
  }
  // Also removes reserved keys a stopped run left behind.
  const del = await target.txn([{ delete: { key: BUMP_PREFIX, rangeEnd: prefixEnd(BUMP_PREFIX) } }]);
  rev = Math.max(rev, del.header.revision);
  try {
    // Not physical: etcd refuses reads and watches below `rev` once this returns (as etcdutl's
    // --mark-compacted does) and drops the history in the background; waiting for that took longer
    // than the whole equalize of a large keyspace.
    await target.compact(rev, false);
  } catch (e) {
    // Compacted there already (a run stopped after its compaction): what this step is for.
    if (!(e instanceof EtcdError && e.kind === 'compacted')) throw e;
  }
  return { before, after: rev, compactedAt: rev };
}

/** Keeps the target's keyspace and only lifts its revision above `above` and compacts (abort keeping the deployed etcd). */
export async function bumpRevision(target: EtcdClient, opts: { above: number }): Promise<RevisionBump> {
  const before = await currentRevision(target);
  return liftAndCompact(target, opts.above, before);
}
