// npm run bench:equalize -- --keys N
// Two real etcds (TLS client-cert auth): a source seeded with N keys over 80 groups, a target with the
// same keys except that every 10th value differs, every 20th key is missing and N/20 keys exist only
// there. Times, in a child process (so its peak RSS is its own), compareKeyspaces and then
// equalizeKeyspace of the target to the source; checks both equal afterwards. On the same source it
// times the manual way back etcd's docs give: `etcdctl snapshot save`, `etcdutl snapshot restore
// --bump-revision --mark-compacted` and an etcd started on the result until it serves. Ends with one line:
// equalize keys=<N> differing=<D> compare_s=<s> equalize_s=<s> manual_s=<s> ratio=<equalize/manual> ours_rss_mb=<MB>
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { binPath } from '../sandbox/bins.ts';
import { freePort, startEtcd } from '../sandbox/etcd-process.ts';
import { txnPut, type PutRequest } from '../sandbox/etcd-seed.ts';
import type { EtcdClient } from '../src/adapters/etcd/client.ts';
import { CHILD_ETCD_OPTIONS, childClient, childEtcdArgs, positiveInt, spawnOut } from './rounds.ts';
import { benchKey, startBenchEtcd } from './seed.ts';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '10000' },
    child: { type: 'boolean', default: false },
    target: { type: 'string' },
    ...CHILD_ETCD_OPTIONS,
  },
});

if (values.child) {
  const { EtcdClient } = await import('../src/adapters/etcd/client.ts');
  const { compareKeyspaces, equalizeKeyspace } = await import('../src/adapters/etcd/equalize.ts');
  const source = childClient(EtcdClient, values);
  const target = childClient(EtcdClient, { ...values, endpoint: values.target });
  const t0 = performance.now();
  const before = await compareKeyspaces(source, target);
  const t1 = performance.now();
  const r = await equalizeKeyspace(source, target, { revision: before.sourceRevision });
  const t2 = performance.now();
  const after = await compareKeyspaces(source, target);
  const left = after.groups.reduce((s, g) => s + g.onlyInSource + g.onlyInTarget + g.changed, 0);
  source.close();
  target.close();
  process.stdout.write(
    JSON.stringify({
      compareSeconds: (t1 - t0) / 1000,
      equalizeSeconds: (t2 - t1) / 1000,
      differing: before.groups.reduce((s, g) => s + g.onlyInSource + g.onlyInTarget + g.changed, 0),
      written: r.written,
      deleted: r.deleted,
      left,
      sourceRevision: before.sourceRevision,
      after: r.after,
      rssMb: process.resourceUsage().maxRSS / 1024,
    }) + '\n',
  );
  process.exit(0);
}

const log = (s: string) => process.stderr.write(s + '\n');
const n = positiveInt('keys', values.keys);

/** Puts in transactions of 128, 16 in flight. */
async function fill(client: EtcdClient, count: number, kv: (i: number) => PutRequest | undefined): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const start = next;
      next = Math.min(count, next + 128);
      const puts: PutRequest[] = [];
      for (let i = start; i < next; i++) {
        const p = kv(i);
        if (p) puts.push(p);
      }
      if (puts.length) await txnPut(client, puts);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

const value = Buffer.alloc(64, 'v');
const other = Buffer.alloc(64, 'w');
const env = await startBenchEtcd('bench-equalize-');
const quota = ['--quota-backend-bytes=8589934592'];
const serverTls = { ca: env.pki['etcd-ca.crt']!, cert: env.pki['etcd-server.crt']!, key: env.pki['etcd-server.key']! };
const targetEtcd = await env.another('dst', { extraArgs: quota });
const stops = [() => targetEtcd.stop()];
try {
  const t0 = performance.now();
  await fill(env.client(), n, (i) => ({ key: Buffer.from(benchKey(i)), value }));
  await fill(env.client({ endpoint: targetEtcd.endpoint }), n, (i) =>
    i % 20 === 7 ? undefined : { key: Buffer.from(benchKey(i)), value: i % 10 === 3 ? other : value },
  );
  await fill(env.client({ endpoint: targetEtcd.endpoint }), Math.ceil(n / 20), (i) => ({
    key: Buffer.from(`${benchKey(i)}-extra`),
    value,
  }));
  log(
    `seeded ${n} keys and a target that differs in ${n / 10 + n / 20 + n / 20} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const ours = JSON.parse(
    await spawnOut(process.execPath, [
      fileURLToPath(import.meta.url),
      '--child',
      ...childEtcdArgs(env),
      '--target',
      targetEtcd.endpoint,
    ]),
  ) as {
    compareSeconds: number;
    equalizeSeconds: number;
    differing: number;
    written: number;
    deleted: number;
    left: number;
    sourceRevision: number;
    after: number;
    rssMb: number;
  };
  if (ours.left !== 0) throw new Error(`after equalizing, ${ours.left} keys still differ`);
  if (ours.after <= ours.sourceRevision + 1) throw new Error(`target revision ${ours.after} not above the source's`);
  log(`ours: ${JSON.stringify(ours)}`);

  // The manual way, on the same source.
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
    ...serverTls,
    extraArgs: quota,
  });
  const manual = (performance.now() - m0) / 1000;
  stops.push(() => restored.stop());

  console.log(
    `equalize keys=${n} differing=${ours.differing} compare_s=${ours.compareSeconds.toFixed(3)} equalize_s=${ours.equalizeSeconds.toFixed(3)} manual_s=${manual.toFixed(3)} ratio=${(ours.equalizeSeconds / manual).toFixed(3)} ours_rss_mb=${ours.rssMb.toFixed(1)}`,
  );
} finally {
  for (const s of stops) await s();
  await env.stop();
}
