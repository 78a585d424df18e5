// Where the binaries built by sandbox/build.sh live. One place, so tests, benchmarks and
// the sandbox agree, and so a missing binary gives the same clear remedy everywhere.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type BinName =
  | 'etcd'
  | 'etcdctl'
  | 'etcdutl'
  | 'kwok'
  | 'helm'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'act';

export function binDir(): string {
  const cache =
    process.env.SANDBOX_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'vcluster-etcd-migrate');
  return join(cache, 'bin');
}

export function binPath(name: BinName): string {
  const p = join(binDir(), name);
  if (!existsSync(p)) {
    throw new Error(
      `${name} is not built (looked for ${p}). Run 'bash sandbox/build.sh' first; it builds the sandbox binaries from Go modules.`,
    );
  }
  return p;
}
