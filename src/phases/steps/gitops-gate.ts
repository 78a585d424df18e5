// The GitOps rule of the single-release phases: plan shows the controller, migrate, finalize and
// abort refuse to change a release a controller would revert, unless gitops-paused says it is
// paused and no controller object the cluster shows says otherwise.
import type { PhaseDeps } from './deps.ts';
import type { ChangingPhase } from './open.ts';
import { PhaseStop } from './outcome.ts';
import type { ClusterView } from '../../core/migration/cluster-view.ts';
import {
  describeMarks,
  gitopsMarks,
  gitopsRefusal,
  gitopsVerdict,
  notPaused,
  pauseStates,
  type PauseState,
} from '../../core/migration/gitops.ts';

/** Each controller whose marks the release carries, with what the cluster showed of its pause. */
function controllers(deps: PhaseDeps, view: ClusterView): PauseState[] {
  return pauseStates(gitopsMarks(deps.settings.release, view.marked ?? []), view.controllers ?? []);
}

/** migrate, finalize and abort: throws a refusal naming the controller and what to do first. */
export function gitopsGate(deps: PhaseDeps, view: ClusterView, phase: ChangingPhase): void {
  const { settings, report } = deps;
  const states = controllers(deps, view);
  if (states.length === 0) return;
  const verdict = gitopsVerdict(settings.release, states, settings.gitopsPaused, phase);
  if (verdict.kind === 'refuse') throw new PhaseStop('refused', verdict.why, verdict.remedy);
  report.gitopsPaused = verdict.note;
  deps.log.warning(verdict.note);
}

/** plan: a check row and a warning; plan itself goes on (it changes nothing). */
export function gitopsPlanNote(deps: PhaseDeps, view: ClusterView): void {
  const { settings, report } = deps;
  const states = controllers(deps, view);
  const marks = states.map((s) => s.mark);
  if (marks.length === 0) {
    report.checks.push({
      name: 'GitOps controller',
      state: 'passed',
      reason: 'no Argo CD, Flux or vCluster Platform marks on the release objects',
    });
    return;
  }
  if (settings.gitopsPaused) {
    const verdict = gitopsVerdict(settings.release, states, true, 'migrate');
    if (verdict.kind === 'go') {
      report.gitopsPaused = verdict.note;
      report.checks.push({
        name: 'GitOps controller',
        state: 'passed',
        reason: `managed by ${describeMarks(marks)}; ${states.every((s) => s.paused === 'yes') ? 'paused, read from the cluster' : 'paused per gitops-paused: true'}`,
      });
      return;
    }
    report.checks.push({
      name: 'GitOps controller',
      state: 'failed',
      reason: `gitops-paused: true, but ${notPaused(states)}: migrate will refuse`,
    });
    report.warnings.push(`Before migrate: ${verdict.remedy}. The values files below are what to put in its source.`);
    return;
  }
  const refusal = gitopsRefusal(settings.release, marks, 'plan');
  report.checks.push({
    name: 'GitOps controller',
    state: 'failed',
    reason: `managed by ${describeMarks(marks)}: migrate and finalize will refuse`,
  });
  report.warnings.push(
    `Managed by ${describeMarks(marks)}. Before migrate: ${refusal.remedy}. The values files below are what to put in its source.`,
  );
}
