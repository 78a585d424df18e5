// The history an etcd snapshot holds after a revision: bucket "key" is in revision order, so the
// entries above a revision sit in its last leaves, found from the branch pages without reading the
// leaves before them. Abort replays them onto the deployed etcd instead of reading both keyspaces.
import { entryRevision, isTombstone, PageReader } from './snapshot-file.ts';

/** One entry after the revision: a put (the key's value then) or a delete, as views into a page. */
export interface TailEntry {
  revision: number;
  tombstone: boolean;
  buf: Buffer;
  /** The key at [ks, ke) of buf; for a put, the value at [vs, ve). */
  ks: number;
  ke: number;
  vs: number;
  ve: number;
}

export interface TailSummary {
  /** Entries visited (puts and deletes above the revision). */
  entries: number;
  /** The finished compaction revision in the file: history at or below it is gone (deletes included). */
  compactedAt: number;
  /** Highest revision in the file. */
  revision: number;
}

/**
 * Calls `visit` for every entry of bucket "key" above revision `after`, in revision order. `visit`
 * may await (nothing else reads the file meanwhile); the entry's views are valid until it resolves.
 */
export async function visitSnapshotTail(
  path: string,
  after: number,
  visit: (e: TailEntry) => void | Promise<void>,
): Promise<TailSummary> {
  const r = new PageReader(path);
  try {
    const compactedAt = r.compaction().finished;
    const root = r.keyBucket();
    const leaves: Array<number | Buffer> = [];
    if (root.inline) leaves.push(root.inline);
    else collectLeaves(r, r.page(root.root), root.root, after, leaves);
    let entries = 0;
    let revision = 0;
    for (const leaf of leaves) {
      const page = typeof leaf === 'number' ? r.page(leaf) : leaf;
      const count = page.readUInt16LE(10);
      for (let i = 0; i < count; i++) {
        const e = 16 + i * 16;
        const pos = page.readUInt32LE(e + 4);
        const ksize = page.readUInt32LE(e + 8);
        const vsize = page.readUInt32LE(e + 12);
        const k = e + pos;
        if (k + ksize + vsize > page.length) throw new Error(`snapshot ${path}: a leaf element runs past its page.`);
        const key = page.subarray(k, k + ksize);
        if (ksize < 17) continue; // not a revision entry
        const rev = entryRevision(key);
        if (rev > revision) revision = rev;
        if (rev <= after) continue;
        const kv = keyValueAt(page, k + ksize, k + ksize + vsize);
        if (!kv) throw new Error(`snapshot ${path}: the entry at revision ${rev} is no etcd key-value.`);
        entries++;
        await visit({ revision: rev, tombstone: isTombstone(key), buf: page, ...kv });
      }
    }
    return { entries, compactedAt, revision };
  } finally {
    r.close();
  }
}

/** Leaf pages under a page (by id) that may hold an entry above `after`, in order. */
function collectLeaves(r: PageReader, page: Buffer, id: number, after: number, out: Array<number | Buffer>): void {
  const flags = page.readUInt16LE(8);
  if (flags & 0x02) {
    out.push(id);
    return;
  }
  if (!(flags & 0x01)) throw new Error(`snapshot: page ${id} with flags ${flags} where a branch or leaf was expected.`);
  // Child i holds the keys from its first key up to child i+1's: it is skipped when the next child
  // starts at or below `after`. Read before descending: a page is a view that moves.
  const count = page.readUInt16LE(10);
  const children: number[] = [];
  const firstRevs: number[] = [];
  for (let i = 0; i < count; i++) {
    const e = 16 + i * 16;
    const pos = page.readUInt32LE(e);
    const ksize = page.readUInt32LE(e + 4);
    children.push(Number(page.readBigUInt64LE(e + 8)));
    firstRevs.push(ksize >= 8 ? entryRevision(page.subarray(e + pos, e + pos + ksize)) : 0);
  }
  for (let i = 0; i < count; i++) {
    if (i + 1 < count && firstRevs[i + 1]! <= after) continue;
    collectLeaves(r, r.page(children[i]!), children[i]!, after, out);
  }
}

/** Fields 1 (key) and 5 (value) of the mvccpb.KeyValue in buf[start, end); undefined when it is none. */
export function keyValueAt(
  buf: Buffer,
  start: number,
  end: number,
): { ks: number; ke: number; vs: number; ve: number } | undefined {
  let ks = -1;
  let ke = -1;
  let vs = 0;
  let ve = 0;
  let i = start;
  while (i < end) {
    const tag = buf[i++]!;
    if (tag & 0x80) return undefined; // fields 1 to 6 have one-byte tags
    const wt = tag & 7;
    let n = 0;
    let mul = 1;
    for (;;) {
      if (i >= end) return undefined;
      const b = buf[i++]!;
      n += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) break;
      mul *= 128;
    }
    if (wt === 0) continue;
    if (wt !== 2 || i + n > end) return undefined;
    if (tag >> 3 === 1) [ks, ke] = [i, i + n];
    else if (tag >> 3 === 5) [vs, ve] = [i, i + n];
    i += n;
  }
  return ks < 0 ? undefined : { ks, ke, vs, ve };
}
