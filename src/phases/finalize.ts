// Phase two: only after a verified phase one, a verified approval and a healthy embedded etcd
// whose key counts still match. Removes the migration flag; Helm deletes the deployed etcd
// StatefulSet and Services; the PVCs stay unless the user asked to delete them.
import type { PhaseDeps } from './steps/deps.ts';
import { censusStep, holdCensus, step } from './steps/deps.ts';
import { PhaseStop } from './steps/outcome.ts';
import { decideFinalize } from '../core/migration/decide.ts';
import { valuesDigest, type PhaseValues } from '../core/migration/values.ts';
import { resumeUpgrade, startUpgrade } from './steps/upgrade.ts';
import { recordPhaseTwo } from './steps/record.ts';
import { openPhase, underLock } from './steps/open.ts';
import { checkApproval } from './steps/approval-gate.ts';
import { objectNames, type ObservedObjects } from '../core/migration/cluster-view.ts';
import type { ApprovalVerdict } from '../core/migration/approval.ts';
import type { StateRecord } from '../core/migration/state.ts';
import type { CheckName } from '../core/migration/preflight.ts';
import type { Outcome } from '../report/report.ts';

/** The checks that still stop phase two: the release itself may already be half-way (embedded etcd on). */
const BLOCKING_FOR_FINALIZE: CheckName[] = ['permissions', 'helm version', 'values', 'storage class'];

export async function finalize(deps: PhaseDeps): Promise<Outcome> {
  const opened = await openPhase(deps, 'finalize', decideFinalize, (failed) =>
    failed.filter((c) => BLOCKING_FOR_FINALIZE.includes(c.name)),
  );
  if ('done' in opened) return opened.done;
  const { inspection, state, decision } = opened;
  const verdict = await checkApproval(deps, 'phase two', 'finalize');

  return underLock(deps, 'finalize', state, async () => {
    const values = inspection.values as PhaseValues;
    if (decision.kind === 'start') await startPhaseTwo(deps, state, values, verdict);
    else await resumeUpgrade(deps, 'phase2', decision, inspection, state.phase2?.valuesDigest);
    const observed = await waitForDeployedEtcdGone(deps);
    return finishPhaseTwo(deps, state, observed);
  });
}

/** The embedded etcd counted against the phase-one record, the record that phase two started, and the upgrade. */
async function startPhaseTwo(
  deps: PhaseDeps,
  state: StateRecord,
  values: PhaseValues,
  verdict: ApprovalVerdict,
): Promise<void> {
  const { settings } = deps;
  const objects = objectNames(settings.release);
  // The embedded etcd is counted again against the phase-one record: nothing may have gone since.
  const now = await censusStep(deps, 'embedded');
  const recorded = state.phase1!.deployedAtSuccess ?? state.phase1!.before;
  if (recorded) {
    holdCensus(
      deps,
      recorded,
      now,
      (groups) =>
        new PhaseStop(
          'refused',
          `the embedded etcd (pod ${objects.embeddedPod}) now has fewer keys than the deployed etcd had at the copy in ${groups}`,
          `nothing was changed: StatefulSet ${objects.etcdSts} still holds every key as of the copy. Find what removed those keys in the virtual cluster (its events and audit log); finalize compares with the copy each time and goes on once those groups hold at least as many keys again`,
        ),
    );
  }
  await startUpgrade(deps, 'phase2', values.phase2, (st) => ({
    ...st,
    phase2: {
      status: 'started',
      startedAt: new Date().toISOString(),
      valuesDigest: valuesDigest(values.phase2),
      approvedBy: verdict.approvers,
      approvalBypassed: verdict.bypassed,
      census: now,
    },
  }));
}

/** Waits until Helm has removed the deployed etcd and the embedded pod is Ready; gives the last observation. */
async function waitForDeployedEtcdGone(deps: PhaseDeps): Promise<ObservedObjects> {
  const { settings } = deps;
  const objects = objectNames(settings.release);
  // The last observation of the wait is also what the PVC report reads: no second round of calls.
  return step(deps, 'verify the deployed etcd is gone', async () => {
    const deadline = Date.now() + settings.timeoutMs;
    for (;;) {
      const seen = await deps.kube.observe();
      const left = [
        ...(seen.deployedEtcd ? [`StatefulSet ${objects.etcdSts}`] : []),
        ...seen.etcdServices.map((x) => `Service ${x}`),
        ...seen.etcdPods.map((p) => `Pod ${p.name}`),
      ];
      const ready = seen.embeddedPod?.ready === true;
      if (left.length === 0 && ready) return seen;
      if (Date.now() > deadline) {
        throw new Error(
          `after the phase-two upgrade these still exist: ${left.join(', ') || 'none'}; embedded pod ${objects.embeddedPod} ready: ${ready}. Check helm history ${settings.release} -n ${settings.namespace} and kubectl -n ${settings.namespace} get events, then run finalize again: it resumes at this check`,
        );
      }
      await new Promise((res) => setTimeout(res, 2000));
    }
  });
}

/** The deployed etcd's PVCs deleted (if asked) or listed, and phase two recorded as verified. */
async function finishPhaseTwo(deps: PhaseDeps, state: StateRecord, observed: ObservedObjects): Promise<Outcome> {
  const { settings, report } = deps;
  const objects = objectNames(settings.release);
  let leftover = observed.etcdPvcs.map((p) => p.name);
  const deleted: string[] = [];
  if (settings.deleteEtcdPvcs && leftover.length > 0) {
    await step(
      deps,
      'delete the deployed etcd PVCs',
      async () => {
        for (const pvc of leftover) {
          await deps.kube.deletePvc(pvc);
          deleted.push(pvc);
        }
      },
      () => `deleted ${deleted.join(', ')}`,
    );
    leftover = [];
  }
  report.leftoverPvcs = leftover;
  await recordPhaseTwo(
    deps,
    { status: 'verified', verifiedAt: new Date().toISOString(), leftoverPvcs: leftover, deletedPvcs: deleted },
    'phase two verified',
  );
  report.logLine = state.phase1?.logLine;
  report.lostLogLine = state.phase1?.lostLogLine;
  return {
    status: 'succeeded',
    headline: `The release runs on embedded etcd; StatefulSet ${objects.etcdSts} and its Services are gone.`,
    next:
      leftover.length > 0
        ? `the deployed etcd's PVCs (${leftover.join(', ')}) still hold its data; delete them when you no longer need a way back`
        : 'nothing; the migration is complete',
  };
}
