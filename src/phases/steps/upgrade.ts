// The upgrade of a phase, started or resumed (a killed one settled and run again), recorded in the
// state store: helm upgrade --wait with explicit values, and the guide's remedy for
// `StatefulSet.apps "..." is invalid: spec: Forbidden`: delete that StatefulSet with orphan
// propagation (its pods keep running) and upgrade once more.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from './deps.ts';
import { PhaseStop, step } from './deps.ts';
import { HelmError, forbiddenStatefulSet } from '../../adapters/helm/helm.ts';
import { diagnoseControlPlane } from '../../adapters/kube/control-plane-diagnosis.ts';
import { valuesDigest, valuesYaml, type Values } from '../../core/migration/values.ts';
import { interruptedUpgradeRefusal, type Decision } from '../../core/migration/decide.ts';
import { helmDriver } from '../../adapters/helm/record.ts';
import { settlePendingAsFailed } from '../../adapters/helm/storage.ts';
import type { PhaseOneRecord, PhaseTwoRecord, StateRecord } from '../../core/migration/state.ts';
import { names } from '../../core/migration/cluster-view.ts';
import { valuesView } from '../../report/values-view.ts';
import type { Gathered } from './gather.ts';

export type PhaseLabel = 'phase one' | 'phase two';

/** Per phase: the command that runs it and what to do when its upgrade does not finish. */
const PHASES = {
  'phase one': {
    command: 'migrate',
    remedy:
      'fix what the findings name (a Pending PVC needs a StorageClass that provisions it or a PersistentVolume that fits it), then run migrate again: it resumes at the wait for the success line. The deployed etcd still holds the data; finalize stays refused',
  },
  'phase two': {
    command: 'finalize',
    remedy:
      'fix what the findings name (an unschedulable pod needs a node it fits on; a Pending PVC a volume), then run finalize again: it resumes at the check that the deployed etcd is gone. The embedded etcd holds the data; the deployed etcd PVCs were not touched',
  },
} as const;

/** Records `patch` over the phase's record in the state store. */
export async function recordPhase(
  d: Deps,
  label: PhaseLabel,
  patch: Partial<PhaseOneRecord> & Partial<PhaseTwoRecord>,
  event: string,
): Promise<void> {
  await d.store.update(
    (st: StateRecord) =>
      label === 'phase one'
        ? { ...st, phase1: { ...st.phase1!, ...patch } }
        : { ...st, phase2: { ...st.phase2!, ...patch } },
    event,
  );
}

/**
 * Records a finished upgrade. For phase one also the control-plane pod helm's --wait ended with:
 * that pod runs the copy and logs the line, so a pod with another uid later is a replacement.
 */
async function recordUpgraded(d: Deps, label: PhaseLabel, event: string): Promise<void> {
  const pod =
    label === 'phase one'
      ? await d.kube.pod(d.settings.namespace, names(d.settings.release).embeddedPod).catch(() => undefined)
      : undefined;
  await recordPhase(
    d,
    label,
    { status: 'upgraded', upgradedAt: new Date().toISOString(), ...(pod ? { upgradedPodUid: pod.uid } : {}) },
    event,
  );
}

export function writeValuesFile(d: Deps, label: string, values: Values): string {
  // values-dir: where a GitOps user picks the files up to commit them; still readable by this user only.
  const dir = d.settings.valuesDir ?? d.workDir;
  if (d.settings.valuesDir) mkdirSync(dir, { recursive: true });
  const file = join(dir, `${d.settings.release}-${label.replace(/\s+/g, '-')}-values.yaml`);
  const yaml = valuesYaml(values);
  writeFileSync(file, yaml, { mode: 0o600 });
  chmodSync(file, 0o600); // writeFileSync's mode applies only to a new file
  const view = valuesView(`Values ${label}`, values, file);
  d.report.values.push(view);
  // The log shows what the summary and the PR comment show: the keys the migration sets, never the rest.
  d.log.info(
    `${view.label}: the keys the migration sets (the full values are in ${file}, mode 0600):\n${valuesYaml(view.set).trimEnd()}`,
  );
  return file;
}

export async function upgrade(d: Deps, label: string, valuesFile: string, dryRun = false): Promise<void> {
  const s = d.settings;
  const req = {
    release: s.release,
    namespace: s.namespace,
    chart: s.chart,
    version: s.chartVersion.text,
    valuesFile,
    timeoutMs: s.timeoutMs,
    dryRun,
  };
  await step(d, `helm upgrade (${label})${dryRun ? ' --dry-run=server' : ''}`, async () => {
    d.log.info(
      `helm upgrade ${s.release} to chart ${s.chartVersion.text} with ${valuesFile}${dryRun ? ' (dry run on the server)' : `, --wait up to ${Math.round(s.timeoutMs / 1000)}s`}`,
    );
    try {
      await d.helm.upgrade(req);
    } catch (e) {
      const sts = e instanceof HelmError ? forbiddenStatefulSet(e.stderr) : undefined;
      if (!sts || dryRun) throw e;
      if (!s.orphanOnForbidden) {
        throw new Error(
          `${(e as Error).message}. The guide's remedy is to delete StatefulSet ${sts} with orphan propagation (pods keep running) and upgrade again; set orphan-on-forbidden: true to let the action do that`,
        );
      }
      d.log.warning(
        `helm could not patch StatefulSet ${sts} (spec: Forbidden). Deleting it with propagationPolicy=Orphan, so its pods and PVCs stay, then upgrading once more.`,
      );
      await d.kube.deleteStatefulSetOrphan(s.namespace, sts);
      d.report.warnings.push(
        `StatefulSet ${sts} was deleted with orphan propagation (its pods kept running) after "spec: Forbidden", and the upgrade was retried once.`,
      );
      await d.helm.upgrade(req);
    }
  });
}

/**
 * The upgrade of a phase, recorded. When it does not finish, say why from the control plane's pod
 * and PVC (helm itself says only "context deadline exceeded"), record the failure, and stop.
 */
async function upgradeOrExplain(d: Deps, label: PhaseLabel, valuesFile: string): Promise<void> {
  try {
    await upgrade(d, label, valuesFile);
  } catch (e) {
    const why = await diagnoseControlPlane(d.kube, d.settings.namespace, d.settings.release);
    d.report.details.push(...why.details);
    for (const line of why.details) d.log.info(line);
    const cause = [...why.findings, (e as Error).message].join('; ');
    await recordPhase(d, label, { status: 'failed', failure: cause.slice(0, 300) }, `${label} upgrade failed`);
    throw new PhaseStop(
      'failed',
      `the ${label.replace(' ', '-')} helm upgrade did not finish: ${cause}`,
      PHASES[label].remedy,
    );
  }
  await recordUpgraded(d, label, `${label} upgrade applied`);
}

/** A phase started from the beginning: its values file, the record `started` writes, and the upgrade. */
export async function startUpgrade(
  d: Deps,
  label: PhaseLabel,
  values: Values,
  started: (st: StateRecord) => StateRecord,
): Promise<void> {
  const file = writeValuesFile(d, label, values);
  await d.store.update(started, `${label} started`);
  await upgradeOrExplain(d, label, file);
}

/**
 * A phase resumed: said in the log and the report, and an interrupted upgrade of it finished from
 * the revision the preflight read.
 */
export async function resumeUpgrade(
  d: Deps,
  label: PhaseLabel,
  decision: Extract<Decision, { kind: 'resume' }>,
  g: Gathered,
  recordedDigest: string | undefined,
): Promise<void> {
  d.log.info(`Resuming: ${decision.why}`);
  d.report.warnings.push(`Resumed: ${decision.why}.`);
  if (decision.at !== 'interrupted-upgrade') return;
  const last = { ...g.view.release!, values: g.userValues, settle: decision.settle };
  await finishInterruptedUpgrade(d, label, last, recordedDigest);
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
 * A run killed during `helm upgrade` leaves the release pending-upgrade (see decide.ts). When the
 * revision holds exactly the values this migration recorded, record it as failed (as helm records
 * an upgrade that did not finish) and run the same upgrade again: helm diffs it against the last
 * deployed revision and the live objects, so the release ends in exactly the intended objects
 * wherever the kill landed (before, during or after the apply, or in the wait).
 */
async function finishInterruptedUpgrade(
  d: Deps,
  label: PhaseLabel,
  last: InterruptedRevision,
  recordedDigest: string | undefined,
): Promise<void> {
  const s = d.settings;
  const phase = PHASES[label].command;
  const refusal = interruptedUpgradeRefusal({
    label,
    phase,
    release: s.release,
    namespace: s.namespace,
    revision: last.revision,
    status: last.status,
    digest: valuesDigest(last.values),
    recordedDigest,
    chartVersion: last.chartVersion,
    inputChartVersion: s.chartVersion.text,
  });
  if (refusal) throw new PhaseStop('refused', refusal.why, refusal.remedy);
  const settle = last.settle;
  if (settle !== undefined) {
    const driver = helmDriver(process.env.HELM_DRIVER);
    if (!driver) {
      throw new PhaseStop(
        'refused',
        `release ${s.release} is pending-upgrade at revision ${settle} and HELM_DRIVER=${process.env.HELM_DRIVER} keeps Helm's records where this action cannot settle them`,
        `mark revision ${settle} failed in Helm's storage by hand (or unset HELM_DRIVER if the release is stored in Secrets), then run ${phase} again`,
      );
    }
    await step(d, `record the interrupted ${label} upgrade (revision ${settle}) as failed`, async () => {
      d.log.info(
        `Revision ${settle} of ${s.release} is pending-upgrade: its helm upgrade was killed. Recording it as failed in Helm's ${driver} record, so the next upgrade diffs against the last deployed revision.`,
      );
      await settlePendingAsFailed(
        d.kube,
        driver,
        s.namespace,
        s.release,
        settle,
        `Upgrade "${s.release}" failed: interrupted (the process running it was killed); recorded as failed by vcluster-etcd-migrate run ${d.runId}, which upgrades again`,
      );
    });
  }
  const file = writeValuesFile(d, label, last.values);
  d.report.warnings.push(
    `The ${label} helm upgrade of an earlier run did not finish (revision ${last.revision}, ${last.status}); this run ${settle !== undefined ? 'recorded that revision as failed and ' : ''}ran the upgrade again with the same values, from the last deployed revision.`,
  );
  await upgradeOrExplain(d, label, file);
}
