import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  readdirSync,
  readFileSync,
  truncateSync,
  openSync,
  writeSync,
  closeSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath } from '../../sandbox/bins.ts';
import { freePort } from '../../sandbox/etcd-process.ts';
import { takeBackup, restoreInstructions } from '../../src/adapters/etcd/backup.ts';
import { readCensus } from '../../src/adapters/etcd/census-reader.ts';
import type { EtcdClient } from '../../src/adapters/etcd/client.ts';
import { countSnapshotKeys } from '../../src/adapters/etcd/snapshot-file.ts';
import { verifySnapshotHash } from '../support/snapshot-hash.ts';
import { etcdFixture, putAll, type EtcdFixture } from '../../sandbox/etcd-fixture.ts';

async function allKv(c: EtcdClient): Promise<Array<[string, string]>> {
  const r = await c.range({ key: Buffer.from([0]), rangeEnd: Buffer.from([0]) });
  return r.kvs.map((kv) => [kv.key.toString('latin1'), kv.value.toString('latin1')]);
}

describe('verified etcd snapshot backup', () => {
  let f: EtcdFixture;
  let client: EtcdClient;
  const logs: string[] = [];

  beforeAll(async () => {
    f = await etcdFixture('backup-');
    client = f.client();
    const keys = Array.from(
      { length: 3000 },
      (_, i) => `/registry/${['pods', 'secrets', 'configmaps'][i % 3]}/ns/o-${i}`,
    );
    await putAll(client, keys, 'x'.repeat(200));
    await putAll(client, keys.slice(0, 500), 'second version'); // history the snapshot keeps
    f.ctl('del', '/registry/pods/ns/o-0');
  });
  afterAll(async () => {
    await f?.stop();
  });

  it('writes a snapshot whose hash, revision and key count are verified, and which etcdutl restores to the same keys', async () => {
    const dir = join(f.dir, 'backups');
    const before = await readCensus(client);
    const rec = await takeBackup(client, { dir, release: 'vc', chartVersion: '0.27.0', log: (m) => logs.push(m) });
    expect(readdirSync(dir)).toEqual([rec.file.split('/').pop()]);
    expect(rec.bytes).toBe(statSync(rec.file).size);
    expect(rec.sha256).toBe(createHash('sha256').update(readFileSync(rec.file)).digest('hex'));
    expect(rec.revision).toBe(before.revision);
    expect(rec.keys).toBe(before.total);
    expect(rec.keys).toBe(2999);
    expect(logs.some((l) => /snapshot verified: 2999 keys/.test(l))).toBe(true);
    expect(logs.join('\n')).not.toMatch(/BEGIN|PRIVATE/);
    expect(restoreInstructions(rec, '0.27.0')).toContain(`etcdutl snapshot restore ${rec.file.split('/').pop()}`);

    const peerPort = await freePort();
    const dataDir = join(f.dir, 'restored.etcd');
    execFileSync(
      binPath('etcdutl'),
      [
        'snapshot',
        'restore',
        rec.file,
        '--data-dir',
        dataDir,
        '--name',
        'restored',
        '--initial-cluster',
        `restored=http://127.0.0.1:${peerPort}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${peerPort}`,
      ],
      { stdio: 'pipe' },
    );
    const restored = await f.another('restored', { dataDir, peerPort });
    try {
      const rc = f.client({ endpoint: restored.endpoint });
      const src = await allKv(client);
      const got = await allKv(rc);
      expect(got.length).toBe(2999);
      expect(got).toEqual(src);
      expect((await readCensus(rc)).groups).toEqual(before.groups);
    } finally {
      await restored.stop();
    }
  });

  it('counts the live keys of a snapshot exactly through updates, deletes, re-creations and a compaction', async () => {
    const g = await etcdFixture('backup-history-');
    try {
      const c = g.client();
      const keys = Array.from({ length: 400 }, (_, i) => `/registry/pods/ns/p-${i}`);
      await putAll(c, keys, 'v1');
      await putAll(c, keys.slice(0, 100), 'v2');
      g.ctl('del', '/registry/pods/ns/p-1', '/registry/pods/ns/p-2'); // a range delete: one tombstone per key
      g.ctl('del', '/registry/pods/ns/p-399');
      await putAll(c, ['/registry/pods/ns/p-10'], 'v3'); // p-10 was in the deleted range: re-created
      const mid = (await c.status()).header.revision;
      g.ctl('compact', String(mid - 1), '--physical');
      await putAll(c, keys.slice(200, 250), 'v4');
      g.ctl('del', '/registry/pods/ns/p-3');
      await putAll(c, ['/registry/pods/ns/p-399', '/registry/pods/ns/new'], 'v5');
      const rec = await takeBackup(c, { dir: join(g.dir, 'b'), release: 'vc', chartVersion: '0.27.0', log: () => {} });
      const now = await c.count(Buffer.from([0]), Buffer.from([0]));
      expect(rec.keys).toBe(now.count);
      expect(rec.revision).toBe(now.revision);
      expect(countSnapshotKeys(rec.file, { trackKeys: true }).keys).toBe(now.count);
    } finally {
      await g.stop();
    }
  });

  it('catches a truncated or corrupted snapshot file', async () => {
    const rec = await takeBackup(client, {
      dir: join(f.dir, 'b2'),
      release: 'vc',
      chartVersion: '0.27.0',
      log: () => {},
    });
    await expect(verifySnapshotHash(rec.file)).resolves.toMatchObject({ bytes: rec.bytes, sha256: rec.sha256 });
    expect(countSnapshotKeys(rec.file).keys).toBe(rec.keys);

    const truncated = join(f.dir, 'truncated.db');
    copyFileSync(rec.file, truncated);
    truncateSync(truncated, rec.bytes - 100);
    await expect(verifySnapshotHash(truncated)).rejects.toThrow(/not a complete etcd snapshot.*truncated/);
    // Cut by a whole page the size looks plausible; etcd's checksum still catches it.
    copyFileSync(rec.file, truncated);
    truncateSync(truncated, rec.bytes - 4096);
    await expect(verifySnapshotHash(truncated)).rejects.toThrow(/truncated\.db is corrupted/);

    const corrupted = join(f.dir, 'corrupted.db');
    copyFileSync(rec.file, corrupted);
    const fd = openSync(corrupted, 'r+');
    writeSync(fd, Buffer.from([0x5a]), 0, 1, Math.floor(rec.bytes / 2));
    closeSync(fd);
    await expect(verifySnapshotHash(corrupted)).rejects.toThrow(/corrupted: the sha256 of its database does not match/);
  });

  it('fails clearly and leaves no complete-looking file when etcd dies mid-stream', async () => {
    const g = await etcdFixture('backup-kill-');
    try {
      const c = g.client({ attempts: 1 });
      const big = 'y'.repeat(4000);
      for (let i = 0; i < 40; i++)
        await putAll(
          c,
          Array.from({ length: 128 }, (_, j) => `/registry/configmaps/ns/big-${i}-${j}`),
          big,
        );
      const dir = join(g.dir, 'backups');
      let killed = false;
      const p = takeBackup(c, {
        dir,
        release: 'vc',
        chartVersion: '0.27.0',
        progressEveryMs: 0,
        log: (m) => {
          if (!killed && m.startsWith('snapshot: ') && /MB\/s$/.test(m)) {
            killed = true;
            void g.etcd.kill();
          }
        },
      });
      await expect(p).rejects.toThrow(
        /the etcd snapshot failed after .* MB: snapshot stream broke: .*not reachable.*partial file was deleted/,
      );
      expect(killed).toBe(true);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await g.stop();
    }
  });

  it('fails before writing anything when etcd is down', async () => {
    const gone = await f.another('gone');
    await gone.stop();
    const c = f.client({ endpoint: gone.endpoint, attempts: 2, backoffMs: 50 });
    const dir = join(f.dir, 'b-down');
    await expect(takeBackup(c, { dir, release: 'vc', chartVersion: '0.27.0', log: () => {} })).rejects.toThrow(
      /not reachable.*Gave up after 2 attempts/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});
