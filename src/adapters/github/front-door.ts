// The action's front door: the log, outputs and job summary through @actions/core, the approval
// verified on GitHub, the pull request's status comment, and the lock held by the run's job.
import * as core from '@actions/core';
import { tmpdir } from 'node:os';
import type { Settings } from '../../core/inputs/config.ts';
import type { Approvals, FrontDoor, Logger, RunEnd } from '../../core/front-door.ts';
import { unverifiableApproval } from '../../core/migration/approval.ts';
import { lockHolderId, readWorkflowRun, type WorkflowRun } from './workflow-run.ts';
import { upsertStatusComment } from './comment.ts';
import { renderStatusComment } from '../../report/comment-body.ts';

const logger: Logger = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  group: (name, fn) => core.group(name, fn),
};

function workflowRun(settings: Settings): WorkflowRun | undefined {
  try {
    return readWorkflowRun(process.env, settings.prNumber ? String(settings.prNumber) : '');
  } catch {
    return undefined; // not on GitHub (local sandbox): no approval API, no comment
  }
}

function approvals(token: string | undefined, run: WorkflowRun | undefined): Approvals {
  return {
    async verify(environment, requireApproval) {
      if (!run) return unverifiableApproval('run', requireApproval);
      if (!token) return unverifiableApproval('token', requireApproval);
      const [{ verifyApproval }, { makeOctokit }] = await Promise.all([
        import('./approval-api.ts'),
        import('./octokit.ts'),
      ]);
      return verifyApproval(
        makeOctokit(token, process.env, (m) => core.info(m)),
        { owner: run.owner, repo: run.repo, runId: run.runId, environment, requireApproval },
      );
    },
    howToApprove: (environment) =>
      `approve the '${environment ?? 'approval'}' environment so the finalize job runs phase two`,
  };
}

async function comment(settings: Settings, run: WorkflowRun | undefined, end: RunEnd): Promise<void> {
  if (!run?.prNumber || !settings.githubToken || !end.report) return;
  const { makeOctokit } = await import('./octokit.ts');
  const res = await upsertStatusComment(
    makeOctokit(settings.githubToken, process.env, (m) => core.info(m)),
    {
      owner: run.owner,
      repo: run.repo,
      issueNumber: run.prNumber,
      release: settings.release,
      namespace: settings.namespace,
      body: renderStatusComment(end.report),
    },
  );
  if (res.warning) core.warning(res.warning);
  else core.info(`PR #${run.prNumber} status comment ${res.action}`);
}

/** Outputs and the job summary, as every phase ends on GitHub. */
async function writeEnd(end: RunEnd): Promise<void> {
  for (const [name, value] of Object.entries(end.outputs)) core.setOutput(name, value);
  if (end.summary !== '')
    await core.summary
      .addRaw(end.summary)
      .write()
      .catch((e) => core.warning(`could not write the job summary: ${(e as Error).message}`));
}

/** The step's result: failed with the line that says why, or the status in the log. */
function result(end: RunEnd): void {
  if (end.failure !== undefined) core.setFailed(end.failure);
  else if (end.report) core.info(`${end.status}: ${end.report.headline}`);
}

export function githubFrontDoor(settings: Settings): FrontDoor {
  const run = workflowRun(settings);
  const warnings: string[] = [];
  if (run?.prNumber !== undefined && !settings.githubToken) {
    warnings.push(
      `this run belongs to pull request #${run.prNumber}, but input 'github-token' is empty, so no status comment is written; pass github-token: \${{ github.token }} with pull-requests: write`,
    );
  }
  return {
    log: logger,
    runId: lockHolderId(run, process.env, process.pid, Date.now()),
    runUrl: run?.runUrl,
    tempDir: process.env.RUNNER_TEMP || tmpdir(),
    approvals: approvals(settings.githubToken, run),
    warnings,
    async finish(end) {
      await writeEnd(end);
      await comment(settings, run, end).catch((e) =>
        core.warning(`could not update the PR comment: ${(e as Error).message}`),
      );
      result(end);
    },
  };
}
