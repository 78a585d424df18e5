// Runs one phase with validated settings: builds the adapters bound to the run's release, runs
// the phase, and always ends through the front door that started it (the action's outputs, summary
// and PR comment, or the command line's text, JSON and exit code).
import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from './core/inputs/config.ts';
import type { FrontDoor } from './core/front-door.ts';
import { loadKubeConfig } from './adapters/kube/kubeconfig.ts';
import { CredentialPluginError, pluginOutputLines } from './adapters/kube/kubeconfig-context.ts';
import { Kube } from './adapters/kube/kube.ts';
import { releaseKube } from './adapters/kube/release-kube.ts';
import { describeError } from './adapters/kube/api-retry.ts';
import { Helm, execRunner, releaseHelm } from './adapters/helm/helm.ts';
import { StateStore } from './adapters/kube/state-store.ts';
import { newReport, type Outcome, type RunReport } from './report/report.ts';
import { renderSummary } from './report/summary.ts';
import { actionOutputs } from './report/outputs.ts';
import type { PhaseDeps } from './phases/steps/deps.ts';
import { PhaseStop, stopOutcome } from './phases/steps/outcome.ts';
import { etcdOps } from './adapters/etcd/ops.ts';

function outputs(report: RunReport, summary: string): Record<string, string> {
  // A no-op or a resumed phase one reads the snapshot from the state record: an earlier run took it,
  // on its runner. Name only a file this runner holds, so the workflow's upload step does not fail on it.
  const backupHere = report.backup !== undefined && existsSync(report.backup.file);
  return actionOutputs(report, summary, backupHere);
}

// Each phase, and the etcd and GitHub code, is loaded when a run needs it (chunks of dist/).
const PHASES = {
  plan: () => import('./phases/plan.ts').then((m) => m.plan),
  migrate: () => import('./phases/migrate.ts').then((m) => m.migrate),
  finalize: () => import('./phases/finalize.ts').then((m) => m.finalize),
  abort: () => import('./phases/abort.ts').then((m) => m.abort),
  status: () => import('./phases/status.ts').then((m) => m.status),
};

/** Only a run that takes the snapshot needs the directory; it is checked before anything is read. */
async function checkBackupDir(settings: Settings, backupDir: string): Promise<void> {
  if (!((settings.phase === 'migrate' && settings.backup === 'required') || settings.phase === 'abort')) return;
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

type LoadedKubeConfig = ReturnType<typeof loadKubeConfig>;

/**
 * The kubeconfig loaded and its credentials obtained (an exec plugin runs here). Nothing is read or
 * changed before this succeeds, so each way it fails is a refusal, like a bad input. On a refusal the
 * temporary kubeconfig is already removed; on success the caller removes it.
 */
async function openKube(
  settings: Settings,
  workDir: string,
  log: FrontDoor['log'],
  warn: (message: string) => void,
): Promise<{ kcfg: LoadedKubeConfig; kube: Kube }> {
  let kcfg: LoadedKubeConfig;
  try {
    kcfg = loadKubeConfig({ content: settings.kubeconfig, context: settings.context, tempRoot: workDir });
  } catch (e) {
    // First line only: a YAML parser's later lines quote the (secret) content.
    throw new PhaseStop(
      'refused',
      `the kubeconfig cannot be used: ${describeError(e)}`,
      "fix input 'kubeconfig' or 'context' (or KUBECONFIG) and run again",
    );
  }
  for (const w of kcfg.warnings) warn(w);
  const kube = new Kube(kcfg.kc);
  try {
    await kube.checkCredentials();
  } catch (e) {
    kcfg.cleanup();
    if (e instanceof CredentialPluginError) for (const line of pluginOutputLines(e)) log.info(line);
    throw new PhaseStop(
      'refused',
      `the kubeconfig cannot be used: ${(e as Error).message}`,
      "fix the kubeconfig's credentials (input 'kubeconfig', or KUBECONFIG) and run again; nothing was read or changed",
    );
  }
  return { kcfg, kube };
}

/** The report a run starts with: the input warnings, the run's link, the newer chart line. */
function startReport(settings: Settings, front: FrontDoor, inputWarnings: readonly string[]) {
  const report = newReport(settings.release, settings.namespace, settings.phase);
  /** A warning in the log and in the summary's warning list. */
  const warn = (message: string): void => {
    front.log.warning(message);
    report.warnings.push(message);
  };
  report.warnings.push(...inputWarnings);
  report.runUrl = front.runUrl;
  report.newerChartLine = settings.newerChartLine;
  if (settings.newerChartLine) front.log.warning(settings.newerChartLine);
  for (const w of front.warnings) warn(w);
  return { report, warn };
}

/** Runs the phase; `inputWarnings` (inputs this phase does not read) are already in the log. */
export async function runPhase(
  settings: Settings,
  front: FrontDoor,
  inputWarnings: readonly string[] = [],
): Promise<void> {
  const { kubeconfig: _kubeconfig, context, githubToken: _token, prNumber: _prNumber, ...phaseSettings } = settings;
  const { release, namespace } = settings;
  const { log } = front;
  const { report, warn } = startReport(settings, front, inputWarnings);
  const temp = front.tempDir;
  const workDir = mkdtempSync(join(temp, 'vcluster-etcd-migrate-'));
  const backupDir = settings.backupDir ?? join(temp, 'vcluster-etcd-migrate-backup');
  let kcfg: LoadedKubeConfig | undefined;
  let outcome: Outcome;
  let stopped = false;
  try {
    await checkBackupDir(settings, backupDir);
    const opened = await openKube(settings, workDir, log, warn);
    kcfg = opened.kcfg;
    const kube = opened.kube;
    const helm = new Helm(execRunner('helm'), { kubeconfig: kcfg.path, context });
    const runId = front.runId;
    const deps: PhaseDeps = {
      settings: phaseSettings,
      kube: releaseKube(kube, namespace, release),
      helm: releaseHelm(helm, { release, namespace, chart: settings.chart, version: settings.chartVersion.text }),
      runId,
      workDir,
      backupDir,
      helmDriver: process.env.HELM_DRIVER,
      report,
      log,
      store: new StateStore(kube, namespace, release, runId),
      etcd: etcdOps(kube, { namespace, release, chartVersion: settings.chartVersion.text, log: (m) => log.info(m) }),
      approvals: front.approvals,
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
  await front.finish({
    status: report.status,
    report,
    summary,
    outputs: outputs(report, summary),
    failure: stopped ? `${report.status}: ${report.headline}${report.next ? `. Next: ${report.next}` : ''}` : undefined,
  });
}
