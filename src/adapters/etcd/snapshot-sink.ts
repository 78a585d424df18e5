// Where the snapshot stream's bytes go: a worker thread hashes them (sha256 of the database, and of
// the whole file) and writes them to the file, so the main thread only receives the stream and
// counts keys. The main thread copies the messages into a ring of shared memory (a memcpy, far
// cheaper than hashing; no message per chunk, only Atomics), which bounds the bytes in flight and
// makes the stream wait when the disk or the hash lags.
//
// The worker is plain JavaScript evaluated from a string, needing only node: modules, so it runs
// alike from src/, under the tests and from the bundles in dist/ (a bundler copies a worker file
// as it is, without the modules it imports).
import { Worker } from 'node:worker_threads';

/** The ring: SLOTS slots of SLOT bytes each (4 MiB in all, the most the stream runs ahead of the disk). */
const SLOT = 256 * 1024;
const SLOTS = 16;
// Control words: slots filled and slots done (counts, the slot is the count modulo SLOTS), end, failed.
const FILLED = 0;
const DONE = 1;
const END = 2;
const FAILED = 3;

// ES2024, in Node since 16; not in this project's TypeScript lib.
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number, ms: number): { async: boolean; value: Promise<string> | string };
  }
).waitAsync;

/** What the worker saw once every byte is written and fsynced. */
export interface SinkResult {
  /** Bytes written: the database and etcd's checksum after it. */
  bytes: number;
  /** sha256 of the database bytes (the first `dbBytes`). */
  dbDigest: Buffer;
  /** The bytes after the database: etcd's sha256 of it. */
  tail: Buffer;
  /** sha256 of the whole file, hex. */
  fileSha256: string;
}

type FromWorker = { ended: { bytes: number; db: Uint8Array; tail: Uint8Array; file: string } } | { error: string };

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { writeSync, fsyncSync } = require('node:fs');
const { fd, dbBytes, ring, ctrl: c, lens: l, SLOT, SLOTS } = workerData;
const ctrl = new Int32Array(c), lens = new Int32Array(l);
const db = createHash('sha256');
const tail = [];
let offset = 0, done = 0;
try {
  for (;;) {
    const filled = Atomics.load(ctrl, ${FILLED});
    if (filled === done) {
      if (Atomics.load(ctrl, ${END}) === 1 && Atomics.load(ctrl, ${FILLED}) === done) break;
      Atomics.wait(ctrl, ${FILLED}, filled, 1000);
      continue;
    }
    const slot = done % SLOTS;
    const b = Buffer.from(ring, slot * SLOT, lens[slot]);
    const dbPart = Math.max(0, Math.min(b.length, dbBytes - offset));
    if (dbPart > 0) db.update(dbPart === b.length ? b : b.subarray(0, dbPart));
    if (dbPart < b.length) tail.push(Buffer.from(b.subarray(dbPart)));
    for (let o = 0; o < b.length; ) o += writeSync(fd, b, o, b.length - o, offset + o);
    offset += b.length;
    Atomics.store(ctrl, ${DONE}, ++done);
    Atomics.notify(ctrl, ${DONE});
  }
  fsyncSync(fd);
  const t = Buffer.concat(tail);
  const file = db.copy().update(t).digest('hex');
  parentPort.postMessage({ ended: { bytes: offset, db: db.digest(), tail: t, file } });
} catch (e) {
  Atomics.store(ctrl, ${FAILED}, 1);
  Atomics.notify(ctrl, ${DONE});
  parentPort.postMessage({ error: e && e.message ? e.message : String(e) });
}
`;

/** Hashes and writes the snapshot in a worker thread; `add` the stream in order, then `end`, and always `close`. */
export class SnapshotSink {
  private worker: Worker | undefined;
  private readonly ring = new SharedArrayBuffer(SLOT * SLOTS);
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(16));
  private readonly lens = new Int32Array(new SharedArrayBuffer(4 * SLOTS));
  private filled = 0;
  private buf = Buffer.from(this.ring, 0, SLOT);
  private used = 0;
  private failure: Error | undefined;
  private result: Promise<SinkResult> | undefined;

  private check(): void {
    if (this.failure) throw this.failure;
  }

  /** Before the first `add`: the file descriptor to write to (from offset 0) and the database size. */
  start(fd: number, dbBytes: number): void {
    const worker = new Worker(WORKER, {
      eval: true,
      workerData: { fd, dbBytes, ring: this.ring, ctrl: this.ctrl.buffer, lens: this.lens.buffer, SLOT, SLOTS },
    });
    this.worker = worker;
    this.result = new Promise<SinkResult>((resolve, reject) => {
      const fail = (e: Error) => {
        this.failure ??= e;
        reject(this.failure);
      };
      worker.on('message', (m: FromWorker) => {
        if ('ended' in m) {
          const e = m.ended;
          resolve({ bytes: e.bytes, dbDigest: Buffer.from(e.db), tail: Buffer.from(e.tail), fileSha256: e.file });
        } else fail(new Error(`writing the snapshot file failed: ${m.error}`));
      });
      worker.on('error', fail);
      worker.on('exit', () => fail(new Error('the snapshot writer stopped')));
    });
    this.result.catch(() => {}); // awaited in end()
  }

  /** The next bytes of the stream. Resolves once they are copied (the buffer may be reused then). */
  async add(blob: Buffer): Promise<void> {
    let from = 0;
    while (from < blob.length) {
      const n = Math.min(SLOT - this.used, blob.length - from);
      blob.copy(this.buf, this.used, from, from + n);
      this.used += n;
      from += n;
      if (this.used === SLOT) await this.ship();
    }
  }

  /** Hands the filled slot to the worker and takes the next, waiting while the ring is full. */
  private async ship(): Promise<void> {
    const slot = this.filled % SLOTS;
    this.lens[slot] = this.used;
    Atomics.store(this.ctrl, FILLED, ++this.filled);
    Atomics.notify(this.ctrl, FILLED);
    this.used = 0;
    for (;;) {
      this.check();
      if (Atomics.load(this.ctrl, FAILED) === 1) await this.result;
      const done = Atomics.load(this.ctrl, DONE);
      if (this.filled - done < SLOTS) break;
      const w = waitAsync(this.ctrl, DONE, done, 1000);
      if (w.async) await w.value;
    }
    const next = this.filled % SLOTS;
    this.buf = Buffer.from(this.ring, next * SLOT, SLOT);
  }

  /** Every byte written and fsynced, and the hashes. */
  async end(): Promise<SinkResult> {
    if (!this.result) throw new Error('the snapshot writer was never started');
    if (this.used > 0) await this.ship();
    Atomics.store(this.ctrl, END, 1);
    Atomics.notify(this.ctrl, FILLED);
    return this.result;
  }

  /** Stops the worker; once this resolves, it writes nothing more (the descriptor can be closed). */
  async close(): Promise<void> {
    if (!this.worker) return;
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
