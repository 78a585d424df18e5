// The action's front door: the log, outputs and job summary through @actions/core, the approval
// verified on GitHub, the pull request's status comment, and the lock held by the run's job.
import * as core from '@actions/core';
import { tmpdir } from 'node:os';
import type { Settings } from '../../core/inputs/config.ts';
import type { Approvals, FleetFrontDoor, FrontDoor, RunEnd } from '../../core/front-door.ts';
import { readRunContext, type GitHubRunContext } from './workflow-run.ts';
import { upsertStatusComment } from './comment.ts';
import { renderStatusComment } from '../../report/comment-body.ts';

function runContext(s: Settings): GitHubRunContext | undefined {
  try {
    return readRunContext(process.env, s.prNumber ? String(s.prNumber) : '');
  } catch {
    return undefined; // not on GitHub (local sandbox): no approval API, no comment
  }
}

function approvals(s: Settings, ctx: GitHubRunContext | undefined): Approvals {
  return {
    async verify(environment, requireApproval) {
      if (!ctx || !s.githubToken) {
        if (!requireApproval) return { ok: true, bypassed: true, approvers: [], checks: [] };
        return {
          ok: false,
          bypassed: false,
          approvers: [],
          checks: [
            {
              name: 'run-approval',
              state: 'failed',
              reason: `${!ctx ? 'this run has no GitHub run context (GITHUB_REPOSITORY and GITHUB_RUN_ID are unset or invalid: not a GitHub runner)' : "input 'github-token' is empty"}, so the approval cannot be verified; run finalize as a job of a GitHub workflow with github-token: \${{ github.token }} and actions: read (set require-approval: false only where no reviewers can be required)`,
            },
          ],
        };
      }
      const [{ verifyApproval }, { makeOctokit }] = await Promise.all([
        import('./approval-api.ts'),
        import('./octokit.ts'),
      ]);
      return verifyApproval(
        makeOctokit(s.githubToken, process.env, (m) => core.info(m)),
        { owner: ctx.owner, repo: ctx.repo, runId: ctx.runId, environment, requireApproval },
      );
    },
  };
}

async function comment(s: Settings, ctx: GitHubRunContext | undefined, end: RunEnd): Promise<void> {
  if (!ctx?.prNumber || !s.githubToken || !end.report) return;
  const { makeOctokit } = await import('./octokit.ts');
  const res = await upsertStatusComment(
    makeOctokit(s.githubToken, process.env, (m) => core.info(m)),
    {
      owner: ctx.owner,
      repo: ctx.repo,
      issueNumber: ctx.prNumber,
      release: s.release,
      namespace: s.namespace,
      body: renderStatusComment(end.report),
    },
  );
  if (res.warning) core.warning(res.warning);
  else core.info(`PR #${ctx.prNumber} status comment ${res.action}`);
}

export function githubFrontDoor(s: Settings): FrontDoor {
  const ctx = runContext(s);
  const warnings: string[] = [];
  if (ctx?.prNumber !== undefined && !s.githubToken) {
    warnings.push(
      `this run belongs to pull request #${ctx.prNumber}, but input 'github-token' is empty, so no status comment is written; pass github-token: \${{ github.token }} with pull-requests: write`,
    );
  }
  return {
    log: { info: (m) => core.info(m), warning: (m) => core.warning(m), group: (name, fn) => core.group(name, fn) },
    // The lock holder: run, attempt and job, so two jobs (or a re-run attempt) of one run never share it.
    runId: ctx
      ? [ctx.runId, process.env.GITHUB_RUN_ATTEMPT, process.env.GITHUB_JOB].filter(Boolean).join('-')
      : `local-${process.pid}-${Date.now()}`,
    runUrl: ctx?.runUrl,
    tempDir: process.env.RUNNER_TEMP || tmpdir(),
    approvals: approvals(s, ctx),
    warnings,
    async finish(end) {
      await finishOnGitHub(end);
      await comment(s, ctx, end).catch((e) => core.warning(`could not update the PR comment: ${(e as Error).message}`));
    },
  };
}

/** Outputs, job summary and the step's result, as every phase ends on GitHub. */
async function finishOnGitHub(end: RunEnd): Promise<void> {
  for (const [name, value] of Object.entries(end.outputs)) core.setOutput(name, value);
  if (end.summary !== '')
    await core.summary
      .addRaw(end.summary)
      .write()
      .catch((e) => core.warning(`could not write the job summary: ${(e as Error).message}`));
  if (end.failure !== undefined) core.setFailed(end.failure);
  else if (end.report) core.info(`${end.status}: ${end.report.headline}`);
}

/** The front door of phase discover, which reads the fleet with its own settings and comments on no PR. */
export function githubFleetFrontDoor(): FleetFrontDoor {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = process.env;
  return {
    log: { info: (m) => core.info(m), warning: (m) => core.warning(m), group: (name, fn) => core.group(name, fn) },
    runUrl: server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined,
    tempDir: process.env.RUNNER_TEMP || tmpdir(),
    finish: finishOnGitHub,
  };
}
