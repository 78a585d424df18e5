// status: read-only report of the state record and what the cluster shows now.
import type { PhaseDeps } from './steps/deps.ts';
import { censusStep, step } from './steps/deps.ts';
import { inspect } from './steps/inspect.ts';
import { fillFromRecord } from './steps/open.ts';
import { showWayBack } from './steps/way-back.ts';
import { diffCensus } from '../core/migration/census.ts';
import { describeMarks, gitopsMarks } from '../core/migration/gitops.ts';
import type { StateRecord } from '../core/migration/state.ts';
import type { ClusterView } from '../core/migration/cluster-view.ts';
import type { Outcome } from '../report/report.ts';

export async function status(deps: PhaseDeps): Promise<Outcome> {
  const { settings, report } = deps;
  const { view } = await step(deps, 'observe', () => inspect(deps));
  const marks = gitopsMarks(settings.release, view.marked ?? []);
  if (marks.length > 0)
    report.warnings.push(
      `Managed by ${describeMarks(marks)}: migrate, finalize and abort refuse it until the controller is paused (gitops-paused: true).`,
    );
  const state = await deps.store.load();
  fillFromRecord(deps);
  const p1 = state.phase1;
  if (view.embeddedPod?.ready && (view.store === 'migrating' || view.store === 'embedded')) {
    try {
      const now = await censusStep(deps, 'embedded');
      report.keysAfter = now.total;
      const recorded = p1?.deployedAtSuccess ?? p1?.before;
      if (recorded) report.diff = diffCensus(recorded, now, settings.volatilePrefixes);
    } catch (e) {
      report.warnings.push(`could not count the embedded etcd: ${(e as Error).message}`);
    }
  } else if (view.deployedEtcd && view.store === 'deployed') {
    const now = await censusStep(deps, 'deployed');
    report.keysBefore = now.total;
  }
  showWayBack(deps, state, view);
  return { status: 'succeeded', headline: `State: ${whereItStands(state, view)}.`, next: nextStep(state) };
}

/** Where the migration stands, from the record (or, without one, from the release's values). */
function whereItStands(state: StateRecord, view: ClusterView): string {
  const { phase1: p1, phase2: p2, abort } = state;
  if (abort?.status === 'aborted')
    return `phase one aborted at ${abort.abortedAt}; the release runs on its deployed etcd again`;
  if (abort) return `abort ${abort.status}${abort.failure ? ` (${abort.failure})` : ''}`;
  if (p2?.status === 'verified') return 'migration complete (phase two verified)';
  if (p2) return `phase two ${p2.status}`;
  if (p1) return `phase one ${p1.status}${p1.failure ? ` (${p1.failure})` : ''}`;
  return `no migration recorded; the release runs on ${view.store} etcd`;
}

function nextStep(state: StateRecord): string {
  const { phase1: p1, phase2: p2, abort } = state;
  if (abort?.status === 'aborted') return 'run plan, then migrate, when you want to migrate again';
  if (abort) return 'run abort again: it resumes where it stopped';
  if (p2?.status === 'verified') return 'nothing';
  if (p1?.status === 'verified') return 'approve and run finalize';
  if (p1) return 'run migrate (it resumes)';
  return 'run plan, then migrate';
}
