// The upgrade of a phase, started or resumed (a killed one settled and run again), recorded in the
// state store: helm upgrade --wait with explicit values, and the guide's remedy for
// `StatefulSet.apps "..." is invalid: spec: Forbidden`: delete that StatefulSet with orphan
// propagation (its pods keep running) and upgrade once more.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PhaseDeps } from './deps.ts';
import { step } from './deps.ts';
import { PhaseStop } from './outcome.ts';
import { HelmError, forbiddenStatefulSet } from '../../adapters/helm/helm.ts';
import { valuesDigest, valuesYaml, type Values } from '../../core/migration/values.ts';
import { interruptedUpgradeRefusal, type Decision } from '../../core/migration/decide.ts';
import { helmDriver } from '../../adapters/helm/record.ts';
import { PHASE_TEXT, phaseSlug, type MigrationPhase, type StateRecord } from '../../core/migration/state.ts';
import { valuesView } from '../../report/values-view.ts';
import type { Inspection } from './inspect.ts';
import { recordPhaseOne, recordUpgradeProgress } from './record.ts';

/** Per phase: the command that runs it and what to do when its upgrade does not finish. */
const PHASES = {
  phase1: {
    command: 'migrate',
    remedy:
      'fix what the findings name (a Pending PVC needs a StorageClass that provisions it or a PersistentVolume that fits it), then run migrate again: it resumes at the wait for the success line. The deployed etcd still holds the data; finalize stays refused',
  },
  phase2: {
    command: 'finalize',
    remedy:
      'fix what the findings name (an unschedulable pod needs a node it fits on; a Pending PVC a volume), then run finalize again: it runs the phase-two upgrade again from the last deployed revision and then checks that the deployed etcd is gone. The embedded etcd holds the data; the deployed etcd PVCs were not touched',
  },
} as const;

/**
 * Records a finished upgrade. For phase one also the control-plane pod helm's --wait ended with:
 * that pod runs the copy and logs the line, so a pod with another uid later is a replacement.
 */
async function recordUpgraded(deps: PhaseDeps, phase: MigrationPhase, event: string): Promise<void> {
  const upgradedAt = new Date().toISOString();
  if (phase === 'phase2') return recordUpgradeProgress(deps, phase, { status: 'upgraded', upgradedAt }, event);
  const pod = await deps.kube.embeddedPod().catch(() => undefined);
  await recordPhaseOne(deps, { status: 'upgraded', upgradedAt, ...(pod ? { upgradedPodUid: pod.uid } : {}) }, event);
}

export function writeValuesFile(deps: PhaseDeps, phase: MigrationPhase, values: Values): string {
  const { settings } = deps;
  // values-dir: where a GitOps user picks the files up to commit them; still readable by this user only.
  const dir = settings.valuesDir ?? deps.workDir;
  if (settings.valuesDir) mkdirSync(dir, { recursive: true });
  const file = join(dir, `${settings.release}-${phaseSlug(phase)}-values.yaml`);
  const yaml = valuesYaml(values);
  writeFileSync(file, yaml, { mode: 0o600 });
  chmodSync(file, 0o600); // writeFileSync's mode applies only to a new file
  const view = valuesView(`Values ${PHASE_TEXT[phase]}`, values, file);
  deps.report.values.push(view);
  // The log shows what the summary and the PR comment show: the keys the migration sets, never the rest.
  deps.log.info(
    `${view.label}: the keys the migration sets (the full values are in ${file}, mode 0600):\n${valuesYaml(view.set).trimEnd()}`,
  );
  return file;
}

export async function upgrade(
  deps: PhaseDeps,
  phase: MigrationPhase,
  valuesFile: string,
  dryRun = false,
): Promise<void> {
  const { settings, helm, kube } = deps;
  const request = { valuesFile, timeoutMs: settings.timeoutMs, dryRun };
  await step(deps, `helm upgrade (${PHASE_TEXT[phase]})${dryRun ? ' --dry-run=server' : ''}`, async () => {
    deps.log.info(
      `helm upgrade ${settings.release} to chart ${settings.chartVersion.text} with ${valuesFile}${dryRun ? ' (dry run on the server)' : `, --wait up to ${Math.round(settings.timeoutMs / 1000)}s`}`,
    );
    try {
      await helm.upgrade(request);
    } catch (e) {
      const sts = e instanceof HelmError ? forbiddenStatefulSet(e.stderr) : undefined;
      if (!sts || dryRun) throw e;
      if (!settings.orphanOnForbidden) {
        throw new Error(
          `${(e as Error).message}. The guide's remedy is to delete StatefulSet ${sts} with orphan propagation (pods keep running) and upgrade again; set orphan-on-forbidden: true to let the action do that`,
        );
      }
      deps.log.warning(
        `helm could not patch StatefulSet ${sts} (spec: Forbidden). Deleting it with propagationPolicy=Orphan, so its pods and PVCs stay, then upgrading once more.`,
      );
      await kube.deleteStatefulSetOrphan(sts);
      deps.report.warnings.push(
        `StatefulSet ${sts} was deleted with orphan propagation (its pods kept running) after "spec: Forbidden", and the upgrade was retried once.`,
      );
      await helm.upgrade(request);
    }
  });
}

/**
 * The upgrade of a phase, recorded. When it does not finish, say why from the control plane's pod
 * and PVC (helm itself says only "context deadline exceeded"), record the failure, and stop.
 */
async function upgradeOrExplain(deps: PhaseDeps, phase: MigrationPhase, valuesFile: string): Promise<void> {
  const text = PHASE_TEXT[phase];
  try {
    await upgrade(deps, phase, valuesFile);
  } catch (e) {
    const why = await deps.kube.diagnoseControlPlane();
    deps.report.details.push(...why.details);
    for (const line of why.details) deps.log.info(line);
    const cause = [...why.findings, (e as Error).message].join('; ');
    await recordUpgradeProgress(
      deps,
      phase,
      { status: 'failed', failure: cause.slice(0, 300) },
      `${text} upgrade failed`,
    );
    throw new PhaseStop(
      'failed',
      `the ${phaseSlug(phase)} helm upgrade did not finish: ${cause}`,
      PHASES[phase].remedy,
    );
  }
  await recordUpgraded(deps, phase, `${text} upgrade applied`);
}

/** A phase started from the beginning: its values file, the record `started` writes, and the upgrade. */
export async function startUpgrade(
  deps: PhaseDeps,
  phase: MigrationPhase,
  values: Values,
  started: (st: StateRecord) => StateRecord,
): Promise<void> {
  const file = writeValuesFile(deps, phase, values);
  await deps.store.update(started, `${PHASE_TEXT[phase]} started`);
  await upgradeOrExplain(deps, phase, file);
}

/**
 * A phase resumed: said in the log and the report, and an interrupted upgrade of it finished from
 * the revision the preflight read.
 */
export async function resumeUpgrade(
  deps: PhaseDeps,
  phase: MigrationPhase,
  decision: Extract<Decision, { kind: 'resume' }>,
  inspection: Inspection,
  recordedDigest: string | undefined,
): Promise<void> {
  deps.log.info(`Resuming: ${decision.why}`);
  deps.report.warnings.push(`Resumed: ${decision.why}.`);
  if (decision.at !== 'interrupted-upgrade') return;
  const last = { ...inspection.view.release!, values: inspection.userValues, settle: decision.settle };
  await finishInterruptedUpgrade(deps, phase, last, recordedDigest);
}

/** The last revision of the release, as the phase found it: an upgrade of ours that did not finish. */
interface InterruptedRevision {
  revision: number;
  status: string;
  chartVersion: string;
  values: Values;
  /** The revision to record as failed first (helm refuses every upgrade while it is pending). */
  settle?: number;
}

/**
 * A run killed during `helm upgrade` leaves the release pending-upgrade. When the revision holds
 * exactly the values this migration recorded, record it as failed (as helm records an upgrade that
 * did not finish) and run the same upgrade again: helm diffs it against the last deployed revision
 * and the live objects, so the release ends in exactly the intended objects wherever the kill
 * landed (before, during or after the apply, or in the wait).
 */
async function finishInterruptedUpgrade(
  deps: PhaseDeps,
  phase: MigrationPhase,
  last: InterruptedRevision,
  recordedDigest: string | undefined,
): Promise<void> {
  const { settings } = deps;
  const text = PHASE_TEXT[phase];
  const command = PHASES[phase].command;
  const refusal = interruptedUpgradeRefusal({
    label: text,
    phase: command,
    release: settings.release,
    namespace: settings.namespace,
    revision: last.revision,
    status: last.status,
    digest: valuesDigest(last.values),
    recordedDigest,
    chartVersion: last.chartVersion,
    inputChartVersion: settings.chartVersion.text,
  });
  if (refusal) throw new PhaseStop('refused', refusal.why, refusal.remedy);
  const settle = last.settle;
  if (settle !== undefined) {
    const driver = helmDriver(deps.helmDriver);
    if (!driver) {
      throw new PhaseStop(
        'refused',
        `release ${settings.release} is pending-upgrade at revision ${settle} and HELM_DRIVER=${deps.helmDriver} keeps Helm's records where this action cannot settle them`,
        `mark revision ${settle} failed in Helm's storage by hand (or unset HELM_DRIVER if the release is stored in Secrets), then run ${command} again`,
      );
    }
    await step(deps, `record the interrupted ${text} upgrade (revision ${settle}) as failed`, async () => {
      deps.log.info(
        `Revision ${settle} of ${settings.release} is pending-upgrade: its helm upgrade was killed. Recording it as failed in Helm's ${driver} record, so the next upgrade diffs against the last deployed revision.`,
      );
      await deps.kube.settlePendingAsFailed(
        driver,
        settle,
        `Upgrade "${settings.release}" failed: interrupted (the process running it was killed); recorded as failed by vcluster-etcd-migrate run ${deps.runId}, which upgrades again`,
      );
    });
  }
  const file = writeValuesFile(deps, phase, last.values);
  deps.report.warnings.push(
    `The ${text} helm upgrade of an earlier run did not finish (revision ${last.revision}, ${last.status}); this run ${settle !== undefined ? 'recorded that revision as failed and ' : ''}ran the upgrade again with the same values, from the last deployed revision.`,
  );
  await upgradeOrExplain(deps, phase, file);
}
