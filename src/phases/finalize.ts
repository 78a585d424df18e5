// Phase two: only after a verified phase one, a verified approval and a healthy embedded etcd
// whose key counts still match. Removes the migration flag; Helm deletes the deployed etcd
// StatefulSet and Services; the PVCs stay unless the user asked to delete them.
import type { Deps } from './steps/deps.ts';
import { censusStep, step, PhaseStop } from './steps/deps.ts';
import { decideFinalize } from '../core/migration/decide.ts';
import { valuesDigest, type PhaseValues } from '../core/migration/values.ts';
import { diffCensus } from '../core/migration/census.ts';
import { recordPhase, resumeUpgrade, startUpgrade } from './steps/upgrade.ts';
import { openPhase, underLock } from './steps/open.ts';
import { names, type ClusterView } from '../core/migration/cluster-view.ts';
import type { ApprovalVerdict } from '../core/migration/approval.ts';
import type { StateRecord } from '../core/migration/state.ts';

export async function finalize(d: Deps): Promise<void> {
  const opened = await openPhase(d, 'finalize', decideFinalize, (failed) =>
    failed.filter((c) => ['permissions', 'helm version', 'values', 'storage class'].includes(c.name)),
  );
  if (!opened) return;
  const { g, state, decision } = opened;
  const verdict = await checkApproval(d);

  await underLock(d, 'finalize', state, async () => {
    const values = g.values as PhaseValues;
    if (decision.kind === 'start') await startPhaseTwo(d, state, values, verdict);
    else await resumeUpgrade(d, 'phase two', decision, g, state.phase2?.valuesDigest);
    const v = await waitForDeployedEtcdGone(d);
    await finishPhaseTwo(d, state, v);
  });
}

/** The approval gate: phase two runs only with the verdict's checks passed (or bypassed on request). */
async function checkApproval(d: Deps): Promise<ApprovalVerdict> {
  const s = d.settings;
  const r = d.report;
  const verdict = await step(
    d,
    'approval',
    () => d.approvals.verify(s.approvalEnvironment ?? '', s.requireApproval),
    (v) => (v.bypassed ? 'bypassed (require-approval: false)' : `approved by ${v.approvers.join(', ')}`),
  );
  for (const c of verdict.checks) r.checks.push({ name: `approval: ${c.name}`, state: c.state, reason: c.reason });
  if (!verdict.ok) {
    const missing = verdict.checks
      .filter((c) => c.state === 'failed')
      .map((c) => c.reason)
      .join('; ');
    if (verdict.waiting)
      throw new PhaseStop(
        'waiting',
        `phase two waits for an approval: ${missing}`,
        'give the approval the checks name',
      );
    throw new PhaseStop(
      'refused',
      `phase two is not approved: ${missing}`,
      'get the approval the checks name, then re-run the finalize job',
    );
  }
  r.approvalBypassed = verdict.bypassed;
  r.approvers = verdict.approvers;
  return verdict;
}

/** The embedded etcd counted against the phase-one record, the record that phase two started, and the upgrade. */
async function startPhaseTwo(
  d: Deps,
  state: StateRecord,
  values: PhaseValues,
  verdict: ApprovalVerdict,
): Promise<void> {
  const s = d.settings;
  const r = d.report;
  const n = names(s.release);
  // The embedded etcd is counted again against the phase-one record: nothing may have gone since.
  const now = await censusStep(d, 'embedded');
  const recorded = state.phase1!.deployedAtSuccess ?? state.phase1!.before;
  if (recorded) {
    const diff = diffCensus(recorded, now, s.volatilePrefixes);
    r.diff = diff;
    r.keysBefore = recorded.total;
    r.keysAfter = now.total;
    if (!diff.ok) {
      throw new PhaseStop(
        'refused',
        `the embedded etcd (pod ${n.embeddedPod}) now has fewer keys than the deployed etcd had at the copy in ${diff.lost.map((x) => `${x.group} (${x.before} → ${x.after})`).join(', ')}`,
        `nothing was changed: StatefulSet ${n.etcdSts} still holds every key as of the copy. Find what removed those keys in the virtual cluster (its events and audit log); finalize compares with the copy each time and goes on once those groups hold at least as many keys again`,
      );
    }
  }
  await startUpgrade(d, 'phase two', values.phase2, (st) => ({
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
async function waitForDeployedEtcdGone(d: Deps): Promise<Omit<ClusterView, 'release' | 'store'>> {
  const s = d.settings;
  const n = names(s.release);
  // The last observation of the wait is also what the PVC report reads: no second round of calls.
  return step(d, 'verify the deployed etcd is gone', async () => {
    const deadline = Date.now() + s.timeoutMs;
    for (;;) {
      const seen = await d.kube.observe(s.namespace, s.release);
      const left = [
        ...(seen.deployedEtcd ? [`StatefulSet ${n.etcdSts}`] : []),
        ...seen.etcdServices.map((x) => `Service ${x}`),
        ...seen.etcdPods.map((p) => `Pod ${p.name}`),
      ];
      const ready = seen.embeddedPod?.ready === true;
      if (left.length === 0 && ready) return seen;
      if (Date.now() > deadline) {
        throw new Error(
          `after the phase-two upgrade these still exist: ${left.join(', ') || 'none'}; embedded pod ${n.embeddedPod} ready: ${ready}. Check helm history ${s.release} -n ${s.namespace} and kubectl -n ${s.namespace} get events, then run finalize again: it resumes at this check`,
        );
      }
      await new Promise((res) => setTimeout(res, 2000));
    }
  });
}

/** The deployed etcd's PVCs deleted (if asked) or listed, and phase two recorded as verified. */
async function finishPhaseTwo(d: Deps, state: StateRecord, v: Omit<ClusterView, 'release' | 'store'>): Promise<void> {
  const s = d.settings;
  const r = d.report;
  const n = names(s.release);
  let leftover = v.etcdPvcs.map((p) => p.name);
  const deleted: string[] = [];
  if (s.deleteEtcdPvcs && leftover.length > 0) {
    await step(
      d,
      'delete the deployed etcd PVCs',
      async () => {
        for (const p of leftover) {
          await d.kube.deletePvc(s.namespace, p);
          deleted.push(p);
        }
      },
      () => `deleted ${deleted.join(', ')}`,
    );
    leftover = [];
  }
  r.leftoverPvcs = leftover;
  await recordPhase(
    d,
    'phase two',
    { status: 'verified', verifiedAt: new Date().toISOString(), leftoverPvcs: leftover, deletedPvcs: deleted },
    'phase two verified',
  );
  r.logLine = state.phase1?.logLine;
  r.lostLogLine = state.phase1?.lostLogLine;
  r.status = 'succeeded';
  r.headline = `The release runs on embedded etcd; StatefulSet ${n.etcdSts} and its Services are gone.`;
  r.next =
    leftover.length > 0
      ? `the deployed etcd's PVCs (${leftover.join(', ')}) still hold its data; delete them when you no longer need a way back`
      : 'nothing; the migration is complete';
}
