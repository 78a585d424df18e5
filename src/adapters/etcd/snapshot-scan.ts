// Counts the live keys of an etcd snapshot while it streams in, so verifying the backup costs no
// second pass over a file of hundreds of MB.
//
// The stream is the bbolt file in page order. Which pages belong to bucket "key" is known only
// from the tree, whose pages come in any order, and the compaction revision C (bucket "meta")
// too. So every leaf page that looks like one of bucket "key" (keys: 8-byte revision, '_', 8-byte
// sub revision, 't' for a tombstone) gets a summary as it passes: its lowest and highest revision,
// its live entries, its creations (version 1) and its tombstones. At the end the tree is walked
// from the written file, reading only branch pages and whatever has no summary; each leaf then
// adds, as in countSnapshotKeys, "live" when C is above its revisions, "creations − tombstones"
// when C is below them, and an exact count from the file for the one leaf C falls inside.
// Freed pages get summaries too and are never reached from the tree. Memory: 15 bytes a page.
import {
  branchChildren,
  countSnapshotKeys,
  entryRevision,
  kvVersionAt,
  liveDelta,
  PageReader,
  parseMeta,
  TOMBSTONE,
  type SnapshotKeys,
} from './snapshot-file.ts';

export interface ScannedKeys extends SnapshotKeys {
  /** Leaf pages of bucket "key"; 0 when the file was counted in one pass instead (fallback). */
  leaves: number;
  /** Of those, the ones read from the file: the leaf the compaction revision falls inside, overflowing ones. */
  leavesReadAgain: number;
}

const KEY_LEAF = 1; // summarised; 0: read from the file at the end (branch, overflow, other buckets)

export class SnapshotScan {
  private readonly dbBytes: number;
  private pageSize = 0;
  /** The stream could not be followed (first chunk too short, bad meta page): count from the file. */
  private off = false;
  private seen = 0;
  private carry: Buffer | undefined;
  private carryLen = 0;
  private kind = new Uint8Array(0);
  private minRev = new Uint32Array(0);
  private maxRev = new Uint32Array(0);
  private live = new Uint16Array(0);
  private created = new Uint16Array(0);
  private tombs = new Uint16Array(0);

  /** `dbBytes`: the database size etcd announced (the stream without its 32-byte checksum). */
  constructor(dbBytes: number) {
    this.dbBytes = dbBytes;
  }

  /** The next bytes of the database, in order. The buffer is not kept. */
  update(chunk: Buffer): void {
    if (this.off) return;
    if (this.pageSize === 0 && !this.start(chunk)) return;
    const size = this.pageSize;
    let i = 0;
    if (this.carryLen > 0) {
      i = Math.min(size - this.carryLen, chunk.length);
      chunk.copy(this.carry!, this.carryLen, 0, i);
      this.carryLen += i;
      if (this.carryLen < size) return;
      this.page(this.carry!, 0);
      this.carryLen = 0;
    }
    for (; i + size <= chunk.length; i += size) this.page(chunk, i);
    if (i < chunk.length) {
      this.carry ??= Buffer.allocUnsafe(size);
      this.carryLen = chunk.copy(this.carry, 0, i);
    }
  }

  /** Page size from meta page 0, at the start of the first chunk (etcd sends 32 KiB). */
  private start(chunk: Buffer): boolean {
    const meta = chunk.length >= 4096 ? parseMeta(chunk, 16) : undefined;
    const size = meta?.pageSize ?? 0;
    if (size < 512 || size > 65536 || (size & (size - 1)) !== 0) {
      this.off = true;
      return false;
    }
    this.pageSize = size;
    const pages = Math.ceil(this.dbBytes / size);
    this.kind = new Uint8Array(pages);
    this.minRev = new Uint32Array(pages);
    this.maxRev = new Uint32Array(pages);
    this.live = new Uint16Array(pages);
    this.created = new Uint16Array(pages);
    this.tombs = new Uint16Array(pages);
    return true;
  }

  /** The page at p[o, o + pageSize). Offsets, not views: this runs for every page and every entry. */
  private page(p: Buffer, o: number): void {
    const id = this.seen++;
    // A leaf (flag 2) in one page; overflowing leaves, branches and the rest are read at the end.
    if (id >= this.kind.length || p.readUInt16LE(o + 8) !== 0x02 || p.readUInt32LE(o + 12) !== 0) return;
    const count = p.readUInt16LE(o + 10);
    const end = o + this.pageSize;
    let min = 0xffffffff;
    let max = 0;
    let live = 0;
    let created = 0;
    let tombs = 0;
    for (let i = 0; i < count; i++) {
      const e = o + 16 + i * 16;
      if (e + 16 > end || p.readUInt32LE(e) !== 0) return; // runs past the page, or a sub-bucket
      const k = e + p.readUInt32LE(e + 4);
      const ksize = p.readUInt32LE(e + 8);
      const vsize = p.readUInt32LE(e + 12);
      if (k + ksize + vsize > end || (ksize !== 17 && ksize !== 18) || p[k + 8] !== 0x5f) return; // not bucket "key"
      if (p.readUInt32BE(k) !== 0) return; // a revision of 2^32 or more: counted from the file
      const rev = p.readUInt32BE(k + 4);
      if (rev < min) min = rev;
      if (rev > max) max = rev;
      if (ksize === 18 && p[k + 17] === TOMBSTONE) tombs++;
      else {
        live++;
        if (kvVersionAt(p, k + ksize, k + ksize + vsize) === 1) created++;
      }
    }
    if (count === 0) return;
    this.kind[id] = KEY_LEAF;
    this.minRev[id] = min;
    this.maxRev[id] = max;
    this.live[id] = live;
    this.created[id] = created;
    this.tombs[id] = tombs;
  }

  /**
   * The live keys at the snapshot's revision, from the summaries and the tree of the file the
   * stream was written to (`path`, the same bytes). Falls back to countSnapshotKeys (one pass over
   * the file) when the stream could not be followed or a compaction was running.
   */
  finish(path: string): ScannedKeys {
    const inOnePass = () => ({ ...countSnapshotKeys(path), leaves: 0, leavesReadAgain: 0 });
    if (this.off || this.seen * this.pageSize < this.dbBytes) return inOnePass();
    const r = new PageReader(path);
    try {
      const { finished: compacted, scheduled } = r.compaction();
      const bucket = r.keyBucket();
      if (r.pageSize !== this.pageSize || scheduled > compacted || bucket.inline) return inOnePass();
      const total = { revision: 0, keys: 0, entries: 0, leaves: 0, leavesReadAgain: 0 };
      this.visit(r, bucket.root, compacted, total);
      return total;
    } finally {
      r.close();
    }
  }

  private visit(r: PageReader, id: number, compacted: number, total: ScannedKeys): void {
    const summarised = id < this.kind.length && this.kind[id] === KEY_LEAF;
    if (summarised) {
      total.leaves++;
      const max = this.maxRev[id]!;
      total.entries += this.live[id]! + this.tombs[id]!;
      if (max > total.revision) total.revision = max;
      if (max <= compacted) {
        total.keys += this.live[id]!;
        return;
      }
      if (this.minRev[id]! > compacted) {
        total.keys += this.created[id]! - this.tombs[id]!;
        return;
      }
    }
    const p = r.page(id);
    if (p.readUInt16LE(8) & 0x01) {
      for (const child of branchChildren(p)) this.visit(r, child, compacted, total);
      return;
    }
    // A leaf the summaries cannot answer: count it entry by entry, as countSnapshotKeys does.
    if (!summarised) total.leaves++;
    total.leavesReadAgain++;
    r.walk(p, (k, v) => {
      if (!summarised) {
        total.entries++;
        total.revision = Math.max(total.revision, entryRevision(k));
      }
      total.keys += liveDelta(k, v, compacted);
    });
  }
}
