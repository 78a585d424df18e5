// The opening every changing phase shares: preflight, the state record and the decision, and the
// lock under which the phase then changes the cluster. status reads the record the same way.
import type { PhaseDeps } from './deps.ts';
import { step } from './deps.ts';
import { PhaseStop } from './outcome.ts';
import type { Decision } from '../../core/migration/decide.ts';
import { failedChecks, type Check } from '../../core/migration/preflight.ts';
import { inspect, type Inspection } from './inspect.ts';
import { gitopsGate } from './gitops-gate.ts';
import type { StateRecord } from '../../core/migration/state.ts';
import type { ClusterView } from '../../core/migration/cluster-view.ts';
import type { Outcome } from '../../report/report.ts';

/** The phases that change the cluster, each under the migration lock. */
export type ChangingPhase = 'migrate' | 'finalize' | 'abort';

/** A phase's opening with the cluster checked and the record read: go on from the start, or resume. */
export interface Opened {
  inspection: Inspection;
  state: StateRecord;
  decision: Extract<Decision, { kind: 'start' | 'resume' }>;
}

/**
 * Preflight, the state record, the decision. A no-op fills the report from the record and gives
 * its outcome; a refusal, a GitOps controller not paused, or a failed check that `blocking` keeps,
 * stops the phase before any change.
 */
export async function openPhase(
  deps: PhaseDeps,
  phase: 'migrate' | 'finalize',
  decide: (state: StateRecord, view: ClusterView) => Decision,
  blocking: (failed: Check[], decision: Opened['decision']) => Check[],
): Promise<Opened | { done: Outcome }> {
  const inspection = await step(deps, 'preflight', () => inspect(deps));
  const state = await deps.store.load();
  const decision = decide(state, inspection.view);
  if (decision.kind === 'noop') {
    fillFromRecord(deps);
    return { done: { status: 'no-op', headline: `Nothing to do: ${decision.why}.`, next: decision.next } };
  }
  if (decision.kind === 'refuse') throw new PhaseStop('refused', decision.why, decision.remedy);
  gitopsGate(deps, inspection.view, phase);
  const stops = blocking(failedChecks(inspection.checks), decision);
  if (stops.length > 0) {
    throw preflightStop(stops, 'fix what the failed checks say; nothing was changed');
  }
  return { inspection, state, decision };
}

/** For a no-op: show what the record says. */
export function fillFromRecord(deps: PhaseDeps): void {
  const report = deps.report;
  const p1 = deps.store.state.phase1;
  if (!p1) return;
  report.logLine = p1.logLine;
  report.lostLogLine = p1.lostLogLine;
  report.diff = p1.diff;
  report.keysBefore = p1.deployedAtSuccess?.total ?? p1.before?.total;
  report.keysAfter = p1.after?.total;
  report.backup = p1.backup;
  report.leftoverPvcs = deps.store.state.phase2?.leftoverPvcs ?? [];
}

/** The phase's changes, made under the migration lock and only from the record this run decided on. */
export async function underLock<T>(
  deps: PhaseDeps,
  phase: ChangingPhase,
  read: StateRecord,
  work: () => Promise<T>,
): Promise<T> {
  await step(
    deps,
    'lock',
    () => deps.store.lock(phase),
    (l) =>
      l.tookOverFrom ? `taken over from run ${l.tookOverFrom.runId}, which stopped renewing it` : 'held by this run',
  );
  try {
    assertUnchanged(read, deps.store.state);
    return await work();
  } finally {
    await deps.store.unlock().catch((e) => deps.log.warning(`could not release the lock: ${(e as Error).message}`));
  }
}

/** A run decides from the record it read; if another run advanced it before this one got the lock, stop. */
function assertUnchanged(read: StateRecord, locked: StateRecord): void {
  const key = (x: StateRecord) =>
    JSON.stringify([
      x.phase1?.status,
      x.phase1?.startedAt,
      x.phase2?.status,
      x.phase2?.startedAt,
      x.abort?.status,
      x.abort?.done.length,
    ]);
  if (key(read) !== key(locked)) {
    throw new PhaseStop(
      'refused',
      `another run advanced the migration of release ${locked.release} in namespace ${locked.namespace} while this one was preparing; this run changed nothing`,
      'run the phase again: it continues from the new state (phase status shows where the migration stands)',
    );
  }
}

/** The refusal for failed preflight checks: each named with its reason. */
export function preflightStop(failed: Check[], remedy: string): PhaseStop {
  return new PhaseStop(
    'refused',
    `preflight failed: ${failed.map((c) => `${c.name} (${c.reason})`).join('; ')}`,
    remedy,
  );
}
