// The workflow run: where this run lives on GitHub: repository, run id and URL, the pull request it belongs to.
// Read from the runner's environment (not @actions/github's import-time context) so tests can
// point everything, including GITHUB_API_URL, at the local stand-in. The REST client is in
// its own module, so reading the run does not load Octokit.
import { readFileSync } from 'node:fs';
import type { getOctokit } from '@actions/github';

export type GitHubClient = ReturnType<typeof getOctokit>;

export interface WorkflowRun {
  owner: string;
  repo: string;
  runId: number;
  /** `${GITHUB_SERVER_URL}/${owner}/${repo}/actions/runs/${runId}` */
  runUrl: string;
  serverUrl: string;
  apiUrl: string;
  eventName: string;
  /** The pull request to comment on: input pr-number, else the event's pull request. */
  prNumber?: number;
}

type Env = Record<string, string | undefined>;

function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) {
    throw new Error(`${name} is not set: the action must run inside a GitHub Actions job (the runner sets ${name}).`);
  }
  return value;
}

function parsePositiveInt(value: string, what: string): number {
  const trimmed = value.trim();
  if (!/^[1-9][0-9]{0,15}$/.test(trimmed)) {
    throw new Error(`${what} must be a positive whole number, got '${value}'.`);
  }
  return Number(trimmed);
}

/** The pull request number an event payload belongs to, if any. */
export function prNumberFromEvent(payload: unknown): number | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const p = payload as { pull_request?: { number?: unknown }; issue?: { number?: unknown; pull_request?: unknown } };
  // pull_request, pull_request_target, pull_request_review*: the PR itself.
  if (typeof p.pull_request?.number === 'number') return p.pull_request.number;
  // issue_comment on a PR: the issue is the PR.
  if (p.issue?.pull_request && typeof p.issue.number === 'number') return p.issue.number;
  return undefined;
}

function readEventPayload(path: string | undefined): unknown {
  if (!path) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    // No payload (local runs) means no PR from the event; the pr-number input still works.
    return undefined;
  }
}

/**
 * Reads the workflow run. `prNumberInput` is the action input `pr-number` ('' when unset);
 * when given it wins over the event, so dispatch and schedule runs can comment on a PR too.
 */
export function readWorkflowRun(env: Env = process.env, prNumberInput = ''): WorkflowRun {
  const where = runLocation(env);
  const apiUrl = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const prNumber =
    prNumberInput.trim() !== ''
      ? parsePositiveInt(prNumberInput, "Input 'pr-number'")
      : prNumberFromEvent(readEventPayload(env.GITHUB_EVENT_PATH));
  return { ...where, apiUrl, eventName, ...(prNumber === undefined ? {} : { prNumber }) };
}

/** Repository, run id, server and the run's page, from the runner's environment. */
function runLocation(env: Env): Pick<WorkflowRun, 'owner' | 'repo' | 'runId' | 'runUrl' | 'serverUrl'> {
  const repository = required(env, 'GITHUB_REPOSITORY');
  const slash = repository.indexOf('/');
  if (slash <= 0 || slash === repository.length - 1) {
    throw new Error(`GITHUB_REPOSITORY must look like owner/repo, got '${repository}'.`);
  }
  const owner = repository.slice(0, slash);
  const repo = repository.slice(slash + 1);
  const runId = parsePositiveInt(required(env, 'GITHUB_RUN_ID'), 'GITHUB_RUN_ID');
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  return { owner, repo, runId, serverUrl, runUrl: `${serverUrl}/${owner}/${repo}/actions/runs/${runId}` };
}

/** The run's page, as every phase links it; undefined outside a GitHub job (a terminal, another CI). */
export function runUrlOf(env: Env = process.env): string | undefined {
  try {
    return runLocation(env).runUrl;
  } catch {
    return undefined;
  }
}

/**
 * Who holds the migration lock: run, attempt and job, so two jobs (or a re-run attempt) of one run
 * never share it; outside GitHub the process and the time.
 */
export function lockHolderId(run: WorkflowRun | undefined, env: Env, pid: number, now: number): string {
  return run ? [run.runId, env.GITHUB_RUN_ATTEMPT, env.GITHUB_JOB].filter(Boolean).join('-') : `local-${pid}-${now}`;
}

/** The HTTP status (0 when no answer came) and GitHub's message of an Octokit error. */
export function octokitError(error: unknown): { status: number; message: string } {
  const e = error as { status?: unknown; message?: unknown; response?: { data?: { message?: unknown } } };
  const status = typeof e.status === 'number' ? e.status : 0;
  const message = typeof e.response?.data?.message === 'string' ? e.response.data.message : String(e.message ?? error);
  return { status, message };
}
