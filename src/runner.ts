// Runs one phase with validated settings: builds the adapters, and always ends through the front door
// that started it (outputs, summary, the PR comment or the exit code).
import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from './core/inputs/config.ts';
import { loadKubeConfig } from './adapters/kube/kubeconfig.ts';
import { Kube } from './adapters/kube/kube.ts';
import { describeError } from './adapters/kube/api-retry.ts';
import { Helm, execRunner } from './adapters/helm/helm.ts';
import { StateStore, LockHeldError, LockLostError } from './adapters/kube/state-store.ts';
import { newReport, type RunReport } from './report/report.ts';
import { renderSummary } from './report/summary.ts';
import { actionOutputs } from './report/outputs.ts';
import { PhaseStop, type Deps } from './phases/steps/deps.ts';
import type { FrontDoor } from './core/front-door.ts';
import { stateConfigMapName } from './core/migration/state.ts';
import { etcdOps } from './adapters/etcd/ops.ts';

function outputs(r: RunReport, summary: string): Record<string, string> {
  // A no-op or a resumed phase one reads the snapshot from the state record: an earlier run took it,
  // on its runner. Name only a file this runner holds, so the workflow's upload step does not fail on it.
  const backupHere = r.backup !== undefined && existsSync(r.backup.file);
  return actionOutputs(r, summary, backupHere);
}

/** Runs one phase through a front door: the action's (GitHub) or the command line's. */
export async function runPhase(settings: Settings, front: FrontDoor): Promise<void> {
  const s = settings;
  const log = front.log;
  const report = newReport(s.release, s.namespace, s.phase);
  report.runUrl = front.runUrl;
  report.newerChartLine = s.newerChartLine;
  if (s.newerChartLine) log.warning(s.newerChartLine);
  for (const w of front.warnings) {
    log.warning(w);
    report.warnings.push(w);
  }
  const temp = front.tempDir;
  const workDir = mkdtempSync(join(temp, 'vcluster-etcd-migrate-'));
  const backupDir = s.backupDir ?? join(temp, 'vcluster-etcd-migrate-backup');
  let kcfg: ReturnType<typeof loadKubeConfig> | undefined;
  let failure: string | undefined;
  try {
    // Only a run that takes the snapshot needs the directory; it is checked before anything is read.
    if (s.phase === 'migrate' && s.backup === 'required') {
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
    for (const w of kcfg.warnings) {
      log.warning(w);
      report.warnings.push(w);
    }
    const kube = new Kube(kcfg.kc);
    const helm = new Helm(execRunner('helm'), { kubeconfig: kcfg.path, context: s.context });
    const runId = front.runId;
    const deps: Deps = {
      settings: s,
      kube,
      helm,
      runId,
      workDir,
      backupDir,
      report,
      log,
      store: new StateStore(kube, s.namespace, s.release, runId),
      etcd: etcdOps(kube, {
        namespace: s.namespace,
        release: s.release,
        chartVersion: s.chartVersion.text,
        log: (m) => log.info(m),
      }),
      approvals: front.approvals,
    };
    // Each phase, and the etcd and GitHub code, is loaded when a run needs it (chunks of dist/).
    const phases = {
      plan: () => import('./phases/plan.ts').then((m) => m.plan),
      migrate: () => import('./phases/migrate.ts').then((m) => m.migrate),
      finalize: () => import('./phases/finalize.ts').then((m) => m.finalize),
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
  await front.finish({
    status: report.status,
    report,
    summary,
    outputs: outputs(report, summary),
    failure:
      failure === undefined ? undefined : `${report.status}: ${failure}${report.next ? `. Next: ${report.next}` : ''}`,
  });
}
