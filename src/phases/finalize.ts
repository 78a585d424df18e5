// Phase two: only after a verified phase one, a verified approval and a healthy embedded etcd
// whose key counts still match. Removes the migration flag; Helm deletes the deployed etcd
// StatefulSet and Services; the PVCs stay unless the user asked to delete them.
import type { Deps } from '../context.ts';
import { step, PhaseStop } from '../context.ts';
import { decideFinalize } from '../decide.ts';
import { failedChecks } from '../preflight.ts';
import { valuesDigest, type PhaseValues } from '../values.ts';
import { diffCensus } from '../census.ts';
import { gather } from './gather.ts';
import { finishInterruptedUpgrade, upgradeOrExplain, writeValuesFile } from './upgrade.ts';
import { fillFromRecord, assertUnchanged } from './migrate.ts';
import { names } from '../cluster-view.ts';
import { gitopsGate } from './gitops-gate.ts';

/** What to do when the phase two upgrade does not finish. */
const P2_REMEDY = 'fix what the findings name (an unschedulable pod needs a node it fits on; a Pending PVC a volume), then run finalize again: it resumes at the check that the deployed etcd is gone. The embedded etcd holds the data; the deployed etcd PVCs were not touched';

export async function finalize(d: Deps): Promise<void> {
  const s = d.settings;
  const r = d.report;
  const g = await step(d, 'preflight', () => gather(d));
  const state = await d.store.load();
  const decision = decideFinalize(state, g.view);
  if (decision.kind === 'noop') {
    fillFromRecord(d);
    r.status = 'no-op';
    r.headline = `Nothing to do: ${decision.why}.`;
    r.next = decision.next;
    return;
  }
  if (decision.kind === 'refuse') throw new PhaseStop('refused', decision.why, decision.remedy);
  gitopsGate(d, g.view, 'finalize');
  const blocking = failedChecks(g.checks).filter((c) => ['permissions', 'helm version', 'values', 'storage class'].includes(c.name));
  if (blocking.length > 0) {
    throw new PhaseStop('refused', `preflight failed: ${blocking.map((c) => `${c.name} (${c.reason})`).join('; ')}`, 'fix what the failed checks say; nothing was changed');
  }

  const verdict = await step(d, 'approval', () => d.approvals.verify(s.approvalEnvironment ?? '', s.requireApproval),
    (v) => (v.bypassed ? 'bypassed (require-approval: false)' : `approved by ${v.approvers.join(', ')}`));
  for (const c of verdict.checks) r.checks.push({ name: `approval: ${c.name}`, state: c.state, reason: c.reason });
  if (!verdict.ok) {
    const missing = verdict.checks.filter((c) => c.state === 'failed').map((c) => c.reason).join('; ');
    throw new PhaseStop('refused', `phase two is not approved: ${missing}`, 'get the approval the checks name, then re-run the finalize job');
  }
  r.approvalBypassed = verdict.bypassed;
  r.approvers = verdict.approvers;

  await d.store.lock('finalize');
  try {
    assertUnchanged(state, d.store.state);
    const values = g.values as PhaseValues;
    if (decision.kind === 'start') {
      // The embedded etcd is counted again against the phase-one record: nothing may have gone since.
      const now = await step(d, 'census of the embedded etcd', () => d.etcd.census('embedded'), (c) => `${c.total} keys at revision ${c.revision}`);
      const recorded = state.phase1!.deployedAtSuccess ?? state.phase1!.before;
      if (recorded) {
        const diff = diffCensus(recorded, now, s.volatilePrefixes);
        r.diff = diff;
        r.keysBefore = recorded.total;
        r.keysAfter = now.total;
        if (!diff.ok) {
          throw new PhaseStop('refused', `the embedded etcd now has fewer keys than the deployed etcd had in ${diff.lost.map((x) => `${x.group} (${x.before} → ${x.after})`).join(', ')}`,
            'do not finalize; the deployed etcd still holds the data. Investigate, then run migrate again');
        }
      }
      const file = writeValuesFile(d, 'phase two', values.phase2);
      await d.store.update((st) => ({
        ...st,
        phase2: { status: 'started', startedAt: new Date().toISOString(), valuesDigest: valuesDigest(values.phase2), approvedBy: verdict.approvers, approvalBypassed: verdict.bypassed, census: now },
      }), 'phase two started');
      await upgradeOrExplain(d, 'phase two', file, P2_REMEDY);
    } else {
      d.log.info(`Resuming: ${decision.why}`);
      r.warnings.push(`Resumed: ${decision.why}.`);
      if (decision.at === 'interrupted-upgrade') {
        const rel = g.view.release!;
        await finishInterruptedUpgrade(d, 'phase two', { ...rel, values: g.userValues, settle: decision.settle }, state.phase2?.valuesDigest, 'finalize', P2_REMEDY);
      }
    }

    const n = names(s.release);
    // The last observation of the wait is also what the PVC report reads: no second round of calls.
    const v = await step(d, 'verify the deployed etcd is gone', async () => {
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
          throw new Error(`after the phase-two upgrade these still exist: ${left.join(', ') || 'none'}; embedded pod ${n.embeddedPod} ready: ${ready}. Check helm history and the namespace events, then run finalize again: it resumes at this check`);
        }
        await new Promise((res) => setTimeout(res, 2000));
      }
    });

    let leftover = v.etcdPvcs.map((p) => p.name);
    const deleted: string[] = [];
    if (s.deleteEtcdPvcs && leftover.length > 0) {
      await step(d, 'delete the deployed etcd PVCs', async () => {
        for (const p of leftover) {
          await d.kube.deletePvc(s.namespace, p);
          deleted.push(p);
        }
      }, () => `deleted ${deleted.join(', ')}`);
      leftover = [];
    }
    r.leftoverPvcs = leftover;
    if (leftover.length > 0) r.deleteCommand = `kubectl delete pvc --namespace ${s.namespace} ${leftover.join(' ')}`;
    await d.store.update((st) => ({ ...st, phase2: { ...st.phase2!, status: 'verified', verifiedAt: new Date().toISOString(), leftoverPvcs: leftover, deletedPvcs: deleted } }), 'phase two verified');
    r.logLine = state.phase1?.logLine;
    r.lostLogLine = state.phase1?.lostLogLine;
    r.status = 'succeeded';
    r.headline = `The release runs on embedded etcd; StatefulSet ${n.etcdSts} and its Services are gone.`;
    r.next = leftover.length > 0 ? `the deployed etcd's PVCs (${leftover.join(', ')}) still hold its data; delete them when you no longer need a way back` : 'nothing; the migration is complete';
  } finally {
    await d.store.unlock().catch((e) => d.log.warning(`could not release the lock: ${(e as Error).message}`));
  }
}
