// The snapshot's bytes go through a ring of shared memory to a worker thread that hashes and writes
// them: the file must hold exactly the stream's bytes in order, whatever the chunk sizes (chunks
// that straddle slots, more bytes than the ring holds), with etcd's checksum split off after the
// database, and a write that fails must end the stream with an error, not a file that looks whole.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SnapshotSink } from '../../../../src/adapters/etcd/snapshot-sink.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

async function sinkInto(db: Buffer, tail: Buffer, chunk: (i: number) => number) {
  const dir = mkdtempSync(join(tmpdir(), 'sink-'));
  dirs.push(dir);
  const path = join(dir, 'snap.db');
  const fd = openSync(path, 'w');
  const sink = new SnapshotSink();
  try {
    sink.start(fd, db.length);
    const stream = Buffer.concat([db, tail]);
    for (let at = 0, i = 0; at < stream.length; i++) {
      const n = Math.min(chunk(i), stream.length - at);
      // The caller may reuse its buffer once add resolves: hand a copy that is then overwritten.
      const b = Buffer.from(stream.subarray(at, at + n));
      await sink.add(b);
      b.fill(0);
      at += n;
    }
    const result = await sink.end();
    return { result, file: readFileSync(path) };
  } finally {
    await sink.close();
    closeSync(fd);
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest();

describe('SnapshotSink', () => {
  it('writes the stream in order across slots and more than the ring holds, and hashes the database apart from the checksum', async () => {
    const db = randomBytes(9 * 1024 * 1024 + 123); // more than the 4 MiB ring, not a multiple of a slot
    const tail = sha(db);
    const sizes = [1, 32 * 1024, 300 * 1024, 7, 256 * 1024, 1024 * 1024 + 5];
    const { result, file } = await sinkInto(db, tail, (i) => sizes[i % sizes.length]!);
    expect(file.equals(Buffer.concat([db, tail]))).toBe(true);
    expect(result.bytes).toBe(db.length + tail.length);
    expect(result.dbDigest.equals(sha(db))).toBe(true);
    expect(result.tail.equals(tail)).toBe(true);
    expect(result.fileSha256).toBe(sha(file).toString('hex'));
  });

  it('splits the checksum off when it straddles two chunks', async () => {
    const db = randomBytes(1000);
    const tail = sha(db);
    const { result } = await sinkInto(db, tail, () => 990); // the second chunk holds db's end and the tail's start
    expect(result.dbDigest.equals(sha(db))).toBe(true);
    expect(result.tail.equals(tail)).toBe(true);
  });

  it('an empty stream writes an empty file', async () => {
    const { result, file } = await sinkInto(Buffer.alloc(0), Buffer.alloc(0), () => 1);
    expect(file.length).toBe(0);
    expect(result.bytes).toBe(0);
  });

  it('a write that fails ends the stream with the error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sink-'));
    dirs.push(dir);
    const path = join(dir, 'snap.db');
    closeSync(openSync(path, 'w'));
    const fd = openSync(path, 'r'); // read-only: the worker's first write fails (EBADF)
    const sink = new SnapshotSink();
    try {
      sink.start(fd, 1 << 20);
      const run = async () => {
        for (let i = 0; i < 64; i++) await sink.add(Buffer.alloc(256 * 1024, 1));
        await sink.end();
      };
      await expect(run()).rejects.toThrow(/writing the snapshot file failed: .*EBADF/);
    } finally {
      await sink.close();
      closeSync(fd);
    }
  });

  it('end without start says so', async () => {
    await expect(new SnapshotSink().end()).rejects.toThrow(/never started/);
  });
});
