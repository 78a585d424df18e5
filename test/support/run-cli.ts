// The command line as a person or another CI gets it: `npm pack` of this repository installed into an
// empty folder, offline with an empty npm cache (so the package needs nothing else), and its bin run
// with Node 24 first on PATH, KUBECONFIG pointing at a kubeconfig file, no GitHub environment at all,
// stdin not a terminal.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { binDir } from '../../sandbox/bins.ts';
import { REPO_ROOT } from '../../sandbox/action-runner.ts';

const BUILT_ENTRY = join(REPO_ROOT, 'dist', 'cli', 'index.js');
const NAME = 'vcluster-etcd-migrate';

/** The installed package: its bin (node_modules/.bin/<name>) and what npm packed. */
export interface PackedCli {
  bin: string;
  /** The installed package's folder (node_modules/<name>). */
  dir: string;
  /** The paths in the tarball, as `npm pack --json` lists them. */
  files: string[];
  remove(): void;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

// npm (a Node script) run by the Node of this test (24): the machine's own node may be older.
const NODE_FIRST_PATH = `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`;

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await promisify(execFile)('npm', args, {
    cwd,
    env: { ...process.env, PATH: NODE_FIRST_PATH, npm_config_update_notifier: 'false' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/**
 * Packs the built CLI (`npm run build` first: the package's files are dist/cli/) and installs the
 * tarball into an empty folder with `--offline` and an empty cache: a dependency the bundle left
 * out, or a file `files` left out of the tarball, fails here or when the bin runs.
 */
export async function installPackedCli(): Promise<PackedCli> {
  if (!existsSync(BUILT_ENTRY)) throw new Error(`${BUILT_ENTRY} is missing: the CLI is not built (npm run build).`);
  const root = mkdtempSync(join(tmpdir(), 'vem-packed-'));
  const packed = JSON.parse(
    await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', root], REPO_ROOT),
  ) as { filename: string; files: { path: string }[] }[];
  const install = join(root, 'install');
  mkdirSync(install);
  // A package.json of its own, so npm installs here and not into a package.json further up.
  writeFileSync(join(install, 'package.json'), '{ "private": true }\n');
  await npm(
    [
      'install',
      '--offline',
      '--cache',
      join(root, 'npm-cache'),
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      join(root, packed[0]!.filename),
    ],
    install,
  );
  const bin = join(install, 'node_modules', '.bin', NAME);
  if (!existsSync(bin)) throw new Error(`npm install of the packed CLI made no ${bin}`);
  return {
    bin,
    dir: join(install, 'node_modules', NAME),
    files: packed[0]!.files.map((f) => f.path).sort(),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Runs `<bin> <args>` (the installed package's bin) with `kubeconfig` (content) in a file named by KUBECONFIG. */
export async function runCli(
  bin: string,
  args: string[],
  o: { kubeconfig?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliRun> {
  const work = mkdtempSync(join(tmpdir(), 'vem-cli-'));
  const env: Record<string, string> = {
    // The bin's `#!/usr/bin/env node` finds Node 24 first, as on a machine set up for this tool.
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
    const child = spawn(bin, args, { env, cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 15 * 60_000);
    const code = await new Promise<number>((res, rej) => {
      child.once('error', rej);
      child.once('close', (c, sig) => res(c ?? (sig ? 128 : 1)));
    });
    clearTimeout(timer);
    return { code, stdout, stderr, ms: Date.now() - t0 };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function explainCli(r: CliRun): string {
  return `exit ${r.code}\n--- stdout (tail)\n${r.stdout.split('\n').slice(-40).join('\n')}\n--- stderr (tail)\n${r.stderr.slice(-3000)}`;
}
