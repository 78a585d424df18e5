// Compare two etcds' keyspaces in key order, and make the target's keyspace equal to the source's with
// its revision lifted above the source's and its history compacted, so a watch from a revision the
// source handed out is refused as compacted and its client relists. Both keyspaces are streamed a
// page at a time (never held whole); writes go in transactions, several in flight. Every write puts
// the source's value or deletes a key the source lacks, so a run stopped anywhere is finished by the
// next one: it compares again and writes only what still differs.
import { groupOf, isPrefixGroup } from '../../core/migration/census.ts';
import {
  emptyGroupComparison,
  noteDifference,
  type DiffKind,
  type GroupComparison,
  type KeyspaceComparison,
} from '../../core/migration/keyspace-comparison.ts';
import { RESERVED_PREFIX } from '../../core/migration/abort.ts';
import { EtcdError, prefixEnd, type EtcdClient } from './client.ts';
import { streamKeyspace, type KeyspacePage } from './keyspace-stream.ts';
import type { KeyValue, TxnOp } from './proto.ts';

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
  /** Keys per page at most (tests use small pages); default 2000. */
  pageKeys?: number;
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

  of(key: Buffer): GroupComparison {
    if (this.current && Buffer.compare(key, this.lo) >= 0 && Buffer.compare(key, this.hi) < 0) return this.current;
    // Group names as latin1 (one char per byte) so they map back to key bytes exactly.
    const name = groupOf(key.toString('latin1'));
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

/** Key-value pairs of a page stream, one at a time, without an await per key. */
class Cursor {
  private page: KeyValue[] = [];
  private i = 0;
  private it: AsyncGenerator<KeyspacePage>;
  revision = 0;
  read = 0;
  done = false;

  constructor(it: AsyncGenerator<KeyspacePage>) {
    this.it = it;
  }

  /** The current pair, after loading the next page when this one is used up. */
  async peek(): Promise<KeyValue | undefined> {
    while (this.i >= this.page.length && !this.done) {
      const n = await this.it.next();
      if (n.done) this.done = true;
      else {
        this.page = n.value.kvs;
        this.i = 0;
        this.revision = n.value.revision;
        this.read += this.page.length;
      }
    }
    return this.page[this.i];
  }

  /** The current pair without loading: undefined at the end of a page. */
  cached(): KeyValue | undefined {
    return this.page[this.i];
  }

  advance(): void {
    this.i++;
  }

  async close(): Promise<void> {
    await this.it.return(undefined);
  }
}

type Visit = (kind: DiffKind | 'same', source: KeyValue | undefined, target: KeyValue | undefined) => void;

/** Walks both keyspaces in key order, calling visit for every key; returns the revisions read at. */
async function walk(
  source: EtcdClient,
  target: EtcdClient,
  opts: CompareOptions,
  visit: Visit,
  onPage: (read: number) => void | Promise<void>,
): Promise<{ sourceRevision: number; targetRevision: number; sourceKeys: number; targetKeys: number }> {
  const page = { pageKeys: opts.pageKeys };
  const s = new Cursor(streamKeyspace(source, { ...page, revision: opts.revision }));
  const t = new Cursor(streamKeyspace(target, page));
  try {
    let lastRead = 0;
    for (;;) {
      let a = s.cached() ?? (await s.peek());
      let b = t.cached() ?? (await t.peek());
      if (!a && !b) break;
      // Within the pages at hand, no await.
      while (a || b) {
        const cmp = !a ? 1 : !b ? -1 : Buffer.compare(a.key, b.key);
        if (cmp < 0) {
          visit('onlyInSource', a, undefined);
          s.advance();
        } else if (cmp > 0) {
          visit('onlyInTarget', undefined, b);
          t.advance();
        } else {
          visit(a!.value.equals(b!.value) ? 'same' : 'changed', a, b);
          s.advance();
          t.advance();
        }
        a = s.cached();
        b = t.cached();
        // A side at the end of its page but not of its keyspace: load before comparing on.
        if ((!a && !s.done) || (!b && !t.done)) break;
      }
      if (s.read + t.read !== lastRead) await onPage((lastRead = s.read + t.read));
    }
    return { sourceRevision: s.revision, targetRevision: t.revision, sourceKeys: s.read, targetKeys: t.read };
  } finally {
    await Promise.all([s.close(), t.close()]);
  }
}

const isReserved = (key: Buffer) => key.length >= RESERVED.length && RESERVED.equals(key.subarray(0, RESERVED.length));

/** Compares both keyspaces, key by key, per census group; keys only in the result, never values. */
export async function compareKeyspaces(
  source: EtcdClient,
  target: EtcdClient,
  opts: CompareOptions = {},
): Promise<KeyspaceComparison> {
  const tally = new GroupTally();
  const r = await walk(
    source,
    target,
    opts,
    (kind, a, b) => {
      const key = (a ?? b)!.key;
      if (isReserved(key)) return;
      if (kind === 'same') tally.of(key).same++;
      else noteDifference(tally.of(key), kind, key.toString('utf8'));
    },
    (compared) => opts.onProgress?.({ compared, written: 0, deleted: 0 }),
  );
  return { ...r, groups: tally.sorted() };
}

/** Transactions of puts and deletes, several in flight; the first failure stops the run. */
class TxnWriter {
  private ops: TxnOp[] = [];
  private bytes = 0;
  private inflight = new Set<Promise<void>>();
  private failure: unknown;
  written = 0;
  deleted = 0;

  private target: EtcdClient;
  private concurrency: number;

  constructor(target: EtcdClient, concurrency: number) {
    this.target = target;
    this.concurrency = concurrency;
  }

  async put(key: Buffer, value: Buffer): Promise<void> {
    this.ops.push({ put: { key, value } });
    this.bytes += key.length + value.length;
    if (this.ops.length >= TXN_OPS || this.bytes >= TXN_BYTES) await this.flush();
  }

  async delete(key: Buffer): Promise<void> {
    this.ops.push({ delete: { key } });
    this.bytes += key.length;
    if (this.ops.length >= TXN_OPS || this.bytes >= TXN_BYTES) await this.flush();
  }

  pending(): boolean {
    return this.ops.length > 0;
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.ops.length) return;
    const ops = this.ops;
    this.ops = [];
    this.bytes = 0;
    const puts = ops.filter((o) => 'put' in o).length;
    const p: Promise<void> = this.target
      .txn(ops)
      .then(() => {
        this.written += puts;
        this.deleted += ops.length - puts;
      })
      .catch((e: unknown) => {
        this.failure ??= e;
      })
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
    while (this.inflight.size >= this.concurrency) await Promise.race(this.inflight);
    if (this.failure) throw this.failure;
  }

  async drain(): Promise<void> {
    await this.flush();
    await Promise.all(this.inflight);
    if (this.failure) throw this.failure;
  }
}

/** The target's current revision, from a count over an (almost surely) empty range. */
async function currentRevision(c: EtcdClient): Promise<number> {
  return (await c.count(Buffer.from([0]), Buffer.from([1]))).revision;
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
  const tally = new GroupTally();
  const w = new TxnWriter(target, Math.max(1, opts.concurrency ?? 8));
  // Writes are queued synchronously during the walk and sent between pages, so the walk never
  // waits on a key; at most one page of operations is queued.
  const queue: Array<() => Promise<void>> = [];
  const progress = (compared: number) => opts.onProgress?.({ compared, written: w.written, deleted: w.deleted });
  const r = await walk(
    source,
    target,
    opts,
    (kind, a, b) => {
      const key = (a ?? b)!.key;
      if (kind === 'onlyInTarget') queue.push(() => w.delete(key));
      else if (kind !== 'same') queue.push(() => w.put(key, a!.value));
      if (isReserved(key)) return;
      if (kind === 'same') tally.of(key).same++;
      else noteDifference(tally.of(key), kind, key.toString('utf8'));
    },
    async (compared) => {
      for (const op of queue.splice(0)) await op();
      progress(compared);
    },
  );
  for (const op of queue.splice(0)) await op();
  await w.drain();
  progress(r.sourceKeys + r.targetKeys);
  // Above every revision the source handed out, also those after the one copied.
  const above = Math.max(r.sourceRevision, await currentRevision(source));
  const bump = await liftAndCompact(target, above, before);
  return { comparison: { ...r, groups: tally.sorted() }, written: w.written, deleted: w.deleted, ...bump };
}

/**
 * Lifts the target's revision to at least `above + 2` (writes of a reserved key, deleted at the end) and
 * compacts its history there: a client that saw revision `above` watches from `above + 1`, which the
 * compaction has made too old, so it relists.
 */
async function liftAndCompact(target: EtcdClient, above: number, before: number): Promise<RevisionBump> {
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
