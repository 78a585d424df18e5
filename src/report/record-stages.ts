// Where the migration stands, read from the state record rather than from one run's steps: each
// stage of the procedure done (with the time it took between the record's timestamps), current,
// failed (with the failure the record keeps) or still to come. status and a no-op draw this.
import type { PhaseOneRecord, PhaseTwoRecord } from '../core/migration/state.ts';

export type RecordedStageState = 'done' | 'current' | 'failed' | 'todo' | 'skipped' | 'optional';

export interface RecordedStage {
  label: string;
  state: RecordedStageState;
  ms: number;
  /** The record's failure, on the stage that failed. */
  failure?: string;
}

/** The record's two phases, as the report carries them. */
export interface RecordedPhases {
  phase1?: PhaseOneRecord;
  phase2?: PhaseTwoRecord;
}

/** Milliseconds from `from` to `to` (ISO times), 0 when either is missing. */
function between(from: string | undefined, to: string | undefined): number {
  if (!from || !to) return 0;
  return Math.max(0, Date.parse(to) - Date.parse(from));
}

type Step = Omit<RecordedStage, 'label'>;

/** One stage of a phase: done once `doneAt` is set, else failed or current when the phase stands there. */
function stage(
  record: { status: string; failure?: string } | undefined,
  reached: boolean,
  done: boolean,
  ms: number,
): Step {
  if (done) return { state: 'done', ms };
  if (!record || !reached) return { state: 'todo', ms: 0 };
  if (record.status === 'failed') return { state: 'failed', ms: 0, failure: record.failure };
  return { state: 'current', ms: 0 };
}

function phaseOneStages(p1: PhaseOneRecord | undefined): Step[] {
  const backup: Step = p1?.backup
    ? { state: 'done', ms: 0 }
    : p1?.backupSkipReason !== undefined
      ? { state: 'skipped', ms: 0 }
      : { state: p1 ? 'skipped' : 'current', ms: 0 };
  const upgraded = p1?.upgradedAt !== undefined || p1?.status === 'verified';
  const logged = p1?.loggedAt !== undefined || p1?.lostLogLine !== undefined || p1?.status === 'verified';
  const verified = p1?.status === 'verified';
  return [
    backup,
    stage(p1, true, upgraded, between(p1?.startedAt, p1?.upgradedAt)),
    stage(p1, upgraded, logged, between(p1?.upgradedAt, p1?.loggedAt)),
    stage(p1, logged, verified, between(p1?.loggedAt ?? p1?.upgradedAt, p1?.verifiedAt)),
  ];
}

function phaseTwoStages(p1: PhaseOneRecord | undefined, p2: PhaseTwoRecord | undefined): Step[] {
  const approval: Step = p2
    ? { state: 'done', ms: 0 }
    : { state: p1?.status === 'verified' ? 'current' : 'todo', ms: 0 };
  const upgraded = p2?.upgradedAt !== undefined || p2?.status === 'verified';
  return [
    approval,
    stage(p2, true, upgraded, between(p2?.startedAt, p2?.upgradedAt)),
    stage(p2, upgraded, p2?.status === 'verified', between(p2?.upgradedAt, p2?.verifiedAt)),
  ];
}

/** The procedure's stages as the record shows them, in order; the labels are the diagram's. */
export function recordStages(labels: readonly string[], record: RecordedPhases): RecordedStage[] {
  const steps: Step[] = [
    // Whether a plan ran is not recorded.
    { state: 'optional', ms: 0 },
    ...phaseOneStages(record.phase1),
    ...phaseTwoStages(record.phase1, record.phase2),
  ];
  return labels.map((label, i) => ({ label, ...steps[i]! }));
}
