import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { binPath } from '../../sandbox/bins.ts';
import { etcdFixture, type EtcdFixture } from '../../sandbox/etcd-fixture.ts';
import type { EtcdProcess } from '../../sandbox/etcd-process.ts';
import { EtcdError, type EtcdClient } from '../../src/adapters/etcd/client.ts';
import { bumpRevision, compareKeyspaces, equalizeKeyspace } from '../../src/adapters/etcd/equalize.ts';
import { keyOf, streamKeyspace } from '../../src/adapters/etcd/keyspace-stream.ts';
import type { TxnOp } from '../../src/adapters/etcd/proto.ts';
import { RESERVED_PREFIX } from '../../src/core/migration/abort.ts';
import type { GroupComparison, KeyspaceComparison } from '../../src/core/migration/keyspace-comparison.ts';

const run = promisify(execFile);
// Every value the tests write starts with this: a result that shows one leaks values.
const MARK = 'VALUE-MARK-';
const val = (s: string) => Buffer.from(MARK + s);

let f: EtcdFixture;
let started: EtcdProcess[] = [];
let n = 0;

beforeAll(async () => {
  f = await etcdFixture('equalize-');
});
afterEach(async () => {
  await Promise.all(started.map((e) => e.stop()));
  started = [];
});
afterAll(async () => {
  await f?.stop();
});

interface Side {
  etcd: EtcdProcess;
  client: EtcdClient;
}

async function freshEtcd(): Promise<Side> {
  const etcd = await f.another(`e${n++}`);
  started.push(etcd);
  return { etcd, client: f.client({ endpoint: etcd.endpoint }) };
}

async function write(c: EtcdClient, ops: TxnOp[]): Promise<number> {
  let rev = 0;
  for (let i = 0; i < ops.length; i += 128) rev = (await c.txn(ops.slice(i, i + 128))).header.revision;
  return rev;
}
const puts = (kvs: Array<[string | Buffer, Buffer]>): TxnOp[] =>
  kvs.map(([k, v]) => ({ put: { key: Buffer.from(k), value: v } }));

/** The whole (small) keyspace, key -> value, both as latin1 so any byte survives. */
async function dump(c: EtcdClient): Promise<Map<string, string>> {
  const r = await c.range({ key: Buffer.from([0]), rangeEnd: Buffer.from([0]) });
  return new Map(r.kvs.map((kv) => [kv.key.toString('latin1'), kv.value.toString('latin1')]));
}

async function revisionOf(c: EtcdClient): Promise<number> {
  return (await c.count(Buffer.from([0]), Buffer.from([1]))).revision;
}

function group(c: KeyspaceComparison, name: string): GroupComparison {
  const g = c.groups.find((x) => x.group === name);
  if (!g) throw new Error(`no group ${name} in ${c.groups.map((x) => x.group).join(', ')}`);
  return g;
}

const differing = (c: KeyspaceComparison) =>
  c.groups.reduce((s, g) => s + g.onlyInSource + g.onlyInTarget + g.changed, 0);

/** `etcdctl watch --rev` from a revision: resolves with what etcdctl said when the server ends the watch. */
async function watchFrom(side: Side, rev: number): Promise<string> {
  const args = ['--endpoints', side.etcd.endpoint, ...f.tlsFlags, 'watch', '--rev', String(rev), '/'];
  // A watch the server accepts never ends: the bound turns that into a failure instead of a hang.
  const e = await run(binPath('etcdctl'), args, { timeout: 30_000 }).then(
    () => new Error('etcdctl watch ended without an error'),
    (err: unknown) => err as Error & { stderr?: string; killed?: boolean },
  );
  if ('killed' in e && e.killed) throw new Error(`the watch from revision ${rev} was accepted`);
  return String((e as { stderr?: string }).stderr ?? e.message);
}

/** A source and a target that differ in every way, in several census groups. */
async function differingPair(): Promise<{ src: Side; dst: Side }> {
  const [src, dst] = await Promise.all([freshEtcd(), freshEtcd()]);
  const both: Array<[string, Buffer]> = [];
  for (let i = 0; i < 40; i++) both.push([`/registry/pods/ns/p-${String(i).padStart(3, '0')}`, val(`pod-${i}`)]);
  for (let i = 0; i < 25; i++) both.push([`/registry/configmaps/ns/c-${i}`, val(`cm-${i}`)]);
  both.push(['/registry/ranges/serviceips', val('range')]);
  await write(src.client, puts(both));
  await write(dst.client, puts(both));
  // pods: 3 only in source, 2 only in target, 4 changed; configmaps all equal; secrets only in source;
  // a CRD group only in target; leases (volatile) changed.
  await write(
    src.client,
    puts([
      ['/registry/pods/ns/p-100', val('new-a')],
      ['/registry/pods/ns/p-101', val('new-b')],
      ['/registry/pods/ns/p-102', val('new-c')],
      ['/registry/secrets/ns/s-1', val('secret-1')],
      ['/registry/secrets/ns/s-2', val('secret-2')],
      ['/registry/leases/kube-node-lease/n1', val('lease-src')],
      ['/registry/pods/ns/p-001', val('pod-1-changed')],
      ['/registry/pods/ns/p-005', val('pod-5-changed')],
      ['/registry/pods/ns/p-010', val('pod-10-changed')],
      ['/registry/pods/ns/p-039', val('pod-39-changed')],
    ]),
  );
  await write(
    dst.client,
    puts([
      ['/registry/pods/ns/p-200', val('old-a')],
      ['/registry/pods/ns/p-201', val('old-b')],
      ['/registry/example.com/widgets/ns/w-1', val('widget')],
      ['/registry/leases/kube-node-lease/n1', val('lease-dst')],
    ]),
  );
  return { src, dst };
}

describe('compareKeyspaces against two real etcds', () => {
  it('counts per group what is only in the source, only in the target, changed and equal, with the first keys', async () => {
    const { src, dst } = await differingPair();
    const srcRev = await revisionOf(src.client);
    const dstRev = await revisionOf(dst.client);
    const c = await compareKeyspaces(src.client, dst.client, { pageKeys: 7 });

    expect(c.sourceRevision).toBe(srcRev);
    expect(c.targetRevision).toBe(dstRev);
    expect(c.sourceKeys).toBe(66 + 10 - 4);
    expect(c.targetKeys).toBe(66 + 4);
    expect(group(c, '/registry/pods/')).toEqual({
      group: '/registry/pods/',
      same: 36,
      onlyInSource: 3,
      onlyInTarget: 2,
      changed: 4,
      first: {
        onlyInSource: ['/registry/pods/ns/p-100', '/registry/pods/ns/p-101', '/registry/pods/ns/p-102'],
        onlyInTarget: ['/registry/pods/ns/p-200', '/registry/pods/ns/p-201'],
        changed: ['/registry/pods/ns/p-001', '/registry/pods/ns/p-005', '/registry/pods/ns/p-010'],
      },
    });
    expect(group(c, '/registry/configmaps/')).toMatchObject({ same: 25, onlyInSource: 0, onlyInTarget: 0, changed: 0 });
    expect(group(c, '/registry/secrets/')).toMatchObject({ same: 0, onlyInSource: 2 });
    expect(group(c, '/registry/example.com/widgets/')).toMatchObject({ onlyInTarget: 1 });
    expect(group(c, '/registry/leases/')).toMatchObject({ changed: 1 });
    expect(group(c, '/registry/ranges/serviceips')).toMatchObject({ same: 1 });
    expect(c.groups.map((g) => g.group)).toEqual([...c.groups.map((g) => g.group)].sort());
    expect(JSON.stringify(c)).not.toContain(MARK);

    // The page size changes nothing but the number of requests.
    expect(await compareKeyspaces(src.client, dst.client)).toEqual(c);
    // Nothing was written by a comparison.
    expect(await revisionOf(dst.client)).toBe(dstRev);
  });

  it('reads the source at the revision asked for, not at its current one', async () => {
    const { src, dst } = await differingPair();
    const at = await revisionOf(src.client);
    await write(src.client, [{ put: { key: Buffer.from('/registry/pods/ns/p-999'), value: val('later') } }]);
    await write(src.client, [{ delete: { key: Buffer.from('/registry/pods/ns/p-100') } }]);
    const c = await compareKeyspaces(src.client, dst.client, { revision: at, pageKeys: 5 });
    expect(c.sourceRevision).toBe(at);
    expect(group(c, '/registry/pods/')).toMatchObject({ onlyInSource: 3 });
    expect(group(c, '/registry/pods/').first.onlyInSource).toEqual([
      '/registry/pods/ns/p-100',
      '/registry/pods/ns/p-101',
      '/registry/pods/ns/p-102',
    ]);
  });

  it('finds two equal keyspaces equal, whatever their revisions', async () => {
    const [src, dst] = await Promise.all([freshEtcd(), freshEtcd()]);
    const kvs: Array<[string, Buffer]> = Array.from({ length: 300 }, (_, i) => [
      `/registry/secrets/ns/s-${i}`,
      val(`${i}`),
    ]);
    await write(src.client, puts(kvs));
    await write(dst.client, puts(kvs));
    await write(dst.client, puts(kvs)); // same values, higher revision
    const c = await compareKeyspaces(src.client, dst.client, { pageKeys: 16 });
    expect(differing(c)).toBe(0);
    expect(group(c, '/registry/secrets/').same).toBe(300);
    expect(c.targetRevision).toBeGreaterThan(c.sourceRevision);
  });

  it('streams every key in key order exactly once, whatever their shape (etcdctl agrees)', async () => {
    const src = await freshEtcd();
    const keys: Buffer[] = [];
    for (let i = 0; i < 700; i++) keys.push(Buffer.from(`/registry/pods/ns-${i % 7}/p-${i}`));
    for (let i = 0; i < 90; i++) keys.push(Buffer.from(`/registry/cert-manager.io/certificates/ns/c${i * 7919}`));
    for (let i = 0; i < 256; i += 3) keys.push(Buffer.from([0x2f, i, 0xff, i]));
    keys.push(Buffer.from([0x01]), Buffer.from([0xff, 0xff, 0xff]), Buffer.from('compact_rev_key'), Buffer.from('a'));
    await write(src.client, puts(keys.map((k) => [k, val('x')])));
    const out = f
      .ctl('--endpoints', src.etcd.endpoint, 'get', '', '--from-key', '--keys-only', '-w', 'json')
      .toString();
    const fromCtl = (JSON.parse(out) as { kvs: Array<{ key: string }> }).kvs.map((kv) =>
      Buffer.from(kv.key, 'base64').toString('hex'),
    );
    for (const pageKeys of [1, 3, 50, 2000]) {
      const seen: string[] = [];
      for await (const page of streamKeyspace(src.client, { pageKeys })) {
        for (let i = 0; i < page.n; i++) seen.push(keyOf(page, i).toString('hex'));
      }
      expect(seen, `pageKeys ${pageKeys}`).toEqual(fromCtl);
    }
    expect(fromCtl).toHaveLength(keys.length);
  });
});

describe('equalizeKeyspace against two real etcds', () => {
  it('makes the target equal to the source, lifts its revision above the source and compacts it', async () => {
    const { src, dst } = await differingPair();
    const srcRev = await revisionOf(src.client);
    const dstBefore = await revisionOf(dst.client);
    const progress: number[] = [];
    const r = await equalizeKeyspace(src.client, dst.client, {
      revision: srcRev,
      pageKeys: 8,
      onProgress: (p) => progress.push(p.written + p.deleted),
    });

    expect(await dump(dst.client)).toEqual(await dump(src.client));
    // 3 + 2 secrets put for what was only in the source, 4 pods + 1 lease changed; 2 pods + 1 widget deleted.
    expect(r.written).toBe(10);
    expect(r.deleted).toBe(3);
    expect(differing(r.comparison)).toBe(13);
    expect(r.comparison.sourceRevision).toBe(srcRev);
    expect(r.before).toBe(dstBefore);
    expect(r.after).toBeGreaterThan(srcRev + 1);
    expect(r.compactedAt).toBe(r.after);
    expect(await revisionOf(dst.client)).toBe(r.after);
    expect(progress.at(-1)).toBe(13);
    expect(JSON.stringify(r)).not.toContain(MARK);
    // No key of the action's own is left behind.
    expect([...(await dump(dst.client)).keys()].filter((k) => k.startsWith(RESERVED_PREFIX))).toEqual([]);

    // A client that saw the source's last revision watches from the next one: refused as compacted.
    expect(await watchFrom(dst, srcRev + 1)).toMatch(/compacted/);
    expect(await watchFrom(dst, dstBefore)).toMatch(/compacted/);
    const old = await dst.client.range({ key: Buffer.from('/'), revision: r.after - 1 }).catch((e: unknown) => e);
    expect(old).toBeInstanceOf(EtcdError);
    expect((old as EtcdError).kind).toBe('compacted');
    // The target serves at its new revision.
    expect(
      (await dst.client.range({ key: Buffer.from('/registry/pods/ns/p-001'), revision: r.after })).kvs,
    ).toHaveLength(1);
  });

  it('is idempotent: a second run writes nothing and keeps the target above the source', async () => {
    const { src, dst } = await differingPair();
    const first = await equalizeKeyspace(src.client, dst.client, { pageKeys: 4 });
    const second = await equalizeKeyspace(src.client, dst.client, { pageKeys: 4 });
    expect(second.written).toBe(0);
    expect(second.deleted).toBe(0);
    expect(differing(second.comparison)).toBe(0);
    expect(second.before).toBe(first.after);
    expect(second.after).toBe(first.after);
    expect(second.compactedAt).toBe(first.compactedAt);
    expect(await dump(dst.client)).toEqual(await dump(src.client));
  });

  it('copies the source at the revision asked for, and still ends above the source’s last revision', async () => {
    const { src, dst } = await differingPair();
    const at = await revisionOf(src.client);
    await write(src.client, puts([['/registry/pods/ns/p-later', val('later')]]));
    const last = await revisionOf(src.client);
    const r = await equalizeKeyspace(src.client, dst.client, { revision: at });
    const target = await dump(dst.client);
    expect(target.has('/registry/pods/ns/p-later')).toBe(false);
    expect(target.get('/registry/pods/ns/p-001')).toBe(MARK + 'pod-1-changed');
    expect(r.after).toBeGreaterThan(last + 1);
    expect(await watchFrom(dst, last + 1)).toMatch(/compacted/);
  });

  it('keeps any byte of keys and values, deletes everything when the source is empty', async () => {
    const [src, dst] = await Promise.all([freshEtcd(), freshEtcd()]);
    const binary: Array<[Buffer, Buffer]> = [
      [Buffer.from([0x2f, 0x00, 0xff]), Buffer.from([0x00, 0x01, 0xfe, 0xff])],
      [Buffer.from([0xff, 0xfe]), Buffer.alloc(0)],
      [Buffer.from('/registry/secrets/ns/ü'), Buffer.concat([Buffer.from(MARK), Buffer.alloc(200_000, 7)])],
    ];
    await write(src.client, puts(binary));
    await write(dst.client, puts([[Buffer.from([0x2f, 0x00, 0xff]), Buffer.from('other')]]));
    await equalizeKeyspace(src.client, dst.client);
    expect(await dump(dst.client)).toEqual(await dump(src.client));

    const empty = await freshEtcd();
    const r = await equalizeKeyspace(empty.client, dst.client);
    expect(r.deleted).toBe(3);
    expect((await dump(dst.client)).size).toBe(0);
  });

  it('only compacts when the target is already far above the source', async () => {
    const [src, dst] = await Promise.all([freshEtcd(), freshEtcd()]);
    await write(src.client, puts([['/registry/pods/a', val('1')]]));
    for (let i = 0; i < 20; i++) await write(dst.client, puts([['/registry/pods/a', val(String(i))]]));
    const before = await revisionOf(dst.client);
    const r = await equalizeKeyspace(src.client, dst.client);
    expect(r.written).toBe(1);
    expect(r.after).toBe(before + 1);
    expect(await watchFrom(dst, before)).toMatch(/compacted/);
  });

  it('finishes a run killed mid-way: the next run converges', async () => {
    const [src, dst] = await Promise.all([freshEtcd(), freshEtcd()]);
    const total = 3000;
    const kvs = (side: string): Array<[string, Buffer]> =>
      Array.from({ length: total }, (_, i) => [`/registry/configmaps/ns-${i % 5}/c-${i}`, val(`${side}-${i}`)]);
    await write(src.client, puts(kvs('src')));
    await write(dst.client, puts(kvs('dst')));
    await write(dst.client, puts([[`${RESERVED_PREFIX}revision-bump/7`, val('left by a killed run before this one')]]));
    const srcRev = await revisionOf(src.client);

    const child = spawn(
      process.execPath,
      [
        join(import.meta.dirname, '../support/equalize-child.ts'),
        '--source',
        src.etcd.endpoint,
        '--target',
        dst.etcd.endpoint,
        '--ca',
        f.pki['etcd-ca.crt']!,
        '--cert',
        f.pki['apiserver-etcd-client.crt']!,
        '--key',
        f.pki['apiserver-etcd-client.key']!,
        '--hold-after',
        '256',
        '--page-keys',
        '50',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const lines = createInterface({ input: child.stdout! });
      const first = await new Promise<string>((resolve) => lines.once('line', resolve));
      expect(first).toMatch(/^held \d+$/);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }

    // Stopped half-way: some keys written, most not.
    const mid = await compareKeyspaces(src.client, dst.client);
    const left = group(mid, '/registry/configmaps/').changed;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(total);

    // The killed run walks the ranges side by side: it may have removed the reserved key a run before
    // it left, or not yet. Whatever it left, the next run removes.
    const reserved = `${RESERVED_PREFIX}revision-bump/7`;
    const reservedLeft = (await dump(dst.client)).has(reserved) ? 1 : 0;
    const r = await equalizeKeyspace(src.client, dst.client);
    expect(r.written).toBe(left);
    expect(r.deleted).toBe(reservedLeft);
    expect((await dump(dst.client)).has(reserved)).toBe(false);
    expect(await dump(dst.client)).toEqual(await dump(src.client));
    expect(r.after).toBeGreaterThan(srcRev + 1);
    expect(await watchFrom(dst, srcRev + 1)).toMatch(/compacted/);
  });
});

describe('bumpRevision against a real etcd', () => {
  it('keeps the keyspace, lifts the revision above the one given and compacts', async () => {
    const dst = await freshEtcd();
    await write(
      dst.client,
      puts([
        ['/registry/pods/a', val('a')],
        ['/registry/pods/b', val('b')],
      ]),
    );
    const keys = await dump(dst.client);
    const before = await revisionOf(dst.client);
    const r = await bumpRevision(dst.client, { above: before + 300 });
    expect(r.before).toBe(before);
    expect(r.after).toBeGreaterThan(before + 301);
    expect(r.compactedAt).toBe(r.after);
    expect(await dump(dst.client)).toEqual(keys);
    expect(await watchFrom(dst, before + 301)).toMatch(/compacted/);
    // Again: nothing more to lift, the compaction already there.
    const again = await bumpRevision(dst.client, { above: before + 300 });
    expect(again.after).toBe(r.after);
  });
});
