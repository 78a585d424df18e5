// Runs one phase with validated settings: builds the adapters, and always writes the summary,
// the outputs and (when the run belongs to a PR) the status comment.
import * as core from '@actions/core';
import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Settings } from './core/inputs/config.ts';
import { loadKubeConfig } from './adapters/kube/kubeconfig.ts';
import { Kube } from './adapters/kube/kube.ts';
import { describeError } from './adapters/kube/api-retry.ts';
import { Helm, execRunner } from './adapters/helm/helm.ts';
import { StateStore, LockHeldError, LockLostError } from './adapters/kube/state-store.ts';
import { newReport, type RunReport } from './report/report.ts';
import { renderSummary } from './report/summary.ts';
import { actionOutputs } from './report/outputs.ts';
import { PhaseStop, type Deps, type Logger, type Approvals } from './phases/steps/deps.ts';
import { stateConfigMapName } from './core/migration/state.ts';
import { etcdOps } from './adapters/etcd/ops.ts';
import { readRunContext, type GitHubRunContext } from './adapters/github/workflow-run.ts';
import { upsertStatusComment } from './adapters/github/comment.ts';
import { renderStatusComment } from './report/comment-body.ts';

const logger: Logger = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  group: (name, fn) => core.group(name, fn),
};

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
        import('./adapters/github/approval-api.ts'),
        import('./adapters/github/octokit.ts'),
      ]);
      return verifyApproval(
        makeOctokit(s.githubToken, process.env, (m) => core.info(m)),
        { owner: ctx.owner, repo: ctx.repo, runId: ctx.runId, environment, requireApproval },
      );
    },
  };
}

async function comment(s: Settings, ctx: GitHubRunContext | undefined, r: RunReport): Promise<void> {
  if (!ctx?.prNumber || !s.githubToken) return;
  const { makeOctokit } = await import('./adapters/github/octokit.ts');
  const res = await upsertStatusComment(
    makeOctokit(s.githubToken, process.env, (m) => core.info(m)),
    {
      owner: ctx.owner,
      repo: ctx.repo,
      issueNumber: ctx.prNumber,
      release: s.release,
      namespace: s.namespace,
      body: renderStatusComment(r),
    },
  );
  if (res.warning) core.warning(res.warning);
  else core.info(`PR #${ctx.prNumber} status comment ${res.action}`);
}

function writeOutputs(r: RunReport, summary: string): void {
  // A no-op or a resumed phase one reads the snapshot from the state record: an earlier run took it,
  // on its runner. Name only a file this runner holds, so the workflow's upload step does not fail on it.
  const backupHere = r.backup !== undefined && existsSync(r.backup.file);
  for (const [name, value] of Object.entries(actionOutputs(r, summary, backupHere))) core.setOutput(name, value);
}

/** A warning in the log and in the summary's warning list. */
function warn(report: RunReport, message: string): void {
  core.warning(message);
  report.warnings.push(message);
}

export async function runPhase(settings: Settings): Promise<void> {
  const s = settings;
  const ctx = runContext(s);
  const report = newReport(s.release, s.namespace, s.phase);
  report.runUrl = ctx?.runUrl;
  report.newerChartLine = s.newerChartLine;
  if (s.newerChartLine) core.warning(s.newerChartLine);
  if (ctx?.prNumber !== undefined && !s.githubToken) {
    warn(
      report,
      `this run belongs to pull request #${ctx.prNumber}, but input 'github-token' is empty, so no status comment is written; pass github-token: \${{ github.token }} with pull-requests: write`,
    );
  }
  const temp = process.env.RUNNER_TEMP || tmpdir();
  const workDir = mkdtempSync(join(temp, 'vcluster-etcd-migrate-'));
  const backupDir = s.backupDir ?? join(temp, 'vcluster-etcd-migrate-backup');
  let kcfg: ReturnType<typeof loadKubeConfig> | undefined;
  let failure: string | undefined;
  try {
    // Only a run that takes the snapshot needs the directory; it is checked before anything is read.
    if ((s.phase === 'migrate' && s.backup === 'required') || s.phase === 'abort') {
      // backup.ts is a lazy chunk (with the etcd code), loaded only by a run that takes a snapshot.
      const { ensurePrivateDir } = await import('./adapters/etcd/backup.ts');
      try {
        ensurePrivateDir(backupDir);
      } catch (e) {
        throw new PhaseStop(
          'refused',
          (e as Error).message,
          "fix input 'backup-dir' (or leave it empty for a directory under RUNNER_TEMP) and run again",
        );
      }
    }
    try {
      kcfg = loadKubeConfig({ content: s.kubeconfig, context: s.context, tempRoot: workDir });
    } catch (e) {
      // Nothing was touched: an unusable kubeconfig or context is a refusal, like a bad input.
      // First line only: a YAML parser's later lines quote the (secret) content.
      throw new PhaseStop(
        'refused',
        `the kubeconfig cannot be used: ${describeError(e)}`,
        "fix input 'kubeconfig' or 'context' (or KUBECONFIG) and run again",
      );
    }
    for (const w of kcfg.warnings) warn(report, w);
    const kube = new Kube(kcfg.kc);
    const helm = new Helm(execRunner('helm'), { kubeconfig: kcfg.path, context: s.context });
    // The lock holder: run, attempt and job, so two jobs (or a re-run attempt) of one run never share it.
    const runId = ctx
      ? [ctx.runId, process.env.GITHUB_RUN_ATTEMPT, process.env.GITHUB_JOB].filter(Boolean).join('-')
      : `local-${process.pid}-${Date.now()}`;
    const deps: Deps = {
      settings: s,
      kube,
      helm,
      runId,
      workDir,
      backupDir,
      report,
      log: logger,
      store: new StateStore(kube, s.namespace, s.release, runId),
      etcd: etcdOps(kube, {
        namespace: s.namespace,
        release: s.release,
        chartVersion: s.chartVersion.text,
        log: (m) => core.info(m),
      }),
      approvals: approvals(s, ctx),
    };
    // Each phase, and the etcd and GitHub code, is loaded when a run needs it (chunks of dist/).
    const phases = {
      plan: () => import('./phases/plan.ts').then((m) => m.plan),
      migrate: () => import('./phases/migrate.ts').then((m) => m.migrate),
      finalize: () => import('./phases/finalize.ts').then((m) => m.finalize),
      abort: () => import('./phases/abort.ts').then((m) => m.abort),
      status: () => import('./phases/status.ts').then((m) => m.status),
    };
    await (
      await phases[s.phase]()
    )(deps);
  } catch (e) {
    if (e instanceof PhaseStop) {
      report.status = e.status;
      report.headline = e.message;
      report.next = e.next;
    } else if (e instanceof LockLostError) {
      report.status = 'failed';
      report.headline = e.message;
      report.next = e.holder
        ? `run ${e.holder.runId} holds the lock and continues the migration; read its summary, or run phase status`
        : 'run phase status to see where the migration stands, then run the phase again: it resumes from the state record';
    } else if (e instanceof LockHeldError) {
      report.status = 'refused';
      report.headline = e.message;
      report.next = 'wait for the other run to finish';
    } else {
      report.status = 'failed';
      report.headline = describeError(e);
      report.next = `fix the cause above and run again; nothing changes before the preflight passes, and ConfigMap ${stateConfigMapName(s.release)} tells the next run where to resume`;
    }
    failure = report.headline;
  } finally {
    kcfg?.cleanup();
  }
  const summary = renderSummary(report);
  writeOutputs(report, summary);
  await core.summary
    .addRaw(summary)
    .write()
    .catch((e) => core.warning(`could not write the job summary: ${(e as Error).message}`));
  await comment(s, ctx, report).catch((e) => core.warning(`could not update the PR comment: ${(e as Error).message}`));
  if (failure !== undefined)
    core.setFailed(`${report.status}: ${failure}${report.next ? `. Next: ${report.next}` : ''}`);
  else core.info(`${report.status}: ${report.headline}`);
}
