// plan and status on a release in phase one: what phase abort would do now (or why it would refuse).
import type { PhaseDeps } from './deps.ts';
import type { StateRecord } from '../../core/migration/state.ts';
import type { ClusterView } from '../../core/migration/cluster-view.ts';
import { decideAbort } from '../../core/migration/abort.ts';
import { wouldAbortLines } from '../../core/migration/abort-plan.ts';

export function showWayBack(deps: PhaseDeps, state: StateRecord, view: ClusterView): void {
  if (!state.phase1 || state.phase2 || state.abort) return;
  const decision = decideAbort(state, view, undefined, { volatilePrefixes: deps.settings.volatilePrefixes });
  deps.report.wayBack = { title: 'What abort would do', lines: wouldAbortLines(state, decision) };
}
