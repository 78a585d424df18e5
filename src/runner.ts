// Runs one phase with validated settings: builds the adapters bound to the run's release, runs
// the phase, and always writes the summary, the outputs and (when the run belongs to a PR) the
// status comment.
import * as core from '@actions/core';
import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Settings } from './core/inputs/config.ts';
import { loadKubeConfig } from './adapters/kube/kubeconfig.ts';
import { Kube } from './adapters/kube/kube.ts';
import { releaseKube } from './adapters/kube/release-kube.ts';
import { describeError } from './adapters/kube/api-retry.ts';
import { Helm, execRunner, releaseHelm } from './adapters/helm/helm.ts';
import { StateStore } from './adapters/kube/state-store.ts';
import { newReport, type Outcome, type RunReport } from './report/report.ts';
import { renderSummary } from './report/summary.ts';
import { actionOutputs } from './report/outputs.ts';
import type { PhaseDeps, Logger, Approvals } from './phases/steps/deps.ts';
import { PhaseStop, stopOutcome } from './phases/steps/outcome.ts';
import { unverifiableApproval } from './core/migration/approval.ts';
import { etcdOps } from './adapters/etcd/ops.ts';
import { lockHolderId, readWorkflowRun, type WorkflowRun } from './adapters/github/workflow-run.ts';
import { upsertStatusComment } from './adapters/github/comment.ts';
import { renderStatusComment } from './report/comment-body.ts';

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
        import('./adapters/github/approval-api.ts'),
        import('./adapters/github/octokit.ts'),
      ]);
      return verifyApproval(
        makeOctokit(token, process.env, (m) => core.info(m)),
        {
          owner: run.owner,
          repo: run.repo,
          runId: run.runId,
          environment,
          requireApproval,
        },
      );
    },
  };
}

async function comment(settings: Settings, run: WorkflowRun | undefined, report: RunReport): Promise<void> {
  if (!run?.prNumber || !settings.githubToken) return;
  const { makeOctokit } = await import('./adapters/github/octokit.ts');
  const res = await upsertStatusComment(
    makeOctokit(settings.githubToken, process.env, (m) => core.info(m)),
    {
      owner: run.owner,
      repo: run.repo,
      issueNumber: run.prNumber,
      release: settings.release,
      namespace: settings.namespace,
      body: renderStatusComment(report),
    },
  );
  if (res.warning) core.warning(res.warning);
  else core.info(`PR #${run.prNumber} status comment ${res.action}`);
}

function writeOutputs(report: RunReport, summary: string): void {
  // A no-op or a resumed phase one reads the snapshot from the state record: an earlier run took it,
  // on its runner. Name only a file this runner holds, so the workflow's upload step does not fail on it.
  const backupHere = report.backup !== undefined && existsSync(report.backup.file);
  for (const [name, value] of Object.entries(actionOutputs(report, summary, backupHere))) core.setOutput(name, value);
}

/** A warning in the log and in the summary's warning list. */
function warn(report: RunReport, message: string): void {
  core.warning(message);
  report.warnings.push(message);
}

// Each phase, and the etcd and GitHub code, is loaded when a run needs it (chunks of dist/).
const PHASES = {
  plan: () => import('./phases/plan.ts').then((m) => m.plan),
  migrate: () => import('./phases/migrate.ts').then((m) => m.migrate),
  finalize: () => import('./phases/finalize.ts').then((m) => m.finalize),
  abort: () => import('./phases/abort.ts').then((m) => m.abort),
  status: () => import('./phases/status.ts').then((m) => m.status),
};

/** Runs the phase; `inputWarnings` (inputs this phase does not read) are already in the log. */
export async function runPhase(settings: Settings, inputWarnings: readonly string[] = []): Promise<void> {
  const { kubeconfig, context, githubToken, prNumber: _prNumber, ...phaseSettings } = settings;
  const { release, namespace } = settings;
  const run = workflowRun(settings);
  const report = newReport(release, namespace, settings.phase);
  report.warnings.push(...inputWarnings);
  report.runUrl = run?.runUrl;
  report.newerChartLine = settings.newerChartLine;
  if (settings.newerChartLine) core.warning(settings.newerChartLine);
  if (run?.prNumber !== undefined && !githubToken) {
    warn(
      report,
      `this run belongs to pull request #${run.prNumber}, but input 'github-token' is empty, so no status comment is written; pass github-token: \${{ github.token }} with pull-requests: write`,
    );
  }
  const temp = process.env.RUNNER_TEMP || tmpdir();
  const workDir = mkdtempSync(join(temp, 'vcluster-etcd-migrate-'));
  const backupDir = settings.backupDir ?? join(temp, 'vcluster-etcd-migrate-backup');
  let kcfg: ReturnType<typeof loadKubeConfig> | undefined;
  let outcome: Outcome;
  let stopped = false;
  try {
    // Only a run that takes the snapshot needs the directory; it is checked before anything is read.
    if ((settings.phase === 'migrate' && settings.backup === 'required') || settings.phase === 'abort') {
      // The backup code is a lazy chunk (with the etcd code), loaded only by a run that takes a snapshot.
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
      kcfg = loadKubeConfig({ content: kubeconfig, context, tempRoot: workDir });
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
    const helm = new Helm(execRunner('helm'), { kubeconfig: kcfg.path, context });
    const runId = lockHolderId(run, process.env, process.pid, Date.now());
    const deps: PhaseDeps = {
      settings: phaseSettings,
      kube: releaseKube(kube, namespace, release),
      helm: releaseHelm(helm, { release, namespace, chart: settings.chart, version: settings.chartVersion.text }),
      runId,
      workDir,
      backupDir,
      helmDriver: process.env.HELM_DRIVER,
      report,
      log: logger,
      store: new StateStore(kube, namespace, release, runId),
      etcd: etcdOps(kube, { namespace, release, chartVersion: settings.chartVersion.text, log: (m) => core.info(m) }),
      approvals: approvals(githubToken, run),
    };
    outcome = await (await PHASES[settings.phase]())(deps);
  } catch (e) {
    outcome = stopOutcome(e, release);
    stopped = true;
  } finally {
    kcfg?.cleanup();
  }
  Object.assign(report, outcome);
  const summary = renderSummary(report);
  writeOutputs(report, summary);
  await core.summary
    .addRaw(summary)
    .write()
    .catch((e) => core.warning(`could not write the job summary: ${(e as Error).message}`));
  await comment(settings, run, report).catch((e) =>
    core.warning(`could not update the PR comment: ${(e as Error).message}`),
  );
  if (stopped) core.setFailed(`${report.status}: ${report.headline}${report.next ? `. Next: ${report.next}` : ''}`);
  else core.info(`${report.status}: ${report.headline}`);
}
