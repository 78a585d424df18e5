// Which step comes next, from the state record and what the cluster shows. Pure.
import type { ClusterView } from './cluster-view.ts';
import type { StateRecord } from './state.ts';
import { recopyRemedy } from './recopy.ts';

export type Decision =
  | { kind: 'start' }
  | { kind: 'resume'; at: 'log-wait' | 'verify' | 'interrupted-upgrade'; why: string }
  | { kind: 'noop'; why: string; next: string }
  | { kind: 'refuse'; why: string; remedy: string };

export function decideMigrate(s: StateRecord, v: ClusterView): Decision {
  const p1 = s.phase1;
  if (s.phase2?.status === 'verified') {
    return { kind: 'noop', why: 'the migration is complete: phase two is done', next: 'nothing; the release runs on embedded etcd' };
  }
  if (s.phase2) {
    // Phase two began (the flag may already be gone): only finalize may go on from here.
    return { kind: 'noop', why: `phase two has begun (${s.phase2.status}${s.phase2.failure ? `: ${s.phase2.failure}` : ''}); phase one has nothing left to do`, next: 'run phase finalize again: it resumes where phase two stopped' };
  }
  if (p1?.status === 'verified') {
    return { kind: 'noop', why: `phase one was verified at ${p1.verifiedAt}`, next: 'run phase finalize from the job that names the approval environment' };
  }
  if (!v.release) {
    return { kind: 'refuse', why: 'the Helm release does not exist in this namespace', remedy: 'check the release and namespace inputs (helm list -n <namespace>)' };
  }
  if (v.store === 'embedded') {
    return { kind: 'noop', why: 'the release already runs on embedded etcd without the migration flag; there is nothing to migrate', next: 'nothing' };
  }
  if (v.store === 'migrating' && v.release.status.startsWith('pending')) {
    // A killed `helm upgrade` leaves its revision pending-upgrade, and helm refuses every later
    // upgrade (finalize's too). If the record says phase one's own upgrade started, apply that
    // revision again; anything else is not ours to repair.
    if (p1?.status === 'started' && v.release.status === 'pending-upgrade') {
      return { kind: 'resume', at: 'interrupted-upgrade', why: `the phase-one helm upgrade (revision ${v.release.revision}) was interrupted and left the release pending-upgrade; applying that revision again` };
    }
    return {
      kind: 'refuse', why: `the release status is ${v.release.status} (revision ${v.release.revision}): a Helm operation was interrupted`,
      remedy: `check helm history; if revision ${v.release.revision} holds the phase-one values, apply it again with helm rollback <release> ${v.release.revision} --wait (nothing is undone), then run migrate again`,
    };
  }
  if (v.store === 'migrating') {
    if (p1?.status === 'failed' && p1.failure) {
      return { kind: 'resume', at: 'log-wait', why: `the phase-one upgrade is applied; the last run failed (${p1.failure}); waiting for the log line again` };
    }
    return { kind: 'resume', at: 'log-wait', why: 'the phase-one upgrade is already applied; resuming at the wait for the success log line' };
  }
  if (v.store !== 'deployed') {
    return { kind: 'refuse', why: 'the release does not run on deployed etcd (controlPlane.backingStore.etcd.deploy.enabled is not true)', remedy: 'this action only moves a deployed etcd to embedded etcd' };
  }
  if (v.release.status !== 'deployed') {
    return { kind: 'refuse', why: `the release status is ${v.release.status}, not deployed`, remedy: 'finish or roll back the pending Helm operation (helm history, helm rollback), then run again' };
  }
  return { kind: 'start' };
}

export function decideFinalize(s: StateRecord, v: ClusterView): Decision {
  const p1 = s.phase1;
  const p2 = s.phase2;
  if (p2?.status === 'verified') {
    return { kind: 'noop', why: `phase two was verified at ${p2.verifiedAt}`, next: 'nothing; the release runs on embedded etcd' };
  }
  if (p1?.diff && !p1.diff.ok) {
    // A copy that lost keys is not fixed by waiting or running migrate again: say how to copy again.
    return { kind: 'refuse', why: `the embedded etcd has fewer keys than the deployed one in ${p1.diff.lost.map((r) => r.group).join(', ')}`, remedy: recopyRemedy(s.namespace, s.release, v.controlPlaneReplicas) };
  }
  if (!p1 || p1.status !== 'verified') {
    const seen = p1 ? `its status is ${p1.status}${p1.failure ? ` (${p1.failure})` : ''}` : 'there is no phase-one record';
    return { kind: 'refuse', why: `phase one is not verified: ${seen}`, remedy: 'run phase migrate and let it see the success log line and equal key counts first' };
  }
  if (v.release?.status.startsWith('pending')) {
    // A killed phase-two `helm upgrade` leaves its revision pending-upgrade; helm refuses every later
    // operation until it is settled. Apply that revision again when the record says it is ours.
    if (p2?.status === 'started' && v.release.status === 'pending-upgrade') {
      return { kind: 'resume', at: 'interrupted-upgrade', why: `the phase-two helm upgrade (revision ${v.release.revision}) was interrupted and left the release pending-upgrade; applying that revision again` };
    }
    return {
      kind: 'refuse', why: `the release status is ${v.release.status} (revision ${v.release.revision}): a Helm operation was interrupted`,
      remedy: `check helm history; if revision ${v.release.revision} holds the phase-two values, apply it again with helm rollback <release> ${v.release.revision} --wait, then run finalize again`,
    };
  }
  if (p2 && (p2.status === 'upgraded' || v.store === 'embedded')) {
    return { kind: 'resume', at: 'verify', why: 'the phase-two upgrade is already applied; verifying what it removed' };
  }
  if (v.store !== 'migrating') {
    return { kind: 'refuse', why: `the release values do not show the phase-one state (store: ${v.store})`, remedy: 'someone changed the release since phase one; inspect helm get values and the state record' };
  }
  const pod = v.embeddedPod;
  if (!pod || !pod.ready) {
    return { kind: 'refuse', why: `the embedded etcd is not healthy: pod ${pod ? `${pod.name} is ${pod.phase}${pod.waitingReason ? ` (${pod.waitingReason})` : ''}, not Ready` : 'is missing'}`, remedy: 'wait for the control-plane pod to be Ready, then run finalize again' };
  }
  return { kind: 'start' };
}
