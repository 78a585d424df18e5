// Which step comes next, from the state record and what the cluster shows. Pure.
import type { ClusterView } from './cluster-view.ts';
import { stateConfigMapName, type StateRecord } from './state.ts';
import { recopyRemedy } from './recopy.ts';
import { objectNames } from './cluster-view.ts';

export type Decision =
  /** `deleteStalePvcs`: embedded etcd PVCs an abort left, to delete first (delete-stale-embedded-pvc). */
  | { kind: 'start'; deleteStalePvcs?: string[] }
  | { kind: 'resume'; at: 'log-wait' | 'verify'; why: string }
  /** Upgrade again with the recorded values; `settle`: first record that pending revision as failed. */
  | { kind: 'resume'; at: 'interrupted-upgrade'; why: string; settle?: number }
  | { kind: 'noop'; why: string; next: string }
  | { kind: 'refuse'; why: string; remedy: string };

export function decideMigrate(s: StateRecord, v: ClusterView, o: { deleteStaleEmbeddedPvc?: boolean } = {}): Decision {
  if (s.abort && s.abort.status !== 'aborted') {
    return {
      kind: 'refuse',
      why: `an abort of release ${s.release} is under way (${s.abort.status}${s.abort.failure ? `: ${s.abort.failure}` : ''}); phase one does not start over it`,
      remedy:
        'run phase abort again from the job that names the approval environment: it resumes where it stopped and puts the release back on its deployed etcd; then run migrate',
    };
  }
  // After an abort the given-up phase one is history: migrate starts from the deployed etcd again.
  const p1 = s.abort ? undefined : s.phase1;
  if (s.phase2?.status === 'verified') {
    return {
      kind: 'noop',
      why: 'the migration is complete: phase two is done',
      next: 'nothing; the release runs on embedded etcd',
    };
  }
  if (s.phase2) {
    // Phase two began (the flag may already be gone): only finalize may go on from here.
    return {
      kind: 'noop',
      why: `phase two has begun (${s.phase2.status}${s.phase2.failure ? `: ${s.phase2.failure}` : ''}); phase one has nothing left to do`,
      next: 'run phase finalize again: it resumes where phase two stopped',
    };
  }
  if (p1?.status === 'verified') {
    return {
      kind: 'noop',
      why: `phase one was verified at ${p1.verifiedAt}`,
      next: 'run phase finalize from the job that names the approval environment',
    };
  }
  if (!v.release) {
    return {
      kind: 'refuse',
      why: `Helm release ${s.release} does not exist in namespace ${s.namespace}`,
      remedy: `check the release and namespace inputs (helm list -n ${s.namespace} lists the releases there); nothing was changed`,
    };
  }
  if (v.store === 'embedded') {
    return {
      kind: 'noop',
      why: 'the release already runs on embedded etcd without the migration flag; there is nothing to migrate',
      next: 'nothing',
    };
  }
  if (v.store === 'migrating' && (v.release.status.startsWith('pending') || v.release.status === 'failed')) {
    const ours = interruptedUpgrade('phase-one', p1?.status, v.release);
    if (ours) return ours;
    if (v.release.status.startsWith('pending')) return refuseForeignPending(s, v.release, 'migrate');
  }
  if (v.store === 'migrating') {
    if (p1?.status === 'failed' && p1.failure) {
      return {
        kind: 'resume',
        at: 'log-wait',
        why: `the phase-one upgrade is applied; the last run failed (${p1.failure}); waiting for the log line again`,
      };
    }
    return {
      kind: 'resume',
      at: 'log-wait',
      why: 'the phase-one upgrade is already applied; resuming at the wait for the success log line',
    };
  }
  if (v.store !== 'deployed') {
    return {
      kind: 'refuse',
      why: `release ${s.release} does not run on deployed etcd (controlPlane.backingStore.etcd.deploy.enabled is not true in its values)`,
      remedy: `this action only moves a deployed etcd to embedded etcd: check that release and namespace name the vCluster you meant (helm get values ${s.release} -n ${s.namespace}); nothing was changed`,
    };
  }
  if (v.release.status !== 'deployed') {
    return {
      kind: 'refuse',
      why: `release ${s.release} is ${v.release.status} at revision ${v.release.revision}, not deployed`,
      remedy: `finish or roll back that Helm operation (helm history ${s.release} -n ${s.namespace}; helm rollback ${s.release} <last deployed revision> -n ${s.namespace} --wait), then run migrate again`,
    };
  }
  const stale = (v.embeddedPvcs ?? []).map((p) => p.name);
  if (stale.length > 0 && !o.deleteStaleEmbeddedPvc) return refuseStaleEmbeddedPvcs(s, stale);
  return stale.length > 0 ? { kind: 'start', deleteStalePvcs: stale } : { kind: 'start' };
}

/**
 * An embedded etcd PVC left from an earlier phase one (an abort keeps it) holds an old copy: vCluster
 * would start on it and take it for a finished copy instead of copying the deployed etcd again.
 */
function refuseStaleEmbeddedPvcs(s: StateRecord, pvcs: string[]): Decision {
  const by = s.abort?.abortedAt ? `the abort of ${s.abort.abortedAt} left` : 'an earlier embedded etcd left';
  return {
    kind: 'refuse',
    why: `PVC ${pvcs.join(', ')} still exists: ${by} an old embedded etcd there, and vCluster would start on it and take it for a finished copy instead of copying the deployed etcd again`,
    remedy: `delete it first (kubectl -n ${s.namespace} delete pvc ${pvcs.join(' ')}; its data is gone for good, and the abort's snapshot of it is the only copy left), or run migrate with delete-stale-embedded-pvc: true; nothing was changed`,
  };
}

export function decideFinalize(s: StateRecord, v: ClusterView): Decision {
  const p1 = s.phase1;
  const p2 = s.phase2;
  if (p2?.status === 'verified') {
    return {
      kind: 'noop',
      why: `phase two was verified at ${p2.verifiedAt}`,
      next: 'nothing; the release runs on embedded etcd',
    };
  }
  if (p1?.diff && !p1.diff.ok) {
    // A copy that lost keys is not fixed by waiting or running migrate again: say how to copy again.
    return {
      kind: 'refuse',
      why: `the embedded etcd has fewer keys than the deployed one in ${p1.diff.lost.map((r) => r.group).join(', ')}`,
      remedy: recopyRemedy(s.namespace, s.release, v.controlPlaneReplicas),
    };
  }
  if (!p1 || p1.status !== 'verified') {
    const seen = p1
      ? `its status is ${p1.status}${p1.failure ? ` (${p1.failure})` : ''}`
      : 'there is no phase-one record';
    return {
      kind: 'refuse',
      why: `phase one is not verified: ${seen}`,
      remedy: 'run phase migrate and let it see the success log line and equal key counts first',
    };
  }
  if (v.release && (v.release.status.startsWith('pending') || v.release.status === 'failed')) {
    const ours = interruptedUpgrade('phase-two', p2?.status, v.release) ?? failedPhaseTwoUpgrade(p2, v.release);
    if (ours) return ours;
    if (v.release.status.startsWith('pending')) return refuseForeignPending(s, v.release, 'finalize');
  }
  if (p2 && (p2.status === 'upgraded' || v.store === 'embedded')) {
    return { kind: 'resume', at: 'verify', why: 'the phase-two upgrade is already applied; verifying what it removed' };
  }
  if (v.store !== 'migrating') {
    return {
      kind: 'refuse',
      why: `the values of release ${s.release} do not show the phase-one state (store: ${v.store})`,
      remedy: `someone changed release ${s.release} since phase one, and finalize removes nothing from values it did not set: see who in helm history ${s.release} -n ${s.namespace} and what in helm get values ${s.release} -n ${s.namespace}, next to the state record (ConfigMap ${stateConfigMapName(s.release)})`,
    };
  }
  const pod = v.embeddedPod;
  if (!pod || !pod.ready) {
    return {
      kind: 'refuse',
      why: `the embedded etcd is not healthy: pod ${pod ? `${pod.name} is ${pod.phase}${pod.waitingReason ? ` (${pod.waitingReason})` : ''}, not Ready` : 'is missing'}`,
      remedy: `wait for pod ${objectNames(s.release).embeddedPod} to be Ready (kubectl -n ${s.namespace} describe pod ${objectNames(s.release).embeddedPod} says why it is not), then run finalize again`,
    };
  }
  return { kind: 'start' };
}

/**
 * A killed `helm upgrade` leaves its revision pending-upgrade, and helm refuses every later operation
 * on the release. Applying that revision again (helm rollback to itself) is not enough: helm would
 * diff it against itself, so what the killed upgrade had not yet created, changed or deleted would
 * stay (the deployed etcd after phase two, the old control-plane Deployment beside the new
 * StatefulSet after phase one). So the pending revision is recorded as failed, as helm records an
 * upgrade that did not finish, and the upgrade runs again: helm then diffs against the last deployed
 * revision and the live objects. With the record still at `started`, a failed last revision is the
 * same case one step later (a run killed after settling, or helm failing before the run recorded it).
 */
function interruptedUpgrade(
  phase: 'phase-one' | 'phase-two',
  recorded: string | undefined,
  r: { status: string; revision: number },
): Decision | undefined {
  if (recorded !== 'started') return undefined;
  if (r.status === 'pending-upgrade') {
    return {
      kind: 'resume',
      at: 'interrupted-upgrade',
      settle: r.revision,
      why: `the ${phase} helm upgrade (revision ${r.revision}) was interrupted and left the release pending-upgrade; recording that revision as failed and upgrading again from the last deployed revision`,
    };
  }
  if (r.status === 'failed') {
    return {
      kind: 'resume',
      at: 'interrupted-upgrade',
      why: `the ${phase} helm upgrade (revision ${r.revision}) did not finish (release status failed) and the last run did not record its end; upgrading again from the last deployed revision`,
    };
  }
  return undefined;
}

/**
 * A phase-two upgrade that helm itself ended as failed (an object it could not apply, its --wait
 * timed out): the run recorded the failure. Waiting at the removal check would wait for what helm
 * may never have done (the deployed etcd deleted), and the release would stay failed; the same
 * upgrade run again diffs against the last deployed revision and the live objects, as after a kill.
 * The revision's values are checked against the record before the upgrade runs, as after a kill.
 * Phase one keeps resuming at the log wait: its copy may be running on what the apply did create.
 */
function failedPhaseTwoUpgrade(
  p2: StateRecord['phase2'],
  r: { status: string; revision: number },
): Decision | undefined {
  if (p2?.status !== 'failed' || r.status !== 'failed') return undefined;
  return {
    kind: 'resume',
    at: 'interrupted-upgrade',
    why: `the phase-two helm upgrade (revision ${r.revision}) failed${p2.failure ? ` (${p2.failure})` : ''} and helm recorded it failed; upgrading again from the last deployed revision`,
  };
}

function refuseForeignPending(
  s: StateRecord,
  r: { status: string; revision: number },
  phase: 'migrate' | 'finalize',
): Decision {
  return {
    kind: 'refuse',
    why: `release ${s.release} is ${r.status} (revision ${r.revision}): a Helm operation this migration did not record was interrupted`,
    remedy: `check helm history ${s.release} -n ${s.namespace}; roll back to the last deployed revision with helm rollback ${s.release} <that revision> -n ${s.namespace} --wait (it undoes what the cut-short operation applied; a rollback to revision ${r.revision} itself would leave what it had not yet applied undone), then run ${phase} again`,
  };
}

/**
 * Whether the interrupted upgrade may be run again with these inputs: the last revision must hold
 * the values this migration recorded and the chart version the run would upgrade to.
 */
export function interruptedUpgradeRefusal(a: {
  label: string;
  phase: 'migrate' | 'finalize';
  release: string;
  namespace: string;
  revision: number;
  status: string;
  digest: string;
  recordedDigest?: string;
  chartVersion: string;
  inputChartVersion: string;
}): { why: string; remedy: string } | undefined {
  if (a.digest !== a.recordedDigest) {
    return {
      why: `release ${a.release} is ${a.status} at revision ${a.revision}, but its values (${a.digest}) are not the ${a.label} values this migration recorded (${a.recordedDigest ?? 'none'})`,
      remedy: `someone else's Helm operation was interrupted: inspect helm history ${a.release} -n ${a.namespace}, finish or roll it back, then run ${a.phase} again`,
    };
  }
  if (a.chartVersion !== a.inputChartVersion) {
    return {
      why: `the interrupted ${a.label} upgrade (revision ${a.revision}) used chart ${a.chartVersion}, not chart-version ${a.inputChartVersion} of this run`,
      remedy: `run ${a.phase} again with chart-version: ${a.chartVersion}; nothing was changed`,
    };
  }
  return undefined;
}
