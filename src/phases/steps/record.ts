// The phases' writes to the state record: each phase's own fields, typed by the phase.
import type { PhaseDeps } from './deps.ts';
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
