// helm upgrade --wait with explicit values, and the guide's remedy for
// `StatefulSet.apps "..." is invalid: spec: Forbidden`: delete that StatefulSet with orphan
// propagation (its pods keep running) and upgrade once more.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from '../context.ts';
import { PhaseStop, step } from '../context.ts';
import { HelmError, forbiddenStatefulSet } from '../helm.ts';
import { diagnoseControlPlane } from '../control-plane-diagnosis.ts';
import { valuesDigest, valuesYaml, type Values } from '../values.ts';
import type { PhaseOneRecord, PhaseTwoRecord, StateRecord } from '../state.ts';
import { names } from '../cluster-view.ts';

export type PhaseLabel = 'phase one' | 'phase two';

function patchPhase(st: StateRecord, label: PhaseLabel, patch: Partial<PhaseOneRecord> & Partial<PhaseTwoRecord>): StateRecord {
  return label === 'phase one' ? { ...st, phase1: { ...st.phase1!, ...patch } } : { ...st, phase2: { ...st.phase2!, ...patch } };
}

/**
 * Records a finished upgrade. For phase one also the control-plane pod helm's --wait ended with:
 * that pod runs the copy and logs the line, so a pod with another uid later is a replacement.
 */
async function recordUpgraded(d: Deps, label: PhaseLabel, event: string): Promise<void> {
  const pod = label === 'phase one'
    ? await d.kube.pod(d.settings.namespace, names(d.settings.release).embeddedPod).catch(() => undefined)
    : undefined;
  await d.store.update((st) => patchPhase(st, label, { status: 'upgraded', upgradedAt: new Date().toISOString(), ...(pod ? { upgradedPodUid: pod.uid } : {}) }), event);
}

export function writeValuesFile(d: Deps, label: string, values: Values): string {
  // values-dir: where a GitOps user picks the files up to commit them; still readable by this user only.
  const dir = d.settings.valuesDir ?? d.workDir;
  if (d.settings.valuesDir) mkdirSync(dir, { recursive: true });
  const file = join(dir, `${d.settings.release}-${label.replace(/\s+/g, '-')}-values.yaml`);
  const yaml = valuesYaml(values);
  writeFileSync(file, yaml, { mode: 0o600 });
  chmodSync(file, 0o600);
  d.report.values.push({ label: `Values ${label}`, yaml, file });
  return file;
}

export async function upgrade(d: Deps, label: string, valuesFile: string, dryRun = false): Promise<void> {
  const s = d.settings;
  const req = { release: s.release, namespace: s.namespace, chart: s.chart, version: s.chartVersion.text, valuesFile, timeoutMs: s.timeoutMs, dryRun };
  await step(d, `helm upgrade (${label})${dryRun ? ' --dry-run=server' : ''}`, async () => {
    d.log.info(`helm upgrade ${s.release} to chart ${s.chartVersion.text} with ${valuesFile}${dryRun ? ' (dry run on the server)' : `, --wait up to ${Math.round(s.timeoutMs / 1000)}s`}`);
    try {
      await d.helm.upgrade(req);
    } catch (e) {
      const sts = e instanceof HelmError ? forbiddenStatefulSet(e.stderr) : undefined;
      if (!sts || dryRun) throw e;
      if (!s.orphanOnForbidden) {
        throw new Error(`${(e as Error).message}. The guide's remedy is to delete StatefulSet ${sts} with orphan propagation (pods keep running) and upgrade again; set orphan-on-forbidden: true to let the action do that`);
      }
      d.log.warning(`helm could not patch StatefulSet ${sts} (spec: Forbidden). Deleting it with propagationPolicy=Orphan, so its pods and PVCs stay, then upgrading once more.`);
      await d.kube.deleteStatefulSetOrphan(s.namespace, sts);
      d.report.warnings.push(`StatefulSet ${sts} was deleted with orphan propagation (its pods kept running) after "spec: Forbidden", and the upgrade was retried once.`);
      await d.helm.upgrade(req);
    }
  });
}

/**
 * The upgrade of a phase, recorded. When it does not finish, say why from the control plane's pod
 * and PVC (helm itself says only "context deadline exceeded"), record the failure, and stop.
 */
export async function upgradeOrExplain(d: Deps, label: PhaseLabel, valuesFile: string, remedy: string): Promise<void> {
  try {
    await upgrade(d, label, valuesFile);
  } catch (e) {
    const why = await diagnoseControlPlane(d.kube, d.settings.namespace, d.settings.release);
    d.report.details.push(...why.details);
    for (const line of why.details) d.log.info(line);
    const cause = [...why.findings, (e as Error).message].join('; ');
    await d.store.update((st) => patchPhase(st, label, { status: 'failed', failure: cause.slice(0, 300) }), `${label} upgrade failed`);
    throw new PhaseStop('failed', `the ${label.replace(' ', '-')} helm upgrade did not finish: ${cause}`, remedy);
  }
  await recordUpgraded(d, label, `${label} upgrade applied`);
}

/**
 * A run killed during `helm upgrade --wait` leaves the release pending-upgrade. When the pending
 * revision holds exactly the values this migration recorded, apply that revision again (helm
 * rollback to itself): the objects stay as they are and the release becomes deployed.
 */
export async function finishInterruptedUpgrade(d: Deps, label: PhaseLabel, pending: { revision: number; values: Values }, recordedDigest: string | undefined, phase: 'migrate' | 'finalize'): Promise<void> {
  const s = d.settings;
  const digest = valuesDigest(pending.values);
  if (digest !== recordedDigest) {
    throw new PhaseStop('refused', `release ${s.release} is pending-upgrade at revision ${pending.revision}, but its values (${digest}) are not the ${label} values this migration recorded (${recordedDigest ?? 'none'})`,
      `someone else's Helm operation was interrupted: inspect helm history ${s.release} -n ${s.namespace}, finish or roll it back, then run ${phase} again`);
  }
  await step(d, `helm rollback to revision ${pending.revision} (finish the interrupted ${label} upgrade)`, async () => {
    d.log.info(`helm rollback ${s.release} ${pending.revision}: revision ${pending.revision} holds the ${label} values; applying it again, --wait up to ${Math.round(s.timeoutMs / 1000)}s`);
    await d.helm.rollback(s.release, s.namespace, pending.revision, s.timeoutMs);
  });
  d.report.warnings.push(`The ${label} helm upgrade of an earlier run was interrupted (release pending-upgrade at revision ${pending.revision}); this run applied that revision again with helm rollback.`);
  await recordUpgraded(d, label, `interrupted ${label} upgrade applied again`);
}
