import { describe, expect, it } from 'vitest';
import {
  ABORT_STEPS,
  abortFailed,
  abortFinished,
  abortSourceDecided,
  abortStarted,
  abortStepDone,
  abortStepIsDone,
  archiveAbortedRound,
  isAborted,
  nextAbortStep,
} from '../../../../src/core/migration/abort-record.ts';
import { emptyState, parseState, type StateRecord } from '../../../../src/core/migration/state.ts';
import { sampleCensus, withVerifiedPhaseOne } from '../../../support/state-records.ts';

const now = new Date('2026-12-07T08:00:00Z');
const later = new Date('2026-12-07T08:05:00Z');
const census = sampleCensus();

const phaseOne = (s: StateRecord): StateRecord => withVerifiedPhaseOne(s);
const started = (source?: 'embedded' | 'deployed') =>
  abortStarted(
    phaseOne(emptyState('vc', 'ns')),
    { case: 'verified', source, why: 'phase one verified', valuesRevision: 3, replicas: 1 },
    now,
  );

describe('abort record transitions', () => {
  it('starts with no step done, the revision to go back to and the case', () => {
    const s = started('embedded');
    expect(s.abort).toMatchObject({
      status: 'started',
      startedAt: now.toISOString(),
      case: 'verified',
      source: 'embedded',
      valuesRevision: 3,
      replicas: 1,
      done: [],
    });
    expect(nextAbortStep(s.abort)).toBe('stop writes');
    // The phase-one record is kept as it was.
    expect(s.phase1?.status).toBe('verified');
  });

  it('records each step once, in order, with what it found', () => {
    let s = started('embedded');
    s = abortStepDone(s, 'stop writes', { replicas: 2 });
    s = abortStepDone(s, 'stop writes');
    expect(s.abort!.done).toEqual(['stop writes']);
    expect(s.abort!.replicas).toBe(2);
    expect(abortStepIsDone(s.abort, 'stop writes')).toBe(true);
    expect(abortStepIsDone(s.abort, 'equalize the deployed etcd')).toBe(false);
    expect(nextAbortStep(s.abort)).toBe('census and snapshot of the embedded etcd');
    for (const x of ABORT_STEPS) s = abortStepDone(s, x);
    expect(nextAbortStep(s.abort)).toBeUndefined();
  });

  it('a resumed abort keeps the steps, the start time, the replicas and the source an earlier run decided', () => {
    let s = started(undefined);
    s = abortStepDone(s, 'stop writes', { replicas: 3 });
    s = abortSourceDecided(s, 'deployed', 'the embedded etcd holds no write the deployed etcd lacks');
    s = abortFailed(s, 'killed');
    expect(s.abort).toMatchObject({ status: 'failed', failure: 'killed' });
    // The next run decides again from the state record (no comparison yet: no source) and resumes.
    const again = abortStarted(
      s,
      { case: 'verified', source: undefined, why: 'compare', valuesRevision: 3, replicas: 0 },
      later,
    );
    expect(again.abort).toMatchObject({
      status: 'started',
      startedAt: now.toISOString(),
      done: ['stop writes'],
      replicas: 3,
      source: 'deployed',
      why: 'the embedded etcd holds no write the deployed etcd lacks',
      failure: undefined,
    });
  });

  it('a failure is kept short', () => {
    expect(abortFailed(started(), 'x'.repeat(1000)).abort!.failure).toHaveLength(300);
  });

  it('ends aborted with the PVCs left, and a later migrate moves the round to the history', () => {
    const s = abortFinished(started('embedded'), census, ['data-vc-0'], later);
    expect(isAborted(s)).toBe(true);
    expect(s.abort).toMatchObject({ status: 'aborted', abortedAt: later.toISOString(), leftoverPvcs: ['data-vc-0'] });
    const next = archiveAbortedRound(s);
    expect(next.abort).toBeUndefined();
    expect(next.phase1).toBeUndefined();
    expect(next.earlier).toEqual([{ phase1: s.phase1, abort: s.abort }]);
    // A second round appends; a record without an abort is left as it is.
    const twice = archiveAbortedRound({ ...phaseOne(next), abort: s.abort });
    expect(twice.earlier).toHaveLength(2);
    expect(archiveAbortedRound(phaseOne(emptyState('vc', 'ns')))).toEqual(phaseOne(emptyState('vc', 'ns')));
  });

  it('a step on a record without an abort is a programming error, said as such', () => {
    expect(() => abortStepDone(emptyState('vc', 'ns'), 'stop writes')).toThrow('has no abort record');
  });

  it('survives the ConfigMap round trip', () => {
    const s = abortFinished(started('embedded'), census, [], later);
    expect(parseState(JSON.stringify(s), 'vc', 'ns')).toEqual(s);
  });
});
