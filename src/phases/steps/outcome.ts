// How a phase ends when it stops: a refusal or failure it explained, or an error from below,
// turned into the outcome the report shows. Pure: the error in, the outcome out.
import type { Outcome } from '../../report/report.ts';
import { LockHeldError, LockLostError } from '../../adapters/kube/state-store.ts';
import { describeError } from '../../adapters/kube/api-retry.ts';
import { stateConfigMapName } from '../../core/migration/state.ts';

/** A stop the phase explained: its status, the headline (the message) and what to do next. */
export class PhaseStop extends Error {
  override name = 'PhaseStop';
  readonly status: 'failed' | 'refused';
  readonly next: string;
  constructor(status: 'failed' | 'refused', message: string, next: string) {
    super(message);
    this.status = status;
    this.next = next;
  }
}

/** The outcome of a run that stopped on `e`: a phase's stop, a lost or held lock, or any other error. */
export function stopOutcome(e: unknown, release: string): Outcome {
  if (e instanceof PhaseStop) return { status: e.status, headline: e.message, next: e.next };
  if (e instanceof LockLostError) {
    return {
      status: 'failed',
      headline: e.message,
      next: e.holder
        ? `run ${e.holder.runId} holds the lock and continues the migration; read its summary, or run phase status`
        : 'run phase status to see where the migration stands, then run the phase again: it resumes from the state record',
    };
  }
  if (e instanceof LockHeldError) {
    return { status: 'refused', headline: e.message, next: 'wait for the other run to finish' };
  }
  return {
    status: 'failed',
    headline: describeError(e),
    next: `fix the cause above and run again; nothing changes before the preflight passes, and ConfigMap ${stateConfigMapName(release)} tells the next run where to resume`,
  };
}
