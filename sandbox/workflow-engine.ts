// Runs a workflow file, unmodified, through a real workflow engine: nektos/act (built by
// sandbox/build.sh) on this host (`-P ubuntu-latest=-self-hosted`, no containers) with Node 24 first
// on PATH. Every `uses:` is mapped with --local-repository: this action to a folder holding only
// action.yml and dist/ (what a release tag holds), actions/checkout, setup-node and upload-artifact to the
// stand-ins in test/support/actions. act's JSON log is read back into jobs, step outputs and summaries.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import YAML from 'yaml';
import { ACTION_ENTRY, REPO_ROOT } from './action-runner.ts';
import { binDir, binPath } from './bins.ts';

/** How the examples name this action in `uses:`. */
export const ACTION_REPOSITORY = 'vcluster-etcd-migrate/vcluster-etcd-migrate';
const STANDIN_ACTIONS = join(REPO_ROOT, 'test', 'support', 'actions');
const STANDINS: Record<string, string> = {
  'actions/checkout': join(STANDIN_ACTIONS, 'checkout-standin'),
  'actions/upload-artifact': join(STANDIN_ACTIONS, 'upload-artifact-standin'),
  'actions/setup-node': join(STANDIN_ACTIONS, 'setup-node-standin'),
};

export interface EngineStep {
  id: string;
  name: string;
  result?: string;
  outputs: Record<string, string>;
}

export interface EngineJob {
  /** Job id in the workflow, e.g. 'migrate'. */
  id: string;
  /** act's display name: `<workflow>/<job name>` with a matrix suffix. */
  name: string;
  matrix: Record<string, unknown>;
  /** 'success' or 'failure'; undefined for a job that did not run (skipped by its `if:`). */
  result?: string;
  steps: EngineStep[];
  /** What the job wrote to GITHUB_STEP_SUMMARY, step by step (act logs it rather than keeping a page). */
  summary: string;
  /** The job's log lines (step output and act's own lines), for assertions and failure messages. */
  log: string[];
}

export interface WorkflowRun {
  code: number;
  seconds: number;
  jobs: EngineJob[];
  /** act's whole output, JSON lines and stderr, for a failure message. */
  raw: string;
  /** Folder the upload-artifact stand-in stored this run's artifacts in: <dir>/<run id>/<name>/. */
  artifactsDir: string;
}

export interface WorkflowSpec {
  /** Workflow file (run as it is; act reads it in place). */
  workflow: string;
  event: 'workflow_dispatch' | 'pull_request' | 'schedule' | 'push';
  /** Repository folder (a git work tree): act's working directory and the checkout stand-in's origin. */
  repoDir: string;
  eventPayload?: unknown;
  inputs?: Record<string, string>;
  secrets?: Record<string, string>;
  /** Workflow-level environment: GITHUB_* context (repository, run id, API URL) and stand-in settings. */
  env?: Record<string, string>;
  /** Extra environment of the act process (reaches every step, e.g. a proxy for helm). */
  processEnv?: Record<string, string>;
  /** Run only this job id (act -j). */
  job?: string;
  onLine?: (line: string) => void;
  timeoutMs?: number;
}

/**
 * The `uses:` references of a workflow file, e.g. 'actions/checkout@v5'; with `job`, of the jobs
 * `act -j job` runs: that job and those it needs, in turn.
 */
export function usesOf(workflowFile: string, job?: string): string[] {
  const doc = YAML.parse(readFileSync(workflowFile, 'utf8')) as {
    jobs?: Record<string, { needs?: string | string[]; steps?: Array<{ uses?: string }> }>;
  };
  const jobs = doc.jobs ?? {};
  const run = new Set<string>();
  const todo = job === undefined ? Object.keys(jobs) : [job];
  while (todo.length > 0) {
    const id = todo.pop()!;
    if (run.has(id)) continue;
    run.add(id);
    todo.push(...[jobs[id]?.needs ?? []].flat());
  }
  const all = [...run].flatMap((id) => (jobs[id]?.steps ?? []).map((s) => s.uses)).filter((u): u is string => !!u);
  return [...new Set(all)];
}

/** A folder with what a release of the action holds: action.yml and the built dist/. */
function actionFolder(parent: string): string {
  const dir = join(parent, 'action');
  mkdirSync(dir, { recursive: true });
  cpSync(join(REPO_ROOT, 'action.yml'), join(dir, 'action.yml'));
  cpSync(dirname(ACTION_ENTRY), join(dir, 'dist'), { recursive: true });
  return dir;
}

function localRepositories(workflow: string, actionDir: string, job?: string): string[] {
  return usesOf(workflow, job).map((uses) => {
    const [repo] = uses.split('@');
    const dir = repo === ACTION_REPOSITORY ? actionDir : STANDINS[repo!];
    if (!dir)
      throw new Error(`${workflow} uses ${uses}, which has no local stand-in (add one under test/support/actions)`);
    return `--local-repository=${uses}=${dir}`;
  });
}

interface ActLine {
  jobID?: string;
  job?: string;
  matrix?: Record<string, unknown>;
  msg?: string;
  stepID?: string[];
  step?: string;
  stepResult?: string;
  jobResult?: string;
  command?: string;
  name?: string;
  arg?: string;
  content?: string;
  raw_output?: boolean;
}

/** Folds act's JSON log lines into jobs (one per job id and matrix combination). */
export function parseActLog(lines: string[]): EngineJob[] {
  const jobs = new Map<string, EngineJob & { setupFailed?: boolean }>();
  for (const text of lines) {
    let l: ActLine;
    try {
      l = JSON.parse(text) as ActLine;
    } catch {
      continue;
    }
    if (!l.jobID) continue;
    const key = `${l.jobID} ${JSON.stringify(l.matrix ?? {})}`;
    let job = jobs.get(key) as (EngineJob & { setupFailed?: boolean }) | undefined;
    if (!job) {
      job = { id: l.jobID, name: (l.job ?? '').trim(), matrix: l.matrix ?? {}, steps: [], summary: '', log: [] };
      jobs.set(key, job);
    }
    if (l.msg) job.log.push(l.msg.replace(/\n$/, ''));
    if (l.jobResult) job.result = l.jobResult;
    if (l.command === 'summary' && l.content) job.summary += l.content;
    const stepId = l.stepID?.join('/');
    if (l.stepResult === 'failure' && (!stepId || stepId.startsWith('--'))) job.setupFailed = true;
    if (!stepId || stepId.startsWith('--')) continue;
    let step = job.steps.find((s) => s.id === stepId);
    if (!step) {
      step = { id: stepId, name: l.step ?? stepId, outputs: {} };
      job.steps.push(step);
    }
    if (l.stepResult) step.result = l.stepResult;
    if (l.command === 'set-output' && l.name) step.outputs[l.name] = l.arg ?? '';
  }
  // act logs one result for a whole matrix: once an instance failed, the instances that end later
  // report "Job failed" too. An instance's own result is that of its steps.
  for (const job of jobs.values()) {
    if (Object.keys(job.matrix).length === 0 || !job.result) continue;
    job.result = job.steps.some((s) => s.result === 'failure') || job.setupFailed ? 'failure' : 'success';
  }
  return [...jobs.values()].map(({ setupFailed: _, ...j }) => j);
}

export async function runWorkflow(spec: WorkflowSpec): Promise<WorkflowRun> {
  const work = mkdtempSync(join(tmpdir(), 'vem-act-'));
  const artifactsDir = join(work, 'artifacts');
  mkdirSync(artifactsDir);
  const args = [
    spec.event,
    '-W',
    spec.workflow,
    '-C',
    spec.repoDir,
    '--json',
    '-P',
    'ubuntu-latest=-self-hosted',
    '--no-skip-checkout',
    '--defaultbranch',
    'main',
    ...localRepositories(spec.workflow, actionFolder(work), spec.job),
  ];
  if (spec.eventPayload !== undefined) {
    writeFileSync(join(work, 'event.json'), JSON.stringify(spec.eventPayload));
    args.push('-e', join(work, 'event.json'));
  }
  if (spec.job) args.push('-j', spec.job);
  for (const [k, v] of Object.entries(spec.inputs ?? {})) args.push('--input', `${k}=${v}`);
  const env = { CHECKOUT_STANDIN_ORIGIN: spec.repoDir, UPLOAD_ARTIFACT_STANDIN_DIR: artifactsDir, ...spec.env };
  for (const [k, v] of Object.entries(env)) args.push('--env', `${k}=${v}`);
  // Secrets go through a private file, never act's command line or environment (which steps inherit).
  const secretFile = join(work, 'secrets.env');
  writeFileSync(
    secretFile,
    Object.entries(spec.secrets ?? {})
      .map(([k, v]) => `${k}=${JSON.stringify(v)}\n`)
      .join(''),
    { mode: 0o600 },
  );
  args.push(
    '--secret-file',
    secretFile,
    '--env-file',
    join(work, 'none.env'),
    '--input-file',
    join(work, 'none.input'),
  );
  // act reads ~/.actrc and keeps its caches under HOME: a private HOME keeps a person's settings out.
  const home = join(work, 'home');
  mkdirSync(home);
  const processEnv: Record<string, string> = {
    PATH: `${dirname(process.execPath)}:${binDir()}:${process.env.PATH ?? ''}`,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    LANG: 'C.UTF-8',
    ACT_DISABLE_VERSION_CHECK: '1',
    ...spec.processEnv,
  };
  const t0 = Date.now();
  try {
    const child = spawn(binPath('act'), args, { cwd: work, env: processEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let raw = '';
    let buf = '';
    child.stdout.on('data', (c: Buffer) => {
      raw += c.toString();
      buf += c.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        spec.onLine?.(line);
      }
    });
    child.stderr.on('data', (c: Buffer) => {
      raw += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeoutMs ?? 15 * 60_000);
    const code = await new Promise<number>((res) => child.once('close', (c, sig) => res(c ?? (sig ? 128 : 1))));
    clearTimeout(timer);
    if (buf) lines.push(buf);
    // Keep the artifacts beyond the run: move them out of the work folder before it goes.
    const kept = mkdtempSync(join(tmpdir(), 'vem-artifacts-'));
    cpSync(artifactsDir, kept, { recursive: true });
    return { code, seconds: (Date.now() - t0) / 1000, jobs: parseActLog(lines), raw, artifactsDir: kept };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** One line per job, for a failure message or a person watching. */
export function describeRun(r: WorkflowRun): string {
  return r.jobs.map((j) => `${j.name}: ${j.result ?? 'did not run'}`).join('\n');
}
