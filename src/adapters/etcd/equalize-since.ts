// The deployed etcd made equal to the embedded one by carrying back only what changed since phase
// one's content proof, instead of reading both keyspaces with their values.
//
// Why it holds: the proof found each "same" group equal in both etcds, the embedded one at revision
// E and the deployed one at D. If the deployed etcd is still at D (nothing wrote to it since), every
// key of such a group that the embedded etcd has not touched since E is already equal; what it
// touched since is the embedded snapshot's history above E, replayed here in revision order. History
// compacted away can hide a delete: then the group's counts differ after the replay (the deployed
// side can only have more), and that group is walked key by key. Every other group (volatile, or
// not equal at the proof) is walked key by key too. Then the revision is lifted and the history
// compacted, as the full equalize does.
import type { ContentBaseline } from '../../core/migration/content-proof.ts';
import type { EtcdClient } from './client.ts';
import { countGroups, groupRanges, overlapsNeighbour, readCensus, type CensusCounts } from './census-reader.ts';
import {
  currentRevision,
  liftAndCompact,
  TxnWriter,
  walkAndWrite,
  type KeyspaceProgress,
  type RevisionBump,
} from './equalize.ts';
import { visitSnapshotTail } from './snapshot-tail.ts';

export interface SinceOptions {
  /** The embedded etcd's revision at the stop (the snapshot's). */
  revision: number;
  /** The verified snapshot of the embedded etcd at that revision. */
  snapshot: string;
  baseline: ContentBaseline;
  onProgress?: (p: KeyspaceProgress) => void;
  /** Transactions in flight at once; default 8. */
  concurrency?: number;
}

export type SinceResult =
  | { kind: 'fallback'; why: string }
  | (RevisionBump & {
      kind: 'equalized';
      /** The embedded etcd's counts at the stop. */
      source: CensusCounts;
      written: number;
      deleted: number;
      /** Snapshot entries replayed (puts and deletes since the proof). */
      replayed: number;
      /** Key ranges read key by key on both sides (groups not proven equal, or whose counts differed). */
      walked: number;
    });

const TO_END = Buffer.from([0]);
const WHOLE: [Buffer, Buffer] = [Buffer.from([0]), TO_END];
/** Keys written since the last wait for every transaction: one key twice in that window waits first. */
const WINDOW_KEYS = 16384;

export async function equalizeSince(source: EtcdClient, target: EtcdClient, o: SinceOptions): Promise<SinceResult> {
  const before = await currentRevision(target);
  if (before !== o.baseline.deployedRevision) {
    return {
      kind: 'fallback',
      why: `the deployed etcd is at revision ${before}, not at ${o.baseline.deployedRevision} as at phase one's content proof: it was written since`,
    };
  }
  if (o.revision < o.baseline.embeddedRevision) {
    return {
      kind: 'fallback',
      why: `the embedded etcd is at revision ${o.revision}, below ${o.baseline.embeddedRevision} of phase one's content proof`,
    };
  }
  const w = new TxnWriter(target, Math.max(1, o.concurrency ?? 8));
  const progress = (compared: number) => o.onProgress?.({ compared, written: w.written, deleted: w.deleted });
  // The embedded etcd's counts at the stop, read while the history is replayed.
  const sourceCounts = readCensus(source, { revision: o.revision });
  sourceCounts.catch(() => undefined);
  const tail = await replay(o.snapshot, o.baseline.embeddedRevision, w, () => progress(0)).catch((e: unknown) => {
    // Part of the history may be written: the next run sees the deployed etcd's revision moved and
    // compares both etcds key by key, which needs no snapshot history.
    throw new Error(
      `replaying the embedded etcd's history from snapshot ${o.snapshot} failed: ${e instanceof Error ? e.message : String(e)} Run abort again: it compares both etcds key by key instead.`,
      { cause: e },
    );
  });
  // The deployed side counted only in the same groups (count-only ranges: no key or value sent). The
  // counts prove a group only if nothing but the replay wrote the deployed etcd (an expiring lease
  // deletes a key too): else every group is walked.
  const now = await currentRevision(target);
  const untouched = now === (w.lastRevision || before);
  const [embedded, deployed] = await Promise.all([sourceCounts, countGroups(target, o.baseline.sameGroups, now)]);
  const ranges = untouched ? rangesToWalk(o.baseline.sameGroups, embedded.groups, deployed) : [WHOLE];
  await walkAndWrite(source, target, { revision: o.revision, ranges, onProgress: o.onProgress }, w);
  const above = Math.max(o.revision, await currentRevision(source));
  const bump = await liftAndCompact(target, above, before);
  return {
    kind: 'equalized',
    source: embedded,
    written: w.written,
    deleted: w.deleted,
    replayed: tail.entries,
    walked: ranges.length,
    ...bump,
  };
}

/** The snapshot's history above `after`, written in revision order: a key met twice waits for the writes before. */
async function replay(path: string, after: number, w: TxnWriter, onBatch: () => void) {
  let window = new Set<string>();
  let sinceSend = 0;
  return visitSnapshotTail(path, after, async (e) => {
    const key = e.buf.toString('latin1', e.ks, e.ke);
    if (window.has(key) || window.size >= WINDOW_KEYS) {
      await w.drain();
      window = new Set();
    }
    window.add(key);
    if (e.tombstone) w.deleteBytes(e.buf, e.ks, e.ke);
    else w.putBytes(e.buf, e.ks, e.ke, e.vs, e.ve);
    if (++sinceSend >= 128) {
      sinceSend = 0;
      await w.send();
      onBatch();
    }
  }).then(async (summary) => {
    await w.drain();
    return summary;
  });
}

/**
 * The key ranges to walk key by key, in key order: everything outside the proof's same groups, and
 * each same group whose counts differ (`source`, `target`: counts by group name, as the census gives it).
 */
export function rangesToWalk(
  sameGroups: readonly string[],
  source: Record<string, number>,
  target: Record<string, number>,
): Array<[Buffer, Buffer]> {
  // A group name that is no UTF-8 text does not map back to its bytes: walked with the rest.
  const same = groupRanges(sameGroups.filter((name) => name.indexOf('\uFFFD') < 0));
  // Two groups that overlap are walked instead of trusted.
  const kept = same.filter((_, i) => !overlapsNeighbour(same, i));
  const out: Array<[Buffer, Buffer]> = [];
  let at: Buffer = WHOLE[0];
  for (const { name, lo, hi } of kept) {
    if (Buffer.compare(at, lo) < 0) out.push([at, lo]);
    if ((source[name] ?? 0) !== (target[name] ?? 0)) out.push([lo, hi]);
    at = hi;
    if (isToEnd(at)) return out;
  }
  out.push([at, TO_END]);
  return out;
}

const isToEnd = (b: Buffer) => b.length === 1 && b[0] === 0;
