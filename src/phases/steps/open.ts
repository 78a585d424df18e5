// The opening every changing phase shares: preflight, the state record and the decision, and the
// lock under which the phase then changes the cluster. status reads the record the same way.
import type { Deps } from './deps.ts';
import { step, PhaseStop } from './deps.ts';
import type { Decision } from '../../core/migration/decide.ts';
import { failedChecks, type Check } from '../../core/migration/preflight.ts';
import { gather, type Gathered } from './gather.ts';
import { gitopsGate } from './gitops-gate.ts';
import type { StateRecord } from '../../core/migration/state.ts';
import type { ClusterView } from '../../core/migration/cluster-view.ts';

/** A phase's opening with the cluster checked and the record read: go on from the start, or resume. */
export interface Opened {
  g: Gathered;
  state: StateRecord;
  decision: Extract<Decision, { kind: 'start' | 'resume' }>;
}

/**
 * Preflight, the state record, the decision. A no-op fills the report from the record and gives
 * undefined; a refusal, a GitOps controller not paused, or a failed check that `blocking` keeps,
 * stops the phase before any change.
 */
export async function openPhase(
  d: Deps,
  phase: 'migrate' | 'finalize' | 'abort',
  decide: (state: StateRecord, view: ClusterView) => Decision,
  blocking: (failed: Check[], decision: Opened['decision']) => Check[],
): Promise<Opened | undefined> {
  const r = d.report;
  const g = await step(d, 'preflight', () => gather(d));
  const state = await d.store.load();
  const decision = decide(state, g.view);
  if (decision.kind === 'noop') {
    r.status = 'no-op';
    r.headline = `Nothing to do: ${decision.why}.`;
    r.next = decision.next;
    fillFromRecord(d);
    return undefined;
  }
  if (decision.kind === 'refuse') throw new PhaseStop('refused', decision.why, decision.remedy);
  gitopsGate(d, g.view, phase);
  const stops = blocking(failedChecks(g.checks), decision);
  if (stops.length > 0) {
    throw preflightStop(stops, 'fix what the failed checks say; nothing was changed');
  }
  return { g, state, decision };
}

/** For a no-op: show what the record says. */
export function fillFromRecord(d: Deps): void {
  const p1 = d.store.state.phase1;
  if (!p1) return;
  d.report.logLine = p1.logLine;
  d.report.lostLogLine = p1.lostLogLine;
  d.report.diff = p1.diff;
  d.report.keysBefore = p1.deployedAtSuccess?.total ?? p1.before?.total;
  d.report.keysAfter = p1.after?.total;
  d.report.backup = p1.backup;
  d.report.leftoverPvcs = d.store.state.phase2?.leftoverPvcs ?? [];
}

/** The phase's changes, made under the migration lock and only from the record this run decided on. */
export async function underLock(
  d: Deps,
  phase: 'migrate' | 'finalize' | 'abort',
  read: StateRecord,
  work: () => Promise<void>,
): Promise<void> {
  await step(
    d,
    'lock',
    () => d.store.lock(phase),
    (l) =>
      l.tookOverFrom ? `taken over from run ${l.tookOverFrom.runId}, which stopped renewing it` : `held by this run`,
  );
  try {
    assertUnchanged(read, d.store.state);
    await work();
  } finally {
    await d.store.unlock().catch((e) => d.log.warning(`could not release the lock: ${(e as Error).message}`));
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
