// Abort's equalize from phase one's content proof: only the embedded etcd's history since the proof
// is carried back, on two real etcds, and the result is the same keyspace the full walk gives.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdFixture, type EtcdFixture } from '../../sandbox/etcd-fixture.ts';
import type { EtcdProcess } from '../../sandbox/etcd-process.ts';
import type { EtcdClient } from '../../src/adapters/etcd/client.ts';
import { takeBackup } from '../../src/adapters/etcd/backup.ts';
import { equalizeSince, type SinceResult } from '../../src/adapters/etcd/equalize-since.ts';
import type { TxnOp } from '../../src/adapters/etcd/proto.ts';
import type { ContentBaseline } from '../../src/core/migration/content-proof.ts';

const MARK = 'VALUE-MARK-';
const val = (s: string) => Buffer.from(MARK + s);

let f: EtcdFixture;
let started: EtcdProcess[] = [];
let dirs: string[] = [];
let n = 0;

beforeAll(async () => {
  f = await etcdFixture('equalize-since-');
});
afterEach(async () => {
  await Promise.all(started.map((e) => e.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  started = [];
  dirs = [];
});
afterAll(async () => {
  await f?.stop();
});

async function fresh(): Promise<EtcdClient> {
  const etcd = await f.another(`s${n++}`);
  started.push(etcd);
  return f.client({ endpoint: etcd.endpoint });
}

async function write(c: EtcdClient, ops: TxnOp[]): Promise<void> {
  for (let i = 0; i < ops.length; i += 128) await c.txn(ops.slice(i, i + 128));
}
const put = (k: string, v: string): TxnOp => ({ put: { key: Buffer.from(k), value: val(v) } });
const del = (k: string): TxnOp => ({ delete: { key: Buffer.from(k) } });

async function dump(c: EtcdClient): Promise<Map<string, string>> {
  const r = await c.range({ key: Buffer.from([0]), rangeEnd: Buffer.from([0]) });
  return new Map(r.kvs.map((kv) => [kv.key.toString('latin1'), kv.value.toString('latin1')]));
}
const revisionOf = async (c: EtcdClient) => (await c.count(Buffer.from([0]), Buffer.from([1]))).revision;

const pod = (i: number) => `/registry/pods/ns/p-${String(i).padStart(3, '0')}`;
const secret = (i: number) => `/registry/secrets/ns/s-${i}`;

/**
 * Both etcds with the same content, as phase one's copy leaves them, and the baseline the content
 * proof records: pods and secrets the same; events volatile (they differ already).
 */
async function copied(): Promise<{ src: EtcdClient; dst: EtcdClient; baseline: ContentBaseline }> {
  const [src, dst] = await Promise.all([fresh(), fresh()]);
  const same: TxnOp[] = [];
  for (let i = 0; i < 60; i++) same.push(put(pod(i), `pod-${i}`));
  for (let i = 0; i < 20; i++) same.push(put(secret(i), `secret-${i}`));
  await write(src, [...same, put('/registry/events/ns/e-1', 'event-src')]);
  await write(dst, [...same, put('/registry/events/ns/e-1', 'event-dst'), put('/registry/events/ns/e-2', 'old')]);
  const baseline = {
    deployedRevision: await revisionOf(dst),
    embeddedRevision: await revisionOf(src),
    sameGroups: ['/registry/pods/', '/registry/secrets/'],
  };
  return { src, dst, baseline };
}

async function since(src: EtcdClient, dst: EtcdClient, baseline: ContentBaseline): Promise<SinceResult> {
  const dir = mkdtempSync(join(tmpdir(), 'since-'));
  dirs.push(dir);
  const snap = await takeBackup(src, { dir, release: 'vc', store: 'embedded', chartVersion: '0.27.0', log: () => {} });
  return equalizeSince(src, dst, { revision: snap.revision, snapshot: snap.file, baseline, concurrency: 2 });
}

describe('equalizeSince on two real etcds', () => {
  it('replays the changes since the proof and walks only the groups the proof did not show equal', async () => {
    const { src, dst, baseline } = await copied();
    // After the proof the virtual cluster writes: a pod changed twice, pods created and deleted, a
    // secret deleted, an event, and a group the proof never saw.
    await write(src, [put(pod(3), 'pod-3-a'), put(pod(70), 'new-70'), del(pod(10)), del(secret(4))]);
    await write(src, [
      put(pod(3), 'pod-3-b'),
      put('/registry/configmaps/ns/c-1', 'cm'),
      put('/registry/events/ns/e-3', 'e'),
    ]);
    const r = await since(src, dst, baseline);

    expect(r.kind).toBe('equalized');
    if (r.kind !== 'equalized') return;
    expect(await dump(dst)).toEqual(await dump(src));
    // Seven writes since the proof; the three ranges outside pods and secrets, no group walked again.
    expect(r.replayed).toBe(7);
    expect(r.walked).toBe(3);
    expect(r.source.total).toBe(60 + 20 + 1 - 1 - 1 + 1 + 2);
    expect(r.after).toBeGreaterThan(await revisionOf(src));
    expect(r.compactedAt).toBe(r.after);
  });

  it('finds a delete the embedded etcd compacted away from the counts, and walks that group', async () => {
    const { src, dst, baseline } = await copied();
    await write(src, [del(pod(20)), put(pod(21), 'pod-21-new'), del(secret(7))]);
    // The history of both deletes is gone from the snapshot: only the counts show them. (etcd keeps
    // a tombstone through the first compaction above it; a second one removes it.)
    await src.compact(await revisionOf(src), true);
    await write(src, [put(pod(22), 'pod-22-new')]);
    await src.compact(await revisionOf(src), true);
    const r = await since(src, dst, baseline);

    expect(r.kind).toBe('equalized');
    if (r.kind !== 'equalized') return;
    expect(await dump(dst)).toEqual(await dump(src));
    // The two puts only; pods and secrets walked again, as their counts differed.
    expect(r.replayed).toBe(2);
    expect(r.walked).toBe(3 + 2);
  });

  it('writes nothing and says why when the deployed etcd was written after the proof', async () => {
    const { src, dst, baseline } = await copied();
    await write(src, [put(pod(1), 'changed')]);
    await write(dst, [put('/registry/pods/ns/stray', 'written-later')]);
    const before = await dump(dst);
    const r = await since(src, dst, baseline);

    expect(r).toEqual({ kind: 'fallback', why: expect.stringMatching(/deployed etcd is at revision \d+, not at \d+/) });
    expect(await dump(dst)).toEqual(before);
  });
});
