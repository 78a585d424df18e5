// Runs the built action (dist/index.js) the way a GitHub runner does: Node 24, inputs as
// INPUT_<NAME> (upper-cased, dashes kept; action.yml's defaults for those not given), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files,
// RUNNER_TEMP, and the run's GITHUB_* context. helm and etcd tools come first on PATH.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { binDir } from './bins.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// VEM_ACTION_ENTRY lets a developer point the runs at a bundle built elsewhere (never dist/ by hand).
export const ACTION_ENTRY = process.env.VEM_ACTION_ENTRY ?? join(REPO_ROOT, 'dist', 'index.js');

export interface ActionResult {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** Wall time of the run in ms. */
  ms: number;
  /** True when killWhen killed the run. */
  killed?: boolean;
  /** The ::error:: messages, decoded as the runner shows them. */
  errors: string[];
}

export interface RunActionOptions {
  /** Extra environment (e.g. GITHUB_API_URL of a GitHub stand-in). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Called with each chunk of stdout (progress display). */
  onStdout?: (chunk: string) => void;
  /**
   * Fault tests: SIGKILL the action and every process it started (helm included, as a cancelled
   * job's runner does) `afterMs` after its stdout first matches `stdout` and, when `until` is given,
   * once `until` (polled every 200 ms from then on) resolves true: a kill tied to what the cluster
   * shows, not to how fast this machine is.
   */
  killWhen?: { stdout: RegExp; afterMs?: number; until?: () => Promise<boolean> };
}

/**
 * The defaults of action.yml, which the runner passes for every input a workflow does not set (an input
 * set to '' stays ''). An expression default (the run's token) has no value here: no run issued one.
 */
export function actionDefaults(): Record<string, string> {
  const action = parseYaml(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  return Object.fromEntries(
    Object.entries(action.inputs)
      .filter(([, v]) => v.default !== undefined && !v.default.startsWith('${{'))
      .map(([k, v]) => [k, v.default!]),
  );
}

/**
 * Reads a GITHUB_OUTPUT file as the runner does: `name=value` lines and `name<<DELIM ... DELIM`
 * blocks. A line the runner would not accept, or a name set twice, throws.
 */
export function parseGithubOutput(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const heredoc = /^([A-Za-z_][A-Za-z0-9_-]*)<<(.+)$/.exec(line);
    const single = /^([A-Za-z_][A-Za-z0-9_-]*)=(.*)$/.exec(line);
    const name = (heredoc ?? single)?.[1];
    if (name === undefined) throw new Error(`GITHUB_OUTPUT line ${i + 1} is neither name=value nor name<<delimiter`);
    if (name in out) throw new Error(`GITHUB_OUTPUT sets ${name} twice`);
    if (single) {
      out[name] = single[2]!;
      continue;
    }
    const end = lines.indexOf(heredoc![2]!, i + 1);
    if (end < 0) throw new Error(`GITHUB_OUTPUT value ${name} has no closing delimiter`);
    out[name] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return out;
}

/** The messages of the ::error:: workflow commands in `stdout`, decoded (%0A, %0D, %25). */
export function errorMessages(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('::error'))
    .map((l) =>
      l
        .replace(/^::error[^:]*::/, '')
        .replace(/%0A/g, '\n')
        .replace(/%0D/g, '\r')
        .replace(/%25/g, '%'),
    );
}

export async function runAction(inputs: Record<string, string>, opts: RunActionOptions = {}): Promise<ActionResult> {
  if (!existsSync(ACTION_ENTRY))
    throw new Error(`${ACTION_ENTRY} is missing: the action is not built (npm run build).`);
  const work = mkdtempSync(join(tmpdir(), 'vem-run-'));
  const outputFile = join(work, 'github_output');
  const summaryFile = join(work, 'step_summary');
  const runnerTemp = join(work, 'runner_temp');
  mkdirSync(runnerTemp);
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const eventFile = join(work, 'event.json');
  writeFileSync(eventFile, '{}');
  const env: Record<string, string> = {
    PATH: `${binDir()}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? work,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: runnerTemp,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_REPOSITORY: 'example/platform',
    GITHUB_REPOSITORY_OWNER: 'example',
    GITHUB_RUN_ID: String(Date.now()),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'migrate',
    GITHUB_WORKFLOW: 'vcluster-etcd-migrate',
    GITHUB_SHA: '0'.repeat(40),
    GITHUB_REF: 'refs/heads/main',
    GITHUB_WORKSPACE: REPO_ROOT,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'http://127.0.0.1:9',
    GITHUB_ACTOR: 'sandbox',
    // e.g. '--experimental-transform-types' when VEM_ACTION_ENTRY points at src/main.ts.
    ...(process.env.VEM_ACTION_NODE_OPTIONS ? { NODE_OPTIONS: process.env.VEM_ACTION_NODE_OPTIONS } : {}),
    ...opts.env,
  };
  for (const [name, value] of Object.entries({ ...actionDefaults(), ...inputs }))
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  const t0 = Date.now();
  try {
    // A killable run gets its own process group, so the kill reaches helm too.
    const child = spawn(process.execPath, [ACTION_ENTRY], {
      env,
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: !!opts.killWhen,
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      opts.onStdout?.(c.toString());
      if (opts.killWhen && !killTimer && opts.killWhen.stdout.test(stdout)) {
        const kill = () => {
          killed = true;
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* already gone */
          }
        };
        const until = opts.killWhen.until;
        const ended = () => child.exitCode !== null || child.signalCode !== null;
        const poll = () => {
          if (ended()) return;
          void until!()
            .catch(() => false)
            .then((yes) => {
              if (ended()) return;
              if (yes) kill();
              else killTimer = setTimeout(poll, 200);
            });
        };
        killTimer = setTimeout(until ? poll : kill, opts.killWhen.afterMs ?? 0);
      }
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15 * 60_000);
    const code = await new Promise<number>((res) => child.once('close', (c, sig) => res(c ?? (sig ? 128 : 1))));
    clearTimeout(timer);
    clearTimeout(killTimer);
    return {
      code,
      stdout,
      stderr,
      ms: Date.now() - t0,
      killed,
      errors: errorMessages(stdout),
      outputs: parseGithubOutput(readFileSync(outputFile, 'utf8')),
      summary: readFileSync(summaryFile, 'utf8'),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
