// The built command line (dist/cli/index.js) run as a person or another CI runs it: Node 24, its
// flags, KUBECONFIG pointing at a kubeconfig file, no GitHub environment at all, stdin not a terminal.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { binDir } from '../../sandbox/bins.ts';
import { REPO_ROOT } from '../../sandbox/action-runner.ts';

export const CLI_ENTRY = join(REPO_ROOT, 'dist', 'cli', 'index.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `vcluster-etcd-migrate <args>` with `kubeconfig` (content) in a file named by KUBECONFIG. */
export async function runCli(
  args: string[],
  o: { kubeconfig?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliRun> {
  if (!existsSync(CLI_ENTRY)) throw new Error(`${CLI_ENTRY} is missing: the CLI is not built (npm run build).`);
  const work = mkdtempSync(join(tmpdir(), 'vem-cli-'));
  const env: Record<string, string> = {
    PATH: `${binDir()}:${dirname(process.execPath)}:/usr/bin:/bin`,
    HOME: work,
    TMPDIR: work,
    ...o.env,
  };
  if (o.kubeconfig !== undefined) {
    env.KUBECONFIG = join(work, 'kubeconfig');
    writeFileSync(env.KUBECONFIG, o.kubeconfig, { mode: 0o600 });
  }
  const t0 = Date.now();
  try {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], { env, cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 15 * 60_000);
    const code = await new Promise<number>((res) => child.once('close', (c, sig) => res(c ?? (sig ? 128 : 1))));
    clearTimeout(timer);
    return { code, stdout, stderr, ms: Date.now() - t0 };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function explainCli(r: CliRun): string {
  return `exit ${r.code}\n--- stdout (tail)\n${r.stdout.split('\n').slice(-40).join('\n')}\n--- stderr (tail)\n${r.stderr.slice(-3000)}`;
}
