// npm run bench:census -- --keys N [--content] [--runs R] [--baseline <src/ of another checkout> ...]
// Seeds a real etcd (TLS client-cert auth) with N keys over 80 groups, then times, on the same
// data, our census (in a child process, so its peak RSS is its own) and
// `etcdctl get / --prefix --keys-only`, R rounds in turn (default 1), each with its own ratio;
// --baseline also runs another version's census in every round. With --content it times the
// content digest (every key and value) against `etcdctl get / --prefix` (keys and values) instead.
// Ends with exactly one line, medians over the rounds:
// census keys=<N> groups=<G> ours_s=<s> etcdctl_s=<s> ratio=<ours/etcdctl> ours_rss_mb=<MB>
// (first word `content` with --content)
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { binPath } from '../sandbox/bins.ts';
import { groupOf } from '../src/core/migration/census.ts';
import { CHILD_ETCD_OPTIONS, childClient, childEtcdArgs, median, positiveInt, runRounds, spawnOut } from './rounds.ts';
import { benchKey, seed, startBenchEtcd } from './seed.ts';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '1' },
    baseline: { type: 'string', multiple: true },
    src: { type: 'string' },
    child: { type: 'boolean', default: false },
    content: { type: 'boolean', default: false },
    ...CHILD_ETCD_OPTIONS,
  },
});

if (values.child) {
  // The measured side: connect, read the census, report time and peak RSS.
  const src = values.src ?? join(import.meta.dirname, '../src');
  const { EtcdClient } = (await import(
    join(src, 'adapters/etcd/client.ts')
  )) as typeof import('../src/adapters/etcd/client.ts');
  const { readCensus } = (await import(
    join(src, 'adapters/etcd/census-reader.ts')
  )) as typeof import('../src/adapters/etcd/census-reader.ts');
  const { readContentDigest } = (await import(
    join(src, 'adapters/etcd/content-reader.ts')
  )) as typeof import('../src/adapters/etcd/content-reader.ts');
  const t0 = performance.now();
  const client = childClient(EtcdClient, values);
  const c = values.content
    ? await readContentDigest(client).then((d) => ({
        revision: d.revision,
        total: d.total,
        groups: Object.fromEntries(Object.entries(d.groups).map(([g, x]) => [g, x.count])),
      }))
    : await readCensus(client);
  const seconds = (performance.now() - t0) / 1000;
  client.close();
  process.stdout.write(JSON.stringify({ ...c, seconds, rssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
  process.exit(0);
}

const log = (s: string) => process.stderr.write(s + '\n');
const n = positiveInt('keys', values.keys);
const runs = positiveInt('runs', values.runs);

const env = await startBenchEtcd('bench-census-');
try {
  const t0 = performance.now();
  await seed(env.client(), n, 64, log);
  log(`seeded ${n} keys in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const expected: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const g = groupOf(benchKey(i));
    expected[g] = (expected[g] ?? 0) + 1;
  }

  // etcdctl: the whole process, its output counted as it streams.
  const etcdctl = async () => {
    const te = performance.now();
    const keys = await new Promise<number>((resolve, reject) => {
      const p = spawn(
        binPath('etcdctl'),
        [
          '--endpoints',
          env.etcd.endpoint,
          '--command-timeout=300s',
          ...env.tlsFlags,
          'get',
          '/',
          '--prefix',
          ...(values.content ? [] : ['--keys-only']),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let count = 0;
      let partial = '';
      p.stdout.setEncoding('latin1');
      p.stdout.on('data', (s: string) => {
        const lines = (partial + s).split('\n');
        partial = lines.pop()!;
        // Keys only: one line a key; keys and values: a key line and a value line (no value holds a newline).
        for (const l of lines) if (l.length > 0) count++;
      });
      p.on('error', reject);
      p.on('close', (code) =>
        code === 0 ? resolve(count + (partial ? 1 : 0)) : reject(new Error(`etcdctl exited with ${code}`)),
      );
    });
    if (values.content ? keys !== 2 * n : keys !== n) throw new Error(`etcdctl listed ${keys} keys, seeded ${n}`);
    return (performance.now() - te) / 1000;
  };

  // Ours (or a baseline's), in a child process.
  const self = fileURLToPath(import.meta.url);
  const child = async (src?: string) => {
    const out = await spawnOut(process.execPath, [
      self,
      '--child',
      ...childEtcdArgs(env),
      ...(src ? ['--src', src] : []),
      ...(values.content ? ['--content'] : []),
    ]);
    const r = JSON.parse(out) as {
      total: number;
      groups: Record<string, number>;
      seconds: number;
      rssMb: number;
      revision: number;
    };
    const mismatches = Object.keys({ ...expected, ...r.groups }).filter((g) => expected[g] !== r.groups[g]);
    if (r.total !== n || mismatches.length > 0) {
      throw new Error(
        `counts differ: seeded ${n}, ${src ?? 'ours'} ${r.total}; groups differing: ${mismatches.slice(0, 5).join(', ')}`,
      );
    }
    return r;
  };

  const rounds = await runRounds({ runs, baselines: values.baseline ?? [], etcdctl, child, log });
  const G = Object.keys(rounds[0]!.ours.groups).length;
  log(`counts equal: ${n} keys, ${G} groups`);
  console.log(
    `${values.content ? 'content' : 'census'} keys=${n} groups=${G} ours_s=${median(rounds.map((r) => r.ours.seconds)).toFixed(3)} etcdctl_s=${median(rounds.map((r) => r.etcdctl)).toFixed(3)} ratio=${median(rounds.map((r) => r.ours.seconds / r.etcdctl)).toFixed(3)} ours_rss_mb=${median(rounds.map((r) => r.ours.rssMb)).toFixed(1)}`,
  );
} finally {
  await env.stop();
}
