// Shared by the benchmarks: argument checks and the median; for census and backup also the child
// process that is measured (so its peak RSS is its own) with flags that reach the seeded etcd, and
// R rounds that run etcdctl, ours and each baseline in turn on one machine state.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { EtcdFixture } from '../sandbox/etcd-fixture.ts';
import type { EtcdClient, EtcdClientOptions } from '../src/adapters/etcd/client.ts';

/** parseArgs options for the child's connection flags. */
export const CHILD_ETCD_OPTIONS = {
  endpoint: { type: 'string' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
} as const;

/** The child's connection flags: the seeded etcd, as kube-apiserver authenticates to it. */
export function childEtcdArgs(env: EtcdFixture): string[] {
  return [
    '--endpoint',
    env.etcd.endpoint,
    '--ca',
    env.pki['etcd-ca.crt']!,
    '--cert',
    env.pki['apiserver-etcd-client.crt']!,
    '--key',
    env.pki['apiserver-etcd-client.key']!,
  ];
}

/** In the child: a client from those flags, built by the EtcdClient of the version measured. */
export function childClient(
  Client: typeof EtcdClient,
  v: { endpoint?: string; ca?: string; cert?: string; key?: string },
  over: Partial<EtcdClientOptions> = {},
): EtcdClient {
  return new Client({
    endpoint: v.endpoint!,
    serverName: 'localhost',
    ca: readFileSync(v.ca!),
    cert: readFileSync(v.cert!),
    key: readFileSync(v.key!),
    ...over,
  });
}

/** Runs a process (stderr passed through); resolves with its stdout when `capture`, else ''. */
export function spawnOut(cmd: string, args: string[], capture = true): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', capture ? 'pipe' : 'ignore', 'inherit'] });
    let s = '';
    p.stdout?.on('data', (d) => (s += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(s) : reject(new Error(`${cmd} ${args[0]} exited with ${code}`))));
  });
}

export function positiveInt(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${flag} must be a positive integer, got '${value}'`);
  return n;
}

/** The median: the middle value, or the mean of the two middle values of an even count. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export interface Measured {
  seconds: number;
  rssMb: number;
}
export interface Round<T extends Measured> {
  etcdctl: number;
  ours: T;
  base: T[];
}

/** R rounds of etcdctl, ours and each baseline; logs each round and each baseline's medians. */
export async function runRounds<T extends Measured>(opts: {
  runs: number;
  baselines: string[];
  etcdctl: () => Promise<number>;
  child: (src?: string) => Promise<T>;
  log: (s: string) => void;
}): Promise<Array<Round<T>>> {
  const { runs, baselines, log } = opts;
  const rounds: Array<Round<T>> = [];
  const vs = (m: Measured, e: number) =>
    `${m.seconds.toFixed(3)} s (ratio ${(m.seconds / e).toFixed(3)}, peak ${m.rssMb.toFixed(1)} MB)`;
  for (let i = 0; i < runs; i++) {
    const e = await opts.etcdctl();
    const ours = await opts.child();
    const base: T[] = [];
    for (const b of baselines) base.push(await opts.child(b));
    rounds.push({ etcdctl: e, ours, base });
    log(
      `round ${i + 1}: etcdctl ${e.toFixed(3)} s, ours ${vs(ours, e)}` +
        base.map((b, j) => `, ${baselines[j]} ${vs(b, e)}`).join(''),
    );
  }
  baselines.forEach((b, j) =>
    log(
      `baseline ${b}: ratio=${median(rounds.map((r) => r.base[j]!.seconds / r.etcdctl)).toFixed(3)} rss_mb=${median(rounds.map((r) => r.base[j]!.rssMb)).toFixed(1)} (median of ${runs})`,
    ),
  );
  return rounds;
}
