import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { makeCA, makeCert } from '../../sandbox/pki.ts';
import { readFileSync } from 'node:fs';
import { diffCensus, groupOf } from '../../src/core/migration/census.ts';
import { countKnownGroups, readCensus } from '../../src/adapters/etcd/census-reader.ts';
import { EtcdClient } from '../../src/adapters/etcd/client.ts';
import { etcdFixture, putAll, type EtcdFixture } from '../../sandbox/etcd-fixture.ts';

// A keyspace shaped like kube-apiserver's plus vCluster's, with groups large enough that the
// reader scans (not only lists) them, and a deleted key (a tombstone) that must not count.
function keyspace(): string[] {
  const keys: string[] = [
    'compact_rev_key',
    '/registry/ranges/serviceips',
    '/registry/ranges/servicenodeports',
    '/registry/health',
  ];
  const groups = [
    'pods',
    'pods2',
    'configmaps',
    'secrets',
    'events',
    'leases',
    'namespaces',
    'services/specs',
    'services/endpoints',
    'apiregistration.k8s.io/apiservices',
    'cert-manager.io/certificates',
    'cert-manager.io/issuers',
    'zz.example.com/widgets',
    'a/b/c/d',
  ];
  groups.forEach((g, gi) => {
    for (let i = 0; i < 40 + gi * 37; i++) keys.push(`/registry/${g}/ns-${i % 3}/obj-${i}`);
  });
  for (let i = 0; i < 55; i++) keys.push(`/vcluster/mappings/v1/pods/ns/p-${i}`);
  keys.push('/vcluster/other', '/zzz/tree/x', '/registry/{odd}/x');
  return keys;
}

function expectedGroups(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[groupOf(k)] = (out[groupOf(k)] ?? 0) + 1;
  return out;
}

describe('census against a real etcd with TLS client-cert auth', () => {
  let f: EtcdFixture;
  let client: EtcdClient;
  let keys: string[];

  beforeAll(async () => {
    f = await etcdFixture('census-');
    client = f.client();
    keys = keyspace();
    await putAll(client, [...keys, '/registry/pods/ns-0/deleted-later']);
    await client.range({ key: Buffer.from('x') }); // warm
    f.ctl('del', '/registry/pods/ns-0/deleted-later');
  });
  afterAll(async () => {
    await f?.stop();
  });

  it('counts every group exactly, listing small ranges or scanning them', async () => {
    const expected = expectedGroups(keys);
    const listed = await readCensus(client);
    const scanned = await readCensus(client, { listBelow: 1 });
    expect(listed.groups).toEqual(expected);
    expect(scanned.groups).toEqual(expected);
    expect(listed.total).toBe(keys.length);
    expect(scanned.revision).toBe(listed.revision);
  });

  it('counts group by group with count-only ranges when the groups are known, and not when another group is there', async () => {
    const full = await readCensus(client);
    const groups = Object.keys(full.groups);
    expect(await countKnownGroups(client, groups)).toEqual(full);
    // A group the list lacks: the counts cannot stand for the census.
    expect(
      await countKnownGroups(
        client,
        groups.filter((g) => g !== '/registry/secrets/'),
      ),
    ).toBeUndefined();
    // Two groups that overlap (a key named like a prefix) would count keys twice.
    expect(await countKnownGroups(client, [...groups, '/registry/'])).toBeUndefined();
  });

  it('agrees with etcdctl get --keys-only on the same etcd', async () => {
    const out = f.ctl('get', '\x01', '--from-key', '--keys-only').toString('latin1');
    const listed = out.split('\n').filter((l) => l.length > 0);
    const c = await readCensus(client, { listBelow: 1 });
    expect(c.total).toBe(listed.length);
    expect(c.groups).toEqual(expectedGroups(listed));
  });

  it('catches a single missing key in the diff, while volatile groups never fail', async () => {
    const before = await readCensus(client);
    const del = (k: string) => f.ctl('del', k);
    del('/registry/secrets/ns-1/obj-4');
    del('/registry/events/ns-0/obj-0');
    const after = await readCensus(client);
    const d = diffCensus(before, after);
    expect(d.ok).toBe(false);
    expect(d.lost).toHaveLength(1);
    expect(d.lost[0]).toMatchObject({ group: '/registry/secrets/', delta: -1 });
    expect(d.rows.find((r) => r.group === '/registry/events/')).toMatchObject({ delta: -1, verdict: 'volatile' });
    await putAll(client, ['/registry/secrets/ns-1/obj-4', '/registry/events/ns-0/obj-0']);
  });

  it('reads one revision from start to end while writes go on', async () => {
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await putAll(
          client,
          Array.from({ length: 20 }, (_, i) => `/registry/pods/live/w-${written + i}`),
        );
        written += 20;
      }
    })();
    try {
      await new Promise((r) => setTimeout(r, 100));
      const during = await readCensus(client, { listBelow: 1 });
      const atSame = await readCensus(client, { revision: during.revision, listBelow: 10_000 });
      expect(written).toBeGreaterThan(0);
      expect(atSame.groups).toEqual(during.groups);
      expect(during.total).toBe((await client.count(Buffer.from([0]), Buffer.from([0]), during.revision)).count);
    } finally {
      writing = false;
      await writer;
    }
    const now = await readCensus(client);
    expect(now.revision).toBeGreaterThan(0);
    expect(now.groups['/registry/pods/']).toBe(expectedGroups(keys)['/registry/pods/']! + written);
  });

  it('says the server certificate is not signed by etcd-ca.crt from the secret when the CA is wrong', async () => {
    const other = makeCA(join(f.dir, 'other'), 'other-ca');
    const c = f.client({ ca: readFileSync(other.cert), attempts: 2, backoffMs: 50 });
    await expect(readCensus(c)).rejects.toThrow(
      /server certificate is not signed by etcd-ca\.crt from secret vc-certs/,
    );
  });

  it('says the client certificate was refused when it is not signed by the etcd CA', async () => {
    const other = makeCA(join(f.dir, 'other2'), 'other-ca');
    const bad = makeCert(join(f.dir, 'other2'), { name: 'client', ca: other, cn: 'intruder', usage: 'client' });
    const c = f.client({ cert: readFileSync(bad.cert), key: readFileSync(bad.key), attempts: 2, backoffMs: 50 });
    await expect(readCensus(c)).rejects.toThrow(
      /refused the client certificate \(apiserver-etcd-client\.crt from secret vc-certs\)/,
    );
  });

  it('gives up with a clear error after bounded retries when etcd is down', async () => {
    const gone = await f.another('gone');
    await gone.stop();
    const c = f.client({
      endpoint: gone.endpoint,
      attempts: 3,
      backoffMs: 100,
      label: 'deployed etcd (pod vc-etcd-0)',
    });
    const t0 = Date.now();
    await expect(readCensus(c)).rejects.toThrow(
      /deployed etcd \(pod vc-etcd-0\) is not reachable .*ECONNREFUSED.*Gave up after 3 attempts/,
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});
