// The verified snapshot of the deployed etcd taken before phase one, and how to restore it.
//
// The snapshot is streamed from Maintenance.Snapshot straight to `<file>.partial` (never held in
// memory), fsynced, and only renamed to its final name once verified:
// 1. integrity: the stream ended with etcd's sha256 of the database and it matches what we wrote
//    (the same check `etcdutl snapshot restore` makes), and the size is what etcd announced;
// 2. key count: the keys alive in the file's bbolt "key" bucket at the file's own revision equal
//    etcd's count of all keys at that same revision, which is the census total at that revision.
// Both are worked out while the stream is written (SnapshotScan), so verifying adds little to the
// time the snapshot takes: etcd is asked for its count at its current revision as the snapshot
// starts, and again only if the file's revision turns out to be a later one.
// A snapshot that fails either check is deleted, so no file that looks complete is left behind.
import { createHash } from 'node:crypto';
import { accessSync, chmodSync, constants, mkdirSync, rmSync, statSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { BackupRecord } from '../../core/migration/state.ts';
import type { EtcdClient } from './client.ts';
import { SnapshotScan, type ScannedKeys } from './snapshot-scan.ts';
import { ETCD_36_LINE, onOrAfterLine, parseChartVersion } from '../../core/inputs/version.ts';

export interface BackupOptions {
  dir: string;
  release: string;
  /** Which etcd, for the file name and the log: default the deployed etcd. */
  store?: 'deployed' | 'embedded';
  chartVersion: string;
  log: (message: string) => void;
  /** Fail when no snapshot data arrives for this long; default 60 s. */
  idleTimeoutMs?: number;
  /** Progress line interval; default 5 s. */
  progressEveryMs?: number;
}

export interface BackupVerification {
  /** The trailing sha256 etcd sent matched the database bytes. */
  integrity: true;
  /** Keys alive in the snapshot file at its revision. */
  snapshotKeys: number;
  /** etcd's own count of all keys at that revision. */
  etcdKeys: number;
  etcdVersion: string;
  seconds: number;
}

export type BackupResult = BackupRecord & { verification: BackupVerification };

const SHA_SIZE = 32;
const ALL = Buffer.from([0]); // key and range end [0x00]: every key
const mb = (n: number) => (n / 1048576).toFixed(1);

function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * The snapshot holds every Secret of the virtual cluster: its directory is the runner user's alone
 * (0700), also when it existed before (the runner creates RUNNER_TEMP directories 0755).
 */
export function ensurePrivateDir(dir: string): void {
  const why = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new Error(
      `input 'backup-dir': cannot create ${JSON.stringify(dir)} (${why(e)}); name a directory the runner user can create and write`,
    );
  }
  if (!statSync(dir).isDirectory()) throw new Error(`input 'backup-dir': ${JSON.stringify(dir)} is not a directory`);
  try {
    if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw new Error(
      `input 'backup-dir': ${JSON.stringify(dir)} cannot be made private (0700) and writable by the runner user (${why(e)}); the snapshot holds every Secret of the virtual cluster, so name a directory the runner user owns`,
    );
  }
}

/**
 * A young-generation GC, called every 8 MiB of snapshot and once before the file is read back.
 * Each 32 KiB message arrives in a new buffer that dies at once; left to V8's own pace, tens of MB
 * of them wait to be freed, and glibc's heap, grown to hold them, keeps growing with the database
 * (peak RSS at 4,000,000 keys: 178-187 MB without, 135-152 MB with; a major GC made it worse).
 * Where V8 refuses the flag, it does nothing.
 */
function youngGenerationGc(): () => void {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    if (typeof gc === 'function') return () => (gc as (o: { type: 'minor' }) => void)({ type: 'minor' });
  } catch {
    // No GC on demand: memory is left to V8.
  }
  return () => {};
}
const GC_EVERY = 8 * 1048576;

/** Phase migrate takes the backup; a new run takes a new one (nothing changes before it is verified). */
const AGAIN = 'run phase migrate again: it takes a new backup, and nothing in the cluster changed before this one';

export async function takeBackup(client: EtcdClient, opts: BackupOptions): Promise<BackupResult> {
  const t0 = performance.now();
  // A snapshot that fails a check: what it came from, why it is unusable, and what to do.
  const unusable = (why: string) =>
    new Error(`the snapshot of ${client.label} is unusable: ${why} The partial file was deleted; ${AGAIN}.`);
  ensurePrivateDir(opts.dir);
  const status = await client.status();
  // No write between this status and the snapshot's read transaction (the usual case): the file's
  // revision is this one, and etcd counts while it sends the snapshot.
  const guess = { revision: status.header.revision, count: client.count(ALL, ALL, status.header.revision) };
  guess.count.catch(() => {}); // awaited below only when the revisions agree
  const store = opts.store ?? 'deployed';
  const stem = store === 'deployed' ? `${opts.release}-etcd` : `${opts.release}-embedded-etcd`;
  const file = join(opts.dir, `${stem}-${stamp(new Date())}.snapshot.db`);
  const partial = `${file}.partial`;
  opts.log(
    `etcd snapshot of the ${store} etcd (etcd ${status.version}, database ${mb(status.dbSize)} MB) to ${partial}`,
  );

  let ok = false;
  try {
    const fh = await open(partial, 'wx', 0o600);
    // One SHA-256 pass: the database hash is checked against etcd's trailer, and a copy of its
    // state, fed the trailer, gives the whole file's hash.
    const db = createHash('sha256');
    const trailer: Buffer[] = []; // what comes after the announced database bytes: etcd's sha256
    let bytes = 0;
    let announced = -1;
    let scan: SnapshotScan | undefined;
    let lastLog = Date.now();
    const every = opts.progressEveryMs ?? 5000;
    const gc = youngGenerationGc();
    let sinceGc = 0; // bytes received since the last GC
    // Messages are 32 KiB; write them with writev in batches of about 1 MiB to keep syscalls few.
    let batch: Buffer[] = [];
    let batchBytes = 0;
    let fileOffset = 0;
    const flush = async () => {
      if (batchBytes === 0) return;
      const bufs = batch;
      const len = batchBytes;
      batch = [];
      batchBytes = 0;
      const { bytesWritten } = await fh.writev(bufs, fileOffset);
      if (bytesWritten !== len) {
        // Rare short write: finish it piece by piece.
        const rest = Buffer.concat(bufs, len).subarray(bytesWritten);
        let off = 0;
        while (off < rest.length)
          off += (await fh.write(rest, off, rest.length - off, fileOffset + bytesWritten + off)).bytesWritten;
      }
      fileOffset += len;
    };
    try {
      for await (const msg of client.snapshot(opts.idleTimeoutMs)) {
        const blob = msg.blob;
        if (announced < 0) {
          announced = msg.remainingBytes + blob.length;
          scan = new SnapshotScan(announced);
        }
        // Bytes up to the announced size are the database; anything after is the checksum.
        const dbPart = Math.max(0, Math.min(blob.length, announced - bytes));
        if (dbPart > 0) {
          const part = dbPart === blob.length ? blob : blob.subarray(0, dbPart);
          db.update(part);
          scan!.update(part);
        }
        if (dbPart < blob.length) trailer.push(blob.subarray(dbPart));
        bytes += blob.length;
        sinceGc += blob.length;
        if (sinceGc >= GC_EVERY) {
          sinceGc = 0;
          gc();
        }
        batch.push(blob);
        batchBytes += blob.length;
        if (batchBytes >= 1 << 20) await flush();
        if (every >= 0 && Date.now() - lastLog >= every) {
          lastLog = Date.now();
          const s = (performance.now() - t0) / 1000;
          opts.log(
            `snapshot: ${mb(bytes)} of ${mb(announced)} MB (${((100 * bytes) / Math.max(1, announced)).toFixed(0)}%), ${mb(bytes / s)} MB/s`,
          );
        }
      }
      await flush();
      await fh.sync();
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(
        `the etcd snapshot failed after ${mb(bytes)} of ${announced < 0 ? '?' : mb(announced)} MB: ${why} The partial file was deleted; once the etcd answers again, ${AGAIN}.`,
      );
    } finally {
      await fh.close();
    }
    const tail = Buffer.concat(trailer);

    if (announced < 0 || bytes !== announced + SHA_SIZE) {
      throw unusable(
        `the snapshot stream ended early: received ${bytes} bytes, etcd announced ${announced < 0 ? 'nothing' : announced + SHA_SIZE}; the etcd may have restarted.`,
      );
    }
    const sha256 = db.copy().update(tail).digest('hex');
    if (!db.digest().equals(tail)) {
      throw unusable('the snapshot is corrupted: the sha256 etcd sent does not match the database bytes received.');
    }
    const s1 = (performance.now() - t0) / 1000;
    opts.log(
      `snapshot: ${mb(bytes)} MB received and written in ${s1.toFixed(1)} s (${mb(bytes / s1)} MB/s), etcd's checksum matches`,
    );

    let inFile: ScannedKeys;
    try {
      gc(); // the stream's last buffers go before the file's pages are read
      inFile = scan!.finish(partial);
    } catch (e) {
      throw unusable((e as Error).message);
    }
    const atRev =
      inFile.revision === guess.revision ? await guess.count : await client.count(ALL, ALL, inFile.revision);
    if (atRev.count !== inFile.keys) {
      throw unusable(
        `the snapshot holds ${inFile.keys} keys at revision ${inFile.revision} but etcd counts ${atRev.count} keys at that revision.`,
      );
    }
    await rename(partial, file);
    ok = true;
    const seconds = (performance.now() - t0) / 1000;
    opts.log(`snapshot verified: ${inFile.keys} keys at revision ${inFile.revision}, sha256 ${sha256}, ${file}`);
    return {
      file,
      bytes,
      sha256,
      revision: inFile.revision,
      keys: inFile.keys,
      verification: {
        integrity: true,
        snapshotKeys: inFile.keys,
        etcdKeys: atRev.count,
        etcdVersion: status.version,
        seconds,
      },
    };
  } finally {
    if (!ok) rmSync(partial, { force: true });
  }
}

/** How to restore the backup, as Markdown: etcdutl into a fresh data dir, for the chart's etcd line. */
export function restoreInstructions(record: BackupRecord, chartVersion: string): string {
  const name = record.file.split(/[\\/]/).pop()!;
  const version = parseChartVersion(chartVersion);
  const etcd36 = version ? onOrAfterLine(version, ETCD_36_LINE) : false;
  const lines = [
    `**Backup:** \`${name}\`: ${record.bytes} bytes, ${record.keys} keys at etcd revision ${record.revision}, sha256 \`${record.sha256}\`.`,
    '',
    'To go back to this state (the snapshot is of the deployed etcd before phase one):',
    '',
    '1. Check the file: `sha256sum ' + name + '` must print the sha256 above.',
    '2. Restore it into a fresh data directory with etcdutl (etcd ' +
      (etcd36 ? '3.6' : '3.5') +
      ", the version of the chart's etcd image):",
    '',
    '```sh',
    `etcdutl snapshot restore ${name} \\`,
    '  --data-dir ./restored.etcd \\',
    '  --name restore --initial-cluster restore=http://127.0.0.1:2380 \\',
    '  --initial-advertise-peer-urls http://127.0.0.1:2380',
    '```',
    '',
    "   For a deployed etcd StatefulSet, restore into each member's PVC (`data-<release>-etcd-<i>`) with that member's",
    '   `--name` and the peer URLs of the StatefulSet, with the etcd pods scaled to zero.',
  ];
  return lines.join('\n');
}
