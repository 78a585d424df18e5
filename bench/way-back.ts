// Shared by the equalize and abort benchmarks: an embedded etcd seeded with N keys and a deployed etcd
// that is stale as one is after phase one (every 10th value differs, every 20th key is missing, N/20
// keys exist only there), and the manual way back etcd's docs give, timed on the embedded one:
// `etcdctl snapshot save`, `etcdutl snapshot restore --bump-revision --mark-compacted` and an etcd
// started on the result until it serves.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { binPath } from '../sandbox/bins.ts';
import type { EtcdFixture } from '../sandbox/etcd-fixture.ts';
import { freePort, startEtcd, type EtcdProcess } from '../sandbox/etcd-process.ts';
import { txnPut, type PutRequest } from '../sandbox/etcd-seed.ts';
import type { EtcdClient } from '../src/adapters/etcd/client.ts';
import type { KeyspaceComparison } from '../src/core/migration/keyspace-comparison.ts';
import type { ContentBaseline } from '../src/core/migration/content-proof.ts';
import { readCensus } from '../src/adapters/etcd/census-reader.ts';
import { childEtcdArgs, spawnOut } from './rounds.ts';
import { benchKey, startBenchEtcd } from './seed.ts';

/** Room for millions of keys. */
const QUOTA = ['--quota-backend-bytes=8589934592'];

/** Calls `send` for [start, end) batches of 128 of 0..count, 16 in flight. */
async function inBatches(count: number, send: (start: number, end: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const start = next;
      next = Math.min(count, next + 128);
      await send(start, next);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** Puts in transactions of 128, 16 in flight. */
async function fill(client: EtcdClient, count: number, kv: (i: number) => PutRequest | undefined): Promise<void> {
  await inBatches(count, async (start, end) => {
    const puts: PutRequest[] = [];
    for (let i = start; i < end; i++) {
      const p = kv(i);
      if (p) puts.push(p);
    }
    if (puts.length) await txnPut(client, puts);
  });
}

export interface StalePair {
  /** The fixture's etcd is the embedded one (the source). */
  env: EtcdFixture;
  /** The deployed etcd (the target), on the same PKI. */
  deployed: EtcdProcess;
  /** Keys that differ between both. */
  differing: number;
  stop(): Promise<void>;
}

/** Both etcds seeded; the caller stops them. */
export async function stalePair(prefix: string, n: number, log: (s: string) => void): Promise<StalePair> {
  const value = Buffer.alloc(64, 'v');
  const other = Buffer.alloc(64, 'w');
  const env = await startBenchEtcd(prefix);
  const deployed = await env.another('dst', { extraArgs: QUOTA });
  const t0 = performance.now();
  await fill(env.client(), n, (i) => ({ key: Buffer.from(benchKey(i)), value }));
  const target = env.client({ endpoint: deployed.endpoint });
  await fill(target, n, (i) =>
    i % 20 === 7 ? undefined : { key: Buffer.from(benchKey(i)), value: i % 10 === 3 ? other : value },
  );
  await fill(target, Math.ceil(n / 20), (i) => ({ key: Buffer.from(`${benchKey(i)}-extra`), value }));
  const differing = Math.ceil(n / 10) + Math.ceil(n / 20) + Math.ceil(n / 20);
  log(`seeded ${n} keys and a deployed etcd that differs in ${differing} in ${secs(t0)} s`);
  return {
    env,
    deployed,
    differing,
    async stop() {
      await deployed.stop();
      await env.stop();
    },
  };
}

export interface CopiedPair extends StalePair {
  /** What phase one's content proof would record for this pair before the embedded etcd changed. */
  baseline: ContentBaseline;
}

/**
 * The same two keyspaces as stalePair, reached as after a verified phase one: both etcds hold the same
 * content (the copy; the baseline the content proof records), then the embedded etcd changes what
 * stalePair has differ (every 10th value, every 20th key created, N/20 keys deleted).
 */
export async function copiedPair(prefix: string, n: number, log: (s: string) => void): Promise<CopiedPair> {
  const value = Buffer.alloc(64, 'v');
  const other = Buffer.alloc(64, 'w');
  const env = await startBenchEtcd(prefix);
  const deployed = await env.another('dst', { extraArgs: QUOTA });
  const t0 = performance.now();
  const source = env.client();
  const target = env.client({ endpoint: deployed.endpoint });
  for (const c of [source, target]) {
    await fill(c, n, (i) =>
      i % 20 === 7 ? undefined : { key: Buffer.from(benchKey(i)), value: i % 10 === 3 ? other : value },
    );
    await fill(c, Math.ceil(n / 20), (i) => ({ key: Buffer.from(`${benchKey(i)}-extra`), value }));
  }
  const revisionOf = async (c: EtcdClient) => (await c.count(Buffer.from([0]), Buffer.from([1]))).revision;
  const groups = (await readCensus(target)).groups;
  const baseline: ContentBaseline = {
    deployedRevision: await revisionOf(target),
    embeddedRevision: await revisionOf(source),
    sameGroups: Object.keys(groups).map((g) => Buffer.from(g, 'latin1').toString('utf8')),
  };
  // What the virtual cluster wrote after the proof.
  await fill(source, n, (i) => (i % 10 === 3 || i % 20 === 7 ? { key: Buffer.from(benchKey(i)), value } : undefined));
  await deleteKeys(source, Math.ceil(n / 20), (i) => Buffer.from(`${benchKey(i)}-extra`));
  const differing = Math.ceil(n / 10) + Math.ceil(n / 20) + Math.ceil(n / 20);
  log(`seeded ${n} keys, copied, and changed ${differing} in the embedded etcd since, in ${secs(t0)} s`);
  return {
    env,
    deployed,
    differing,
    baseline,
    async stop() {
      await deployed.stop();
      await env.stop();
    },
  };
}

/** Deletes in transactions of 128, 16 in flight. */
async function deleteKeys(client: EtcdClient, count: number, key: (i: number) => Buffer): Promise<void> {
  await inBatches(count, async (start, end) => {
    const ops = [];
    for (let i = start; i < end; i++) ops.push({ delete: { key: key(i) } });
    await client.txn(ops);
  });
}

/** Runs `script --child` on both etcds (flags --endpoint … for the embedded one, --deployed); parses its JSON line. */
export async function measureChild<T>(script: string, pair: StalePair, extra: string[] = []): Promise<T> {
  const args = [script, '--child', ...childEtcdArgs(pair.env), '--deployed', pair.deployed.endpoint, ...extra];
  return JSON.parse(await spawnOut(process.execPath, args)) as T;
}

/** Keys that differ in a comparison, all groups together. */
export const differingKeys = (c: KeyspaceComparison): number =>
  c.groups.reduce((s, g) => s + g.onlyInSource + g.onlyInTarget + g.changed, 0);

const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

/** The manual way back on the embedded etcd; returns its seconds, the restored etcd stopped again. */
export async function manualWayBack(env: EtcdFixture): Promise<number> {
  const dir = join(env.dir, 'manual');
  mkdirSync(dir, { recursive: true });
  const peerPort = await freePort();
  const peer = `http://127.0.0.1:${peerPort}`;
  const m0 = performance.now();
  await spawnOut(
    binPath('etcdctl'),
    ['--endpoints', env.etcd.endpoint, ...env.tlsFlags, 'snapshot', 'save', join(dir, 'snap.db')],
    false,
  );
  await spawnOut(
    binPath('etcdutl'),
    [
      'snapshot',
      'restore',
      join(dir, 'snap.db'),
      '--bump-revision',
      '1000000000',
      '--mark-compacted',
      `--data-dir=${join(dir, 'm.etcd')}`,
      '--name=m',
      `--initial-cluster=m=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
    ],
    false,
  );
  const restored = await startEtcd({
    dir,
    name: 'm',
    dataDir: join(dir, 'm.etcd'),
    peerPort,
    ca: env.pki['etcd-ca.crt']!,
    cert: env.pki['etcd-server.crt']!,
    key: env.pki['etcd-server.key']!,
    extraArgs: QUOTA,
  });
  const seconds = (performance.now() - m0) / 1000;
  await restored.stop();
  return seconds;
}
