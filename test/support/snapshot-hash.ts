// Checks a backup file the way etcdutl does before a restore: an etcd snapshot is the bbolt
// database followed by the sha256 of the database (32 bytes), so its size is 32 more than a
// multiple of 512 and the trailer must match.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

const SHA_SIZE = 32;

export interface SnapshotIntegrity {
  bytes: number;
  /** sha256 of the whole file, as recorded in the backup. */
  sha256: string;
}

/** Check the trailing sha256 of an etcd snapshot file; throws naming the file if it is wrong. */
export async function verifySnapshotHash(path: string): Promise<SnapshotIntegrity> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size < SHA_SIZE + 4096 || size % 512 !== SHA_SIZE) {
      throw new Error(
        `snapshot ${path} is not a complete etcd snapshot: ${size} bytes is not a bbolt database plus its 32-byte sha256 (truncated?).`,
      );
    }
    const db = createHash('sha256');
    const whole = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = 0;
    const dbEnd = size - SHA_SIZE;
    while (pos < dbEnd) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, dbEnd - pos), pos);
      if (bytesRead === 0) throw new Error(`snapshot ${path}: unexpected end of file at ${pos}`);
      db.update(buf.subarray(0, bytesRead));
      whole.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
    const trailer = Buffer.alloc(SHA_SIZE);
    await fh.read(trailer, 0, SHA_SIZE, dbEnd);
    whole.update(trailer);
    if (!db.digest().equals(trailer)) {
      throw new Error(
        `snapshot ${path} is corrupted: the sha256 of its database does not match the checksum etcd appended.`,
      );
    }
    return { bytes: size, sha256: whole.digest('hex') };
  } finally {
    await fh.close();
  }
}
