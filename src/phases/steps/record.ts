// The phases' writes to the state record: each phase's own fields, typed by the phase.
import type { PhaseDeps } from './deps.ts';
import type { Census } from '../../core/migration/census.ts';
import type { AbortSource } from '../../core/migration/abort.ts';
import {
  abortFailed,
  abortFinished,
  abortSourceDecided,
  abortStarted,
  abortStepDone,
  type AbortRecord,
  type AbortStart,
  type AbortStep,
} from '../../core/migration/abort-record.ts';
import {
  withPhaseOne,
  withPhaseTwo,
  type MigrationPhase,
  type PhaseOneRecord,
  type PhaseTwoRecord,
} from '../../core/migration/state.ts';

export async function recordPhaseOne(deps: PhaseDeps, patch: Partial<PhaseOneRecord>, event: string): Promise<void> {
  await deps.store.update((st) => withPhaseOne(st, patch), event);
}

export async function recordPhaseTwo(deps: PhaseDeps, patch: Partial<PhaseTwoRecord>, event: string): Promise<void> {
  await deps.store.update((st) => withPhaseTwo(st, patch), event);
}

/** The fields both phases' records have: where its upgrade stands. */
export type UpgradeProgress = Partial<Pick<PhaseOneRecord & PhaseTwoRecord, 'status' | 'upgradedAt' | 'failure'>>;

export function recordUpgradeProgress(
  deps: PhaseDeps,
  phase: MigrationPhase,
  patch: UpgradeProgress,
  event: string,
): Promise<void> {
  return phase === 'phase1' ? recordPhaseOne(deps, patch, event) : recordPhaseTwo(deps, patch, event);
}

/** One abort step finished, with what it found: a later run does not repeat it. */
export async function recordAbortStep(
  deps: PhaseDeps,
  name: AbortStep,
  patch: Partial<AbortRecord> = {},
): Promise<void> {
  await deps.store.update((st) => abortStepDone(st, name, patch), `abort: ${name}`);
}

/** The abort began (or a failed one resumes, keeping what its earlier runs did and decided). */
export async function recordAbortStarted(deps: PhaseDeps, start: AbortStart, resumed: boolean): Promise<AbortRecord> {
  const st = await deps.store.update(
    (s) => abortStarted(s, start, new Date()),
    resumed ? 'abort resumed' : 'abort started',
  );
  return st.abort!;
}

/** The etcd the abort keeps, decided from the comparison of both etcds. */
export async function recordAbortSource(deps: PhaseDeps, source: AbortSource, why: string): Promise<AbortRecord> {
  const st = await deps.store.update((s) => abortSourceDecided(s, source, why), `abort keeps the ${source} etcd`);
  return st.abort!;
}

export async function recordAbortFailed(deps: PhaseDeps, failure: string): Promise<void> {
  await deps.store.update((s) => (s.abort ? abortFailed(s, failure) : s), 'abort failed');
}

export async function recordAbortFinished(
  deps: PhaseDeps,
  deployedAfter: Census,
  leftoverPvcs: string[],
): Promise<AbortRecord> {
  const st = await deps.store.update((s) => abortFinished(s, deployedAfter, leftoverPvcs, new Date()), 'aborted');
  return st.abort!;
}
