// npm run bench:backup -- --keys N [--runs R] [--baseline <src/ of another checkout> ...]
// Seeds a real etcd (TLS client-cert auth) with N keys over 80 groups, then, on the same etcd,
// times `etcdctl snapshot save` and our takeBackup (streamed to disk, fsynced, etcd's checksum
// checked, live keys in the file compared with etcd at the same revision) in a child process, so
// its peak RSS is its own; R rounds in turn (default 3), each with its own ratio. --baseline also
// runs another version's client and takeBackup in every round (before/after on one machine state). Ends with
// exactly one line, medians over the rounds:
// backup keys=<N> bytes=<size> ours_s=<s> etcdctl_s=<s> ratio=<ours/etcdctl> ours_rss_mb=<MB>
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { binPath } from '../sandbox/bins.ts';
import { CHILD_ETCD_OPTIONS, childClient, childEtcdArgs, median, positiveInt, runRounds, spawnOut } from './rounds.ts';
import { seed, startBenchEtcd } from './seed.ts';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '10000' },
    'value-bytes': { type: 'string', default: '256' },
    runs: { type: 'string', default: '3' },
    baseline: { type: 'string', multiple: true },
    child: { type: 'boolean', default: false },
    src: { type: 'string' },
    dir: { type: 'string' },
    ...CHILD_ETCD_OPTIONS,
  },
});

/** Where the child's memory is: V8's heap and buffers, and the kernel's anonymous and file-backed RSS. */
function memory(): string {
  const u = process.memoryUsage();
  const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
  const kernel = /^(RssAnon|RssFile):\s+(\d+) kB/gm;
  const parts = [...readFileSync('/proc/self/status', 'utf8').matchAll(kernel)].map(
    (m) => `${m[1]} ${mb(Number(m[2]) * 1024)}`,
  );
  return [
    `rss ${mb(u.rss)}, peak ${mb(process.resourceUsage().maxRSS * 1024)}`,
    `heap ${mb(u.heapTotal)}, external ${mb(u.external)}`,
    ...parts,
  ].join(', ');
}

if (values.child) {
  const src = values.src ?? join(import.meta.dirname, '../src');
  const { takeBackup } = (await import(
    join(src, 'adapters/etcd/backup.ts')
  )) as typeof import('../src/adapters/etcd/backup.ts');
  const { EtcdClient } = (await import(
    join(src, 'adapters/etcd/client.ts')
  )) as typeof import('../src/adapters/etcd/client.ts');
  const t0 = performance.now();
  const client = childClient(EtcdClient, values, {
    flowControlWindow: process.env.BENCH_FCW ? Number(process.env.BENCH_FCW) : undefined,
  });
  const r = await takeBackup(client, {
    dir: values.dir!,
    release: 'bench',
    chartVersion: '0.27.0',
    log: (m) => process.stderr.write(`${m} [${memory()}]\n`),
  });
  const seconds = (performance.now() - t0) / 1000;
  client.close();
  process.stdout.write(
    JSON.stringify({
      bytes: r.bytes,
      keys: r.keys,
      revision: r.revision,
      seconds,
      rssMb: process.resourceUsage().maxRSS / 1024,
    }) + '\n',
  );
  process.exit(0);
}

const log = (s: string) => process.stderr.write(s + '\n');
const n = positiveInt('keys', values.keys);
const runs = positiveInt('runs', values.runs);

const env = await startBenchEtcd('bench-backup-');
try {
  const t0 = performance.now();
  await seed(env.client(), n, Number(values['value-bytes']), log);
  log(`seeded ${n} keys in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const etcdctlFile = join(env.dir, 'etcdctl-snapshot.db');
  const etcdctl = async () => {
    const te = performance.now();
    await spawnOut(
      binPath('etcdctl'),
      ['--endpoints', env.etcd.endpoint, '--command-timeout=600s', ...env.tlsFlags, 'snapshot', 'save', etcdctlFile],
      false,
    );
    const s = (performance.now() - te) / 1000;
    log(`etcdctl snapshot save: ${statSync(etcdctlFile).size} bytes in ${s.toFixed(2)} s`);
    rmSync(etcdctlFile, { force: true });
    return s;
  };
  const self = fileURLToPath(import.meta.url);
  const child = async (src?: string) => {
    const dir = join(env.dir, 'ours');
    const out = await spawnOut(process.execPath, [
      self,
      '--child',
      ...childEtcdArgs(env),
      '--dir',
      dir,
      ...(src ? ['--src', src] : []),
    ]);
    rmSync(dir, { recursive: true, force: true }); // a snapshot per round would fill the disk at 4M keys
    const r = JSON.parse(out) as { bytes: number; keys: number; seconds: number; rssMb: number };
    if (r.keys !== n) throw new Error(`${src ?? 'our'} snapshot holds ${r.keys} keys, seeded ${n}`);
    return r;
  };
  const rounds = await runRounds({ runs, baselines: values.baseline ?? [], etcdctl, child, log });
  const ours = (k: 'seconds' | 'rssMb') => median(rounds.map((r) => r.ours[k]));
  console.log(
    `backup keys=${n} bytes=${rounds[0]!.ours.bytes} ours_s=${ours('seconds').toFixed(3)} etcdctl_s=${median(rounds.map((r) => r.etcdctl)).toFixed(3)} ratio=${median(rounds.map((r) => r.ours.seconds / r.etcdctl)).toFixed(3)} ours_rss_mb=${ours('rssMb').toFixed(1)}`,
  );
} finally {
  await env.stop();
}
