// status: read-only report of the state record and what the cluster shows now.
import type { Deps } from './steps/deps.ts';
import { censusStep, step } from './steps/deps.ts';
import { gather } from './steps/gather.ts';
import { fillFromRecord } from './steps/open.ts';
import { showWayBack } from './steps/way-back.ts';
import { diffCensus } from '../core/migration/census.ts';
import { describeMarks, gitopsMarks } from '../core/migration/gitops.ts';

export async function status(d: Deps): Promise<void> {
  const r = d.report;
  const g = await step(d, 'observe', () => gather(d));
  const marks = gitopsMarks(d.settings.release, g.view.marked ?? []);
  if (marks.length > 0)
    r.warnings.push(
      `Managed by ${describeMarks(marks)}: migrate and finalize refuse it until the controller is paused (gitops-paused: true).`,
    );
  const st = await d.store.load();
  fillFromRecord(d);
  const p1 = st.phase1;
  const p2 = st.phase2;
  const ab = st.abort;
  const where =
    ab?.status === 'aborted'
      ? `phase one aborted at ${ab.abortedAt}; the release runs on its deployed etcd again`
      : ab
        ? `abort ${ab.status}${ab.failure ? ` (${ab.failure})` : ''}`
        : p2?.status === 'verified'
          ? 'migration complete (phase two verified)'
          : p2
            ? `phase two ${p2.status}`
            : p1
              ? `phase one ${p1.status}${p1.failure ? ` (${p1.failure})` : ''}`
              : `no migration recorded; the release runs on ${g.view.store} etcd`;
  if (g.view.embeddedPod?.ready && (g.view.store === 'migrating' || g.view.store === 'embedded')) {
    try {
      const now = await censusStep(d, 'embedded');
      r.keysAfter = now.total;
      const ref = p1?.deployedAtSuccess ?? p1?.before;
      if (ref) r.diff = diffCensus(ref, now, d.settings.volatilePrefixes);
    } catch (e) {
      r.warnings.push(`could not count the embedded etcd: ${(e as Error).message}`);
    }
  } else if (g.view.deployedEtcd && g.view.store === 'deployed') {
    const now = await censusStep(d, 'deployed');
    r.keysBefore = now.total;
  }
  showWayBack(d, st, g.view);
  r.status = 'succeeded';
  r.headline = `State: ${where}.`;
  r.next =
    ab?.status === 'aborted'
      ? 'run plan, then migrate, when you want to migrate again'
      : ab
        ? 'run abort again: it resumes where it stopped'
        : p2?.status === 'verified'
          ? 'nothing'
          : p1?.status === 'verified'
            ? 'approve and run finalize'
            : p1
              ? 'run migrate (it resumes)'
              : 'run plan, then migrate';
}
