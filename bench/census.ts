// npm run bench:census -- --keys N
// Seeds a real etcd (TLS client-cert auth) with N keys over 80 groups, then times, on the same
// data, our census (in a child process, so its peak RSS is its own) and
// `etcdctl get / --prefix --keys-only`. Ends with exactly one line:
// census keys=<N> groups=<G> ours_s=<s> etcdctl_s=<s> ratio=<ours/etcdctl> ours_rss_mb=<MB>
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { binPath } from '../sandbox/bins.ts';
import { groupOf } from '../src/census.ts';
import { EtcdClient } from '../src/etcd/client.ts';
import { readCensus } from '../src/etcd/census-reader.ts';
import { benchKey, seed, startBenchEtcd } from './seed.ts';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '10000' },
    child: { type: 'boolean', default: false },
    endpoint: { type: 'string' }, ca: { type: 'string' }, cert: { type: 'string' }, key: { type: 'string' },
  },
});

if (values.child) {
  // The measured side: connect, read the census, report time and peak RSS.
  const t0 = performance.now();
  const client = new EtcdClient({
    endpoint: values.endpoint!, serverName: 'localhost',
    ca: readFileSync(values.ca!), cert: readFileSync(values.cert!), key: readFileSync(values.key!),
  });
  const c = await readCensus(client);
  const seconds = (performance.now() - t0) / 1000;
  client.close();
  process.stdout.write(JSON.stringify({ ...c, seconds, rssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
  process.exit(0);
}

const log = (s: string) => process.stderr.write(s + '\n');
const n = Number(values.keys);
if (!Number.isInteger(n) || n <= 0) throw new Error(`--keys must be a positive integer, got '${values.keys}'`);

const env = await startBenchEtcd('bench-census-');
try {
  const t0 = performance.now();
  await seed(env.client, n, 64, log);
  log(`seeded ${n} keys in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const expected: Record<string, number> = {};
  for (let i = 0; i < n; i++) { const g = groupOf(benchKey(i)); expected[g] = (expected[g] ?? 0) + 1; }

  const tls = ['--cacert', env.pki['etcd-ca.crt']!, '--cert', env.pki['apiserver-etcd-client.crt']!, '--key', env.pki['apiserver-etcd-client.key']!];

  // etcdctl: the whole process, its output counted as it streams.
  const te = performance.now();
  const etcdctlKeys = await new Promise<number>((resolve, reject) => {
    const p = spawn(binPath('etcdctl'), ['--endpoints', env.etcd.endpoint, '--command-timeout=300s', ...tls, 'get', '/', '--prefix', '--keys-only'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let count = 0; let partial = '';
    p.stdout.setEncoding('latin1');
    p.stdout.on('data', (s: string) => {
      const lines = (partial + s).split('\n');
      partial = lines.pop()!;
      for (const l of lines) if (l.length > 0) count++;
    });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(count + (partial ? 1 : 0)) : reject(new Error(`etcdctl exited with ${code}`))));
  });
  const etcdctlS = (performance.now() - te) / 1000;

  // Ours, in a child process.
  const self = fileURLToPath(import.meta.url);
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn(process.execPath, [self, '--child', '--endpoint', env.etcd.endpoint, '--ca', env.pki['etcd-ca.crt']!, '--cert', env.pki['apiserver-etcd-client.crt']!, '--key', env.pki['apiserver-etcd-client.key']!], { stdio: ['ignore', 'pipe', 'inherit'] });
    let s = '';
    p.stdout.on('data', (d) => (s += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(s) : reject(new Error(`census child exited with ${code}`))));
  });
  const ours = JSON.parse(out) as { total: number; groups: Record<string, number>; seconds: number; rssMb: number; revision: number };

  const mismatches = Object.keys({ ...expected, ...ours.groups }).filter((g) => expected[g] !== ours.groups[g]);
  if (ours.total !== n || etcdctlKeys !== n || mismatches.length > 0) {
    throw new Error(`counts differ: seeded ${n}, ours ${ours.total}, etcdctl ${etcdctlKeys}; groups differing: ${mismatches.slice(0, 5).join(', ')}`);
  }
  log(`counts equal: ${n} keys, ${Object.keys(ours.groups).length} groups, revision ${ours.revision}`);
  const G = Object.keys(ours.groups).length;
  console.log(`census keys=${n} groups=${G} ours_s=${ours.seconds.toFixed(3)} etcdctl_s=${etcdctlS.toFixed(3)} ratio=${(ours.seconds / etcdctlS).toFixed(3)} ours_rss_mb=${ours.rssMb.toFixed(1)}`);
} finally {
  await env.cleanup();
}
