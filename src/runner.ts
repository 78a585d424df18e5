// Runs one phase with validated settings: builds the adapters, and always writes the summary,
// the outputs and (when the run belongs to a PR) the status comment.
import * as core from '@actions/core';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Settings } from './config.ts';
import { loadKubeConfig } from './kubeconfig.ts';
import { Kube, describeError } from './kube.ts';
import { Helm, execRunner } from './helm.ts';
import { StateStore, LockHeldError } from './state-store.ts';
import { newReport, renderSummary, type RunReport } from './report.ts';
import { PhaseStop, type Deps, type Logger, type Approvals } from './context.ts';
import { etcdOps } from './etcd-ops.ts';
import { readRunContext, type GitHubRunContext } from './github-context.ts';
import { upsertStatusComment, renderStatusComment } from './comment.ts';

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
        return { ok: false, bypassed: false, approvers: [], checks: [{ name: 'run-approval', state: 'failed', reason: 'no GitHub run context or github-token: the approval cannot be verified (set require-approval: false only where no reviewers can be required)' }] };
      }
      const [{ verifyApproval }, { makeOctokit }] = await Promise.all([import('./approval.ts'), import('./octokit.ts')]);
      return verifyApproval(makeOctokit(s.githubToken), { owner: ctx.owner, repo: ctx.repo, runId: ctx.runId, environment, requireApproval });
    },
  };
}

async function comment(s: Settings, ctx: GitHubRunContext | undefined, r: RunReport): Promise<void> {
  if (!ctx?.prNumber || !s.githubToken) return;
  const { makeOctokit } = await import('./octokit.ts');
  const res = await upsertStatusComment(makeOctokit(s.githubToken), {
    owner: ctx.owner, repo: ctx.repo, issueNumber: ctx.prNumber, release: s.release, namespace: s.namespace, body: renderStatusComment(r),
  });
  if (res.warning) core.warning(res.warning);
  else core.info(`PR #${ctx.prNumber} status comment ${res.action}`);
}

function writeOutputs(r: RunReport, summary: string): void {
  core.setOutput('status', r.status);
  core.setOutput('phase', r.phase);
  core.setOutput('log-line', r.logLine ?? '');
  core.setOutput('values-file', r.values.find((v) => v.file)?.file ?? '');
  core.setOutput('leftover-pvcs', JSON.stringify(r.leftoverPvcs));
  core.setOutput('keys-before', r.keysBefore === undefined ? '' : String(r.keysBefore));
  core.setOutput('keys-after', r.keysAfter === undefined ? '' : String(r.keysAfter));
  core.setOutput('key-diff', JSON.stringify(r.diff?.rows ?? []));
  core.setOutput('backup-file', r.backup?.file ?? '');
  core.setOutput('backup-sha256', r.backup?.sha256 ?? '');
  core.setOutput('backup-revision', r.backup ? String(r.backup.revision) : '');
  core.setOutput('summary-markdown', summary);
}

export async function runPhase(settings: Settings): Promise<void> {
  const s = settings;
  const ctx = runContext(s);
  const report = newReport(s.release, s.namespace, s.phase);
  report.runUrl = ctx?.runUrl;
  const temp = process.env.RUNNER_TEMP || tmpdir();
  const workDir = mkdtempSync(join(temp, 'vcluster-etcd-migrate-'));
  const backupDir = s.backupDir ?? join(temp, 'vcluster-etcd-migrate-backup');
  mkdirSync(backupDir, { recursive: true });
  let kcfg: ReturnType<typeof loadKubeConfig> | undefined;
  let failure: string | undefined;
  try {
    try {
      kcfg = loadKubeConfig({ content: s.kubeconfig, context: s.context, tempRoot: workDir });
    } catch (e) {
      // Nothing was touched: an unusable kubeconfig or context is a refusal, like a bad input.
      // First line only: a YAML parser's later lines quote the (secret) content.
      throw new PhaseStop('refused', `the kubeconfig cannot be used: ${describeError(e)}`, "fix input 'kubeconfig' or 'context' (or KUBECONFIG) and run again");
    }
    const kube = new Kube(kcfg.kc);
    const helm = new Helm(execRunner('helm'), { kubeconfig: kcfg.path, context: s.context });
    // The lock holder: run, attempt and job, so two jobs (or a re-run attempt) of one run never share it.
    const runId = ctx
      ? [ctx.runId, process.env.GITHUB_RUN_ATTEMPT, process.env.GITHUB_JOB].filter(Boolean).join('-')
      : `local-${process.pid}-${Date.now()}`;
    const deps: Deps = {
      settings: s, kube, helm, runId, workDir, backupDir, report, log: logger,
      store: new StateStore(kube, s.namespace, s.release, runId),
      etcd: etcdOps(kube, { namespace: s.namespace, release: s.release, chartVersion: s.chartVersion.text, log: (m) => core.info(m) }),
      approvals: approvals(s, ctx),
    };
    // Each phase, and the etcd and GitHub code, is loaded when a run needs it (chunks of dist/).
    const phases = {
      plan: () => import('./phases/plan.ts').then((m) => m.plan),
      migrate: () => import('./phases/migrate.ts').then((m) => m.migrate),
      finalize: () => import('./phases/finalize.ts').then((m) => m.finalize),
      status: () => import('./phases/status.ts').then((m) => m.status),
    };
    await (await phases[s.phase]())(deps);
  } catch (e) {
    if (e instanceof PhaseStop) {
      report.status = e.status;
      report.headline = e.message;
      report.next = e.next;
    } else if (e instanceof LockHeldError) {
      report.status = 'refused';
      report.headline = e.message;
      report.next = 'wait for the other run to finish';
    } else {
      report.status = 'failed';
      report.headline = describeError(e);
      report.next = `fix the cause above and run again; nothing changes before the preflight passes, and ConfigMap ${s.release}-etcd-migration tells the next run where to resume`;
    }
    failure = report.headline;
  } finally {
    kcfg?.cleanup();
  }
  const summary = renderSummary(report);
  writeOutputs(report, summary);
  await core.summary.addRaw(summary).write().catch((e) => core.warning(`could not write the job summary: ${(e as Error).message}`));
  await comment(s, ctx, report).catch((e) => core.warning(`could not update the PR comment: ${(e as Error).message}`));
  if (failure !== undefined) core.setFailed(`${report.status}: ${failure}${report.next ? `. Next: ${report.next}` : ''}`);
  else core.info(`${report.status}: ${report.headline}`);
}

