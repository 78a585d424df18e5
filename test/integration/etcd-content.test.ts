import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { groupOf } from '../../src/core/migration/census.ts';
import { compareContent, explainGroup, groupsToExplain } from '../../src/core/migration/content-proof.ts';
import { displayKey, groupEntries, readContentDigest } from '../../src/adapters/etcd/content-reader.ts';
import type { EtcdClient } from '../../src/adapters/etcd/client.ts';
import { etcdFixture, type EtcdFixture } from '../../sandbox/etcd-fixture.ts';
import { txnPut } from '../../sandbox/etcd-seed.ts';

// Kubernetes-shaped keys with values of different sizes: one group large enough to be read in
// several pages, one value larger than the reader's scratch buffer, a non-ASCII key, root keys.
function keyspace(): Map<string, Buffer> {
  const kv = new Map<string, Buffer>();
  const put = (k: string, v: Buffer | string) => kv.set(k, Buffer.from(v));
  put('compact_rev_key', 'r');
  put('/registry/ranges/serviceips', 'bitmap');
  for (let i = 0; i < 2500; i++) put(`/registry/pods/ns-${i % 7}/p-${i}`, `pod ${i} `.repeat(1 + (i % 5)));
  for (let i = 0; i < 40; i++) put(`/registry/secrets/ns/s-${i}`, `secret ${i}`);
  for (let i = 0; i < 30; i++) put(`/registry/events/ns/e-${i}`, `event ${i}`);
  put('/registry/configmaps/ns/big', Buffer.alloc(1_200_000, 'c'));
  put('/registry/configmaps/ns/ünïcode', 'u');
  for (let i = 0; i < 20; i++) put(`/registry/cert-manager.io/certificates/ns/c-${i}`, `cert ${i}`);
  for (let i = 0; i < 25; i++) put(`/vcluster/mappings/v1/pods/ns/p-${i}`, `map ${i}`);
  return kv;
}

/** The digest per group computed here from the seeded data, in etcd's byte order. */
function expectedDigests(kv: Map<string, Buffer>): Record<string, { count: number; digest: string }> {
  const keys = [...kv.keys()].map((k) => Buffer.from(k)).sort(Buffer.compare);
  const out: Record<string, { count: number; h: ReturnType<typeof createHash> }> = {};
  for (const k of keys) {
    const g = groupOf(k.toString('utf8'));
    const v = kv.get(k.toString('utf8'))!;
    const o = (out[g] ??= { count: 0, h: createHash('sha256') });
    const len = Buffer.alloc(4);
    len.writeUInt32BE(k.length);
    o.h.update(len).update(k);
    len.writeUInt32BE(v.length);
    o.h.update(len).update(v);
    o.count++;
  }
  return Object.fromEntries(Object.entries(out).map(([g, o]) => [g, { count: o.count, digest: o.h.digest('hex') }]));
}

async function putMap(client: EtcdClient, kv: Map<string, Buffer>): Promise<void> {
  const all = [...kv].map(([k, v]) => ({ key: Buffer.from(k), value: v }));
  // A large value goes alone: etcd caps a request at 1.5 MiB.
  const large = all.filter((p) => p.value.length > 100_000);
  const small = all.filter((p) => p.value.length <= 100_000);
  for (const p of large) await txnPut(client, [p]);
  for (let i = 0; i < small.length; i += 128) await txnPut(client, small.slice(i, i + 128));
}

describe('content digest against a real etcd', () => {
  let f: EtcdFixture;
  let client: EtcdClient;
  let kv: Map<string, Buffer>;

  beforeAll(async () => {
    f = await etcdFixture('content-');
    client = f.client();
    kv = keyspace();
    await putMap(client, kv);
  });
  afterAll(async () => {
    await f?.stop();
  });

  it('gives per group the count and the digest of every key and value in key order', async () => {
    const d = await readContentDigest(client);
    expect(d.total).toBe(kv.size);
    expect(d.groups).toEqual(expectedDigests(kv));
  });

  it('one changed value (counts equal) makes only its group differ, and the walk names its key', async () => {
    const before = await readContentDigest(client);
    await txnPut(client, [{ key: Buffer.from('/registry/pods/ns-3/p-1200'), value: Buffer.from('corrupt') }]);
    const after = await readContentDigest(client);
    expect(after.total).toBe(before.total);
    // Pinned to a revision: the earlier revision still reads as before.
    expect((await readContentDigest(client, { revision: before.revision })).groups).toEqual(before.groups);
    const groups = groupsToExplain(before, after);
    expect(groups).toEqual(['/registry/pods/']);
    const walk = await explainGroup(
      groups[0]!,
      groupEntries(client, groups[0]!, before.revision),
      groupEntries(client, groups[0]!, after.revision),
      displayKey,
    );
    expect(walk).toMatchObject({ same: 2499, changed: 1, onlyInSource: 0, onlyInTarget: 0 });
    const diff = compareContent(before, after, [walk]);
    expect(diff.ok).toBe(false);
    expect(diff.differing).toEqual([
      expect.objectContaining({ group: '/registry/pods/', firstDifferingKey: '/registry/pods/ns-3/p-1200' }),
    ]);
    expect(JSON.stringify(diff)).not.toContain('corrupt');
  });

  it('a non-ASCII key is walked and shown as written', async () => {
    const rev = (await readContentDigest(client)).revision;
    await txnPut(client, [{ key: Buffer.from('/registry/configmaps/ns/ünïcode'), value: Buffer.from('changed') }]);
    const walk = await explainGroup(
      '/registry/configmaps/',
      groupEntries(client, '/registry/configmaps/', rev),
      groupEntries(client, '/registry/configmaps/', 0),
      displayKey,
    );
    expect(walk.first.changed).toEqual(['/registry/configmaps/ns/ünïcode']);
  });
});
