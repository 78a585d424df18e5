// The GitOps rule of the single-release phases: plan shows the controller, migrate and finalize
// refuse to change a release a controller would revert, unless gitops-paused says it is paused.
import type { Deps } from './deps.ts';
import { PhaseStop } from './deps.ts';
import type { ClusterView } from '../../core/migration/cluster-view.ts';
import { describeMarks, gitopsMarks, gitopsPausedNote, gitopsRefusal } from '../../core/migration/gitops.ts';

/** migrate and finalize: throws a refusal naming the controller and what to do first. */
export function gitopsGate(d: Deps, view: ClusterView, phase: 'migrate' | 'finalize' | 'abort'): void {
  const marks = gitopsMarks(d.settings.release, view.marked ?? []);
  if (marks.length === 0) return;
  if (!d.settings.gitopsPaused) {
    const r = gitopsRefusal(d.settings.release, marks, phase);
    throw new PhaseStop('refused', r.why, r.remedy);
  }
  d.report.gitopsPaused = gitopsPausedNote(marks);
  d.log.warning(d.report.gitopsPaused);
}

/** plan: a check row and a warning; plan itself goes on (it changes nothing). */
export function gitopsPlanNote(d: Deps, view: ClusterView): void {
  const marks = gitopsMarks(d.settings.release, view.marked ?? []);
  if (marks.length === 0) {
    d.report.checks.push({
      name: 'GitOps controller',
      state: 'passed',
      reason: 'no Argo CD, Flux or vCluster Platform marks on the release objects',
    });
    return;
  }
  if (d.settings.gitopsPaused) {
    d.report.gitopsPaused = gitopsPausedNote(marks);
    d.report.checks.push({
      name: 'GitOps controller',
      state: 'passed',
      reason: `managed by ${describeMarks(marks)}; paused per gitops-paused: true`,
    });
    return;
  }
  const r = gitopsRefusal(d.settings.release, marks, 'plan');
  d.report.checks.push({
    name: 'GitOps controller',
    state: 'failed',
    reason: `managed by ${describeMarks(marks)}: migrate and finalize will refuse`,
  });
  d.report.warnings.push(
    `Managed by ${describeMarks(marks)}. Before migrate: ${r.remedy}. The values files below are what to put in its source.`,
  );
}
