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
// starts, and again only if the file's revision turns out to be a later one. The hashing and the
// writing run in a worker thread (SnapshotSink): the main thread receives the stream and counts.
// A snapshot that fails either check is deleted, so no file that looks complete is left behind.
import { accessSync, chmodSync, constants, mkdirSync, rmSync, statSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { BackupRecord } from '../../core/migration/state.ts';
import type { EtcdClient } from './client.ts';
import { SnapshotScan, type ScannedKeys } from './snapshot-scan.ts';
import { SnapshotSink, type SinkResult } from './snapshot-sink.ts';
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

/** What the writer received: the database bytes hashed and scanned, and etcd's checksum after them. */
interface Received {
  bytes: number;
  /** The database size etcd announced; -1 when no message came. */
  announced: number;
  /** What the worker hashed and wrote; absent when no message came. */
  sink?: SinkResult;
  scan?: SnapshotScan;
}

/**
 * Writes the snapshot stream to `fd`: the worker of `sink` hashes and writes it, this thread counts
 * the keys of the database bytes as they pass.
 */
async function writeSnapshot(
  client: EtcdClient,
  fd: number,
  sink: SnapshotSink,
  opts: BackupOptions,
  t0: number,
  gc: () => void,
): Promise<Received> {
  const got: Received = { bytes: 0, announced: -1 };
  let lastLog = Date.now();
  const every = opts.progressEveryMs ?? 5000;
  let sinceGc = 0; // bytes received since the last GC
  try {
    for await (const msg of client.snapshot(opts.idleTimeoutMs)) {
      const blob = msg.blob;
      if (got.announced < 0) {
        got.announced = msg.remainingBytes + blob.length;
        got.scan = new SnapshotScan(got.announced);
        sink.start(fd, got.announced);
      }
      // Bytes up to the announced size are the database; anything after is the checksum.
      const dbPart = Math.max(0, Math.min(blob.length, got.announced - got.bytes));
      if (dbPart > 0) got.scan!.update(dbPart === blob.length ? blob : blob.subarray(0, dbPart));
      got.bytes += blob.length;
      sinceGc += blob.length;
      if (sinceGc >= GC_EVERY) {
        sinceGc = 0;
        gc();
      }
      await sink.add(blob);
      if (every >= 0 && Date.now() - lastLog >= every) {
        lastLog = Date.now();
        const s = (performance.now() - t0) / 1000;
        opts.log(
          `snapshot: ${mb(got.bytes)} of ${mb(got.announced)} MB (${((100 * got.bytes) / Math.max(1, got.announced)).toFixed(0)}%), ${mb(got.bytes / s)} MB/s`,
        );
      }
    }
    if (got.announced >= 0) got.sink = await sink.end();
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(
      `the etcd snapshot failed after ${mb(got.bytes)} of ${got.announced < 0 ? '?' : mb(got.announced)} MB: ${why} The partial file was deleted; once the etcd answers again, ${AGAIN}.`,
    );
  }
  return got;
}

/** The first check: the size etcd announced and its sha256 of the database; gives the whole file's sha256. */
function checkStream(got: Received, unusable: (why: string) => Error): string {
  if (got.announced < 0 || !got.sink || got.bytes !== got.announced + SHA_SIZE || got.sink.bytes !== got.bytes) {
    throw unusable(
      `the snapshot stream ended early: received ${got.bytes} bytes, etcd announced ${got.announced < 0 ? 'nothing' : got.announced + SHA_SIZE}; the etcd may have restarted.`,
    );
  }
  if (!got.sink.dbDigest.equals(got.sink.tail)) {
    throw unusable('the snapshot is corrupted: the sha256 etcd sent does not match the database bytes received.');
  }
  return got.sink.fileSha256;
}

/**
 * The second check: the keys alive in the file against etcd's count at the file's revision
 * (`guess`: the count asked for as the snapshot started, used when the revisions agree).
 */
async function checkKeys(
  client: EtcdClient,
  partial: string,
  got: Received,
  guess: { revision: number; count: Promise<{ count: number }> },
  gc: () => void,
  unusable: (why: string) => Error,
): Promise<{ inFile: ScannedKeys; etcdKeys: number }> {
  let inFile: ScannedKeys;
  try {
    gc(); // the stream's last buffers go before the file's pages are read
    inFile = got.scan!.finish(partial);
  } catch (e) {
    throw unusable((e as Error).message);
  }
  const atRev = inFile.revision === guess.revision ? await guess.count : await client.count(ALL, ALL, inFile.revision);
  if (atRev.count !== inFile.keys) {
    throw unusable(
      `the snapshot holds ${inFile.keys} keys at revision ${inFile.revision} but etcd counts ${atRev.count} keys at that revision.`,
    );
  }
  return { inFile, etcdKeys: atRev.count };
}

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
    const gc = youngGenerationGc();
    const fh = await open(partial, 'wx', 0o600);
    let got: Received;
    const sink = new SnapshotSink();
    try {
      got = await writeSnapshot(client, fh.fd, sink, opts, t0, gc);
    } finally {
      // The worker first: once stopped it writes nothing more, and the descriptor can go.
      await sink.close();
      await fh.close();
    }
    const sha256 = checkStream(got, unusable);
    const s1 = (performance.now() - t0) / 1000;
    opts.log(
      `snapshot: ${mb(got.bytes)} MB received and written in ${s1.toFixed(1)} s (${mb(got.bytes / s1)} MB/s), etcd's checksum matches`,
    );
    const { inFile, etcdKeys } = await checkKeys(client, partial, got, guess, gc, unusable);
    await rename(partial, file);
    ok = true;
    const seconds = (performance.now() - t0) / 1000;
    opts.log(`snapshot verified: ${inFile.keys} keys at revision ${inFile.revision}, sha256 ${sha256}, ${file}`);
    return {
      file,
      bytes: got.bytes,
      sha256,
      revision: inFile.revision,
      keys: inFile.keys,
      verification: { integrity: true, snapshotKeys: inFile.keys, etcdKeys, etcdVersion: status.version, seconds },
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
