// The GitOps rule of the single-release phases: plan shows the controller, migrate, finalize and
// abort refuse to change a release a controller would revert, unless gitops-paused says it is paused.
import type { PhaseDeps } from './deps.ts';
import type { ChangingPhase } from './open.ts';
import { PhaseStop } from './outcome.ts';
import type { ClusterView } from '../../core/migration/cluster-view.ts';
import { describeMarks, gitopsMarks, gitopsPausedNote, gitopsRefusal } from '../../core/migration/gitops.ts';

/** migrate, finalize and abort: throws a refusal naming the controller and what to do first. */
export function gitopsGate(deps: PhaseDeps, view: ClusterView, phase: ChangingPhase): void {
  const { settings, report } = deps;
  const marks = gitopsMarks(settings.release, view.marked ?? []);
  if (marks.length === 0) return;
  if (!settings.gitopsPaused) {
    const refusal = gitopsRefusal(settings.release, marks, phase);
    throw new PhaseStop('refused', refusal.why, refusal.remedy);
  }
  report.gitopsPaused = gitopsPausedNote(marks);
  deps.log.warning(report.gitopsPaused);
}

/** plan: a check row and a warning; plan itself goes on (it changes nothing). */
export function gitopsPlanNote(deps: PhaseDeps, view: ClusterView): void {
  const { settings, report } = deps;
  const marks = gitopsMarks(settings.release, view.marked ?? []);
  if (marks.length === 0) {
    report.checks.push({
      name: 'GitOps controller',
      state: 'passed',
      reason: 'no Argo CD, Flux or vCluster Platform marks on the release objects',
    });
    return;
  }
  if (settings.gitopsPaused) {
    report.gitopsPaused = gitopsPausedNote(marks);
    report.checks.push({
      name: 'GitOps controller',
      state: 'passed',
      reason: `managed by ${describeMarks(marks)}; paused per gitops-paused: true`,
    });
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
