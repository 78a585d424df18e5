// The backup verifies the snapshot while it is written (src/etcd/snapshot-scan.ts): the key count
// from the stream must equal the one read from the file, and a truncated, corrupted or foreign
// snapshot must fail the backup and leave no file. The faults are put into the stream of a real
// etcd between its client and takeBackup.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeBackup } from '../../src/adapters/etcd/backup.ts';
import type { EtcdClient } from '../../src/adapters/etcd/client.ts';
import type { SnapshotResponse } from '../../src/adapters/etcd/proto.ts';
import { countSnapshotKeys } from '../../src/adapters/etcd/snapshot-file.ts';
import { SnapshotScan } from '../../src/adapters/etcd/snapshot-scan.ts';
import { recordScenario } from '../support/reliability.ts';
import { etcdFixture, putAll, type EtcdFixture } from '../../sandbox/etcd-fixture.ts';

const GROUP = 'Faults';

/** The client, with its snapshot stream passed through `edit` (all messages at once). */
function tampered(client: EtcdClient, edit: (msgs: SnapshotResponse[]) => SnapshotResponse[]): EtcdClient {
  const t = Object.create(client) as EtcdClient;
  t.snapshot = async function* (idleTimeoutMs?: number) {
    const msgs: SnapshotResponse[] = [];
    for await (const m of client.snapshot(idleTimeoutMs)) msgs.push({ ...m, blob: Buffer.from(m.blob) });
    yield* edit(msgs);
  };
  return t;
}

describe('backup verification while the snapshot streams', () => {
  let f: EtcdFixture;
  let client: EtcdClient;
  let n = 0;
  const backup = (c: EtcdClient) =>
    takeBackup(c, { dir: join(f.dir, `b${n++}`), release: 'vc', chartVersion: '0.27.0', log: () => {} });
  const leftIn = (dir: number) => readdirSync(join(f.dir, `b${dir}`));

  beforeAll(async () => {
    f = await etcdFixture('backup-verify-');
    client = f.client();
    // Enough keys for a key bucket of many leaf pages, with history on both sides of a compaction,
    // so leaves lie below, above and across the compacted revision.
    const keys = Array.from(
      { length: 6000 },
      (_, i) => `/registry/${['pods', 'secrets', 'configmaps'][i % 3]}/ns/o-${i}`,
    );
    await putAll(client, keys, 'x'.repeat(300));
    await putAll(client, keys.slice(0, 2000), 'second version');
    f.ctl('del', '/registry/pods/ns/o-', '--prefix');
    const mid = (await client.status()).header.revision;
    f.ctl('compact', String(mid - 10), '--physical');
    await putAll(client, keys.slice(3000, 4000), 'third version');
    await putAll(client, keys.filter((k) => k.startsWith('/registry/pods/')).slice(0, 500), 're-created');
    f.ctl('del', '/registry/secrets/ns/o-1');
  });
  afterAll(async () => {
    await f?.stop();
  });

  it('counts from the stream what a full read of the file counts, reading few pages again', async () => {
    const rec = await backup(client);
    const now = await client.count(Buffer.from([0]), Buffer.from([0]));
    expect(rec.keys).toBe(now.count);
    expect(rec.revision).toBe(now.revision);
    const file = readFileSync(rec.file);
    const full = countSnapshotKeys(rec.file);
    expect(countSnapshotKeys(rec.file, { trackKeys: true }).keys).toBe(full.keys);
    // Chunks that split pages anywhere, as a stream could.
    for (const size of [32768, 4096, 7001, 100_000]) {
      const scan = new SnapshotScan(file.length - 32);
      for (let i = 0; i < file.length - 32; i += size)
        scan.update(file.subarray(i, Math.min(i + size, file.length - 32)));
      const got = scan.finish(rec.file);
      expect({ keys: got.keys, revision: got.revision, entries: got.entries }).toEqual(full);
      expect(got.leaves).toBeGreaterThan(100);
      expect(got.leavesReadAgain).toBeLessThanOrEqual(1); // at most the leaf the compaction revision falls inside
    }
  });

  it('fails on a snapshot stream that stops short, and leaves no file', async () => {
    const dir = n;
    await expect(backup(tampered(client, (m) => m.slice(0, -2)))).rejects.toThrow(
      /^the snapshot of etcd at \S+ is unusable: the snapshot stream ended early: received \d+ bytes, etcd announced \d+.*The partial file was deleted; run phase migrate again/,
    );
    expect(leftIn(dir)).toEqual([]);
    recordScenario({
      group: GROUP,
      scenario: 'snapshot stream cut short',
      done: "the backup's snapshot stream from the deployed etcd ends two messages early (etcd's checksum among them)",
      action: 'backup failed: "the snapshot stream ended early", the partial file deleted',
      dataLost: 'none (nothing changes before the backup is verified)',
    });
  });

  it('fails on a snapshot with one byte changed, and leaves no file', async () => {
    const dir = n;
    const flip = (msgs: SnapshotResponse[]) => {
      const blob = msgs[Math.floor(msgs.length / 2)]!.blob;
      blob[100] = blob[100]! ^ 0x01;
      return msgs;
    };
    await expect(backup(tampered(client, flip))).rejects.toThrow(
      /the snapshot is corrupted: the sha256 etcd sent does not match/,
    );
    expect(leftIn(dir)).toEqual([]);
    recordScenario({
      group: GROUP,
      scenario: 'snapshot corrupted in transit',
      done: "one bit flipped in the middle of the backup's snapshot stream",
      action:
        'backup failed: "the snapshot is corrupted: the sha256 etcd sent does not match the database bytes received", the partial file deleted',
      dataLost: 'none (nothing changes before the backup is verified)',
    });
  });

  it("fails on another etcd's snapshot at the same revision, and on a file that is no etcd database", async () => {
    // Another etcd, written to the same revision with fewer keys: its snapshot is whole (checksum
    // right) but is not this etcd's.
    const other = await etcdFixture('backup-foreign-');
    try {
      const oc = other.client();
      const target = (await client.status()).header.revision;
      for (let rev = (await oc.status()).header.revision; rev < target; rev++)
        await putAll(oc, [`/registry/pods/other/p-${rev % 7}`]);
      expect((await oc.status()).header.revision).toBe(target);
      const foreign: SnapshotResponse[] = [];
      for await (const m of oc.snapshot()) foreign.push({ ...m, blob: Buffer.from(m.blob) });
      const dir = n;
      await expect(backup(tampered(client, () => foreign))).rejects.toThrow(
        new RegExp(`the snapshot holds 7 keys at revision ${target} but etcd counts \\d+ keys at that revision`),
      );
      expect(leftIn(dir)).toEqual([]);
    } finally {
      await other.stop();
    }
    // Not bbolt at all, with a right checksum: as etcd would send it.
    const junk = Buffer.alloc(65536, 7);
    const sha = (await import('node:crypto')).createHash('sha256').update(junk).digest();
    const dir = n;
    await expect(
      backup(
        tampered(client, ([first]) => [
          { ...first!, remainingBytes: 32768, blob: junk.subarray(0, 32768) },
          { ...first!, remainingBytes: 0, blob: junk.subarray(32768) },
          { ...first!, remainingBytes: 0, blob: sha },
        ]),
      ),
    ).rejects.toThrow(
      /^the snapshot of etcd at \S+ is unusable: snapshot \S+ is not a readable bbolt database: meta page 0 is invalid\. The partial file was deleted; run phase migrate again/,
    );
    expect(leftIn(dir)).toEqual([]);
    recordScenario({
      group: GROUP,
      scenario: 'snapshot of another etcd',
      done: "the backup's snapshot stream replaced by a whole snapshot (right checksum) of another etcd at the same revision, then by 64 KiB that are no bbolt file with a right checksum",
      action:
        'backup failed: "the snapshot holds 7 keys at revision R but etcd counts N keys at that revision", then "not a readable bbolt database"; the partial file deleted each time',
      dataLost: 'none (nothing changes before the backup is verified)',
    });
  });
});
