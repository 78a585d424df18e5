// What phase abort would do (shown by plan and status on a release in phase one) and what a finished
// abort left (its summary). Pure: from the state record, the decision and the names of the release.
import type { AbortDecision } from './abort.ts';
import type { AbortRecord, EqualizeRecord } from './abort-record.ts';
import { objectNames } from './cluster-view.ts';
import type { StateRecord } from './state.ts';

/** vCluster's annotations on Secret vc-config-<release> that its store check at start compares. */
export const STORE_ANNOTATIONS = ['vcluster.loft.sh/store', 'vcluster.loft.sh/distro'] as const;

/** The steps abort would take for this decision, one line each; a refusal gives why and the remedy. */
export function wouldAbortLines(s: StateRecord, decision: AbortDecision): string[] {
  if (decision.kind === 'refuse') {
    return [`abort would be refused (${decision.which}): ${decision.why}.`, `Remedy: ${decision.remedy}.`];
  }
  const objects = objectNames(s.release);
  const rev = s.phase1?.helmRevisionBefore;
  const keep =
    decision.kind === 'abort'
      ? decision.keep === 'embedded'
        ? `make the deployed etcd's keyspace equal to the embedded etcd's at the stop (${decision.why})${sinceProof(s)}`
        : `keep the deployed etcd's keyspace (${decision.why})`
      : `compare both etcds key by key and keep the one that holds the truth; if both hold writes the other lacks it refuses until input abort-source names one (${decision.why})`;
  return [
    `Case: phase one ${decision.case === 'verified' ? 'was verified' : 'was never verified'}.`,
    `1. Stop writes: scale StatefulSet ${objects.controlPlane} to 0 and wait until pod ${objects.embeddedPod} is gone (the virtual cluster's API is down from here until step 7).`,
    `2. Start pod ${s.release}-embedded-etcd-reader on PVC ${objects.embeddedPvc}; count both etcds and take a verified snapshot of the embedded etcd (output backup-file).`,
    `3. ${keep[0]!.toUpperCase()}${keep.slice(1)}; lift the deployed etcd's revision above every one the embedded etcd handed out and compact its history, so old watches relist.`,
    `4. Delete the reader pod; clear ${STORE_ANNOTATIONS.join(' and ')} on Secret ${objects.config}.`,
    `5. helm upgrade with the values of ${rev === undefined ? 'the last Helm revision on deployed etcd' : `Helm revision ${rev}`}, the one phase one upgraded from (no --reuse-values, no rollback).`,
    `6. Wait for Deployment ${objects.controlPlane} on the deployed etcd; 7. count the deployed etcd and compare it group by group.`,
    `PVC ${objects.embeddedPvc} stays (with the old embedded etcd) until you delete it; migrate refuses while it exists.`,
  ];
}

/** How the embedded etcd's content would go back after a verified phase one. */
function sinceProof(s: StateRecord): string {
  const b = s.phase1?.contentBaseline;
  if (!b) return '';
  return `: only what changed since phase one's content proof (embedded etcd revision ${b.embeddedRevision}) is carried back while the deployed etcd is still at revision ${b.deployedRevision}, else both are compared key by key`;
}

/** How a finished equalize went: the changes since the proof, or key by key and why. */
function equalizedHow(e: EqualizeRecord): string {
  if (e.how === 'changes-since-proof') return `${e.replayed ?? 0} changes since phase one's content proof replayed; `;
  return e.whyKeyByKey ? `compared key by key (${e.whyKeyByKey}); ` : '';
}

/** What a finished abort did and left, for its summary. */
export function abortPlanLines(a: AbortRecord, release: string, namespace: string): string[] {
  const out: string[] = [];
  const e = a.equalize;
  if (e) {
    out.push(
      `Deployed etcd: ${equalizedHow(e)}${e.put} keys written, ${e.deleted} deleted, ${e.unchanged} already equal; revision ${e.revisionBefore} → ${e.revisionAfter}, above the embedded etcd's ${e.sourceRevision}; history compacted (a watch from an older revision is refused as compacted).`,
    );
  }
  if (a.snapshot) {
    out.push(
      `Snapshot of the embedded etcd at the stop: ${a.snapshot.keys} keys at revision ${a.snapshot.revision}, sha256 ${a.snapshot.sha256}.`,
    );
  }
  out.push(`The release has the values of Helm revision ${a.valuesRevision} again.`);
  const pvcs = a.leftoverPvcs ?? [];
  if (pvcs.length > 0) {
    out.push(
      `PVC ${pvcs.join(', ')} keeps the old embedded etcd; delete it before migrating again: kubectl -n ${namespace} delete pvc ${pvcs.join(' ')} (or migrate with delete-stale-embedded-pvc: true).`,
    );
  } else {
    out.push(`No embedded etcd PVC of ${release} is left.`);
  }
  return out;
}

/** The case of an abort and the etcd it keeps, for its summary. */
export function abortCaseLines(a: AbortRecord): string[] {
  return [
    a.case === 'verified'
      ? 'Case: phase one was verified, so the embedded etcd held the truth.'
      : 'Case: phase one was never verified.',
    a.source ? `Kept: the ${a.source} etcd. ${a.why}` : `Not yet decided: ${a.why}`,
  ];
}

/** How the abort's snapshot of the embedded etcd serves again: it holds the keyspace as of the stop. */
export function forwardAgain(release: string, file: string): string {
  const name = file.split(/[\\/]/).pop()!;
  return [
    `The snapshot \`${name}\` holds the embedded etcd as the abort stopped it (the workflow's artifact keeps it).`,
    'It is the way forward again if the abort turns out wrong: restore it with',
    `\`etcdutl snapshot restore ${name} --bump-revision 1000000000 --mark-compacted --data-dir <new dir>\``,
    `into an empty embedded etcd PVC data-${release}-0 before a new phase one starts its control plane.`,
  ].join(' ');
}
