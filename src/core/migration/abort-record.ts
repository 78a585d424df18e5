// The abort's part of the state record: which steps are done (so a killed run resumes after the
// last one), what each recorded, and the round kept once a later migrate starts again. Pure.
import type { Census } from './census.ts';
import type { BackupRecord, PhaseOneRecord, StateRecord } from './state.ts';
import type { AbortCase, AbortSource } from './abort.ts';

/** The steps of abort that change something, in order; a run skips those an earlier run finished. */
// Starting and deleting the reader pod, the waits and the censuses after the upgrade are not here:
// they change nothing that lasts, so every run does them again.
export const ABORT_STEPS = [
  'stop writes',
  'census and snapshot of the embedded etcd',
  'equalize the deployed etcd',
  "clear vCluster's store annotations",
  'helm upgrade to the values before phase one',
] as const;
export type AbortStep = (typeof ABORT_STEPS)[number];

export interface EqualizeRecord {
  /** The embedded etcd's revision the deployed etcd was made equal to. */
  sourceRevision: number;
  deleted: number;
  put: number;
  unchanged: number;
  revisionBefore: number;
  revisionAfter: number;
  /** How: only the changes since phase one's content proof replayed (with their count), or both keyspaces read key by key. */
  how?: 'changes-since-proof' | 'key-by-key';
  replayed?: number;
  /** Why the changes since the proof could not be used (key by key only). */
  whyKeyByKey?: string;
}

export interface AbortRecord {
  status: 'started' | 'aborted' | 'failed';
  startedAt: string;
  /** Whether phase one was verified when abort began: the two cases of the summary. */
  case: AbortCase;
  /** Undefined until the comparison of both etcds decided it (phase one not verified). */
  source?: AbortSource;
  /** Why that source, in one sentence (the decision's words). */
  why: string;
  /** The Helm revision whose values the release goes back to (the revision phase one upgraded from). */
  valuesRevision: number;
  /** spec.replicas of the control-plane StatefulSet before the stop. */
  replicas?: number;
  done: AbortStep[];
  /** The embedded etcd at the stop (read through the reader pod). */
  embeddedAtStop?: Census;
  /** The deployed etcd at the stop: the truth when source is deployed. */
  deployedAtStop?: Census;
  snapshot?: BackupRecord;
  equalize?: EqualizeRecord;
  deployedAfter?: Census;
  /** The embedded etcd's PVCs left in place, for a person to delete. */
  leftoverPvcs?: string[];
  abortedAt?: string;
  failure?: string;
}

/** A phase one given up by an abort, kept when migrate starts again. */
export interface EarlierRound {
  phase1?: PhaseOneRecord;
  abort: AbortRecord;
}

/** What abort knows as it begins: the case, the source if already decided, the values to go back to. */
export type AbortStart = Pick<AbortRecord, 'case' | 'source' | 'why' | 'valuesRevision' | 'replicas'>;

/** The record as abort begins (or resumes a failed abort with the same source). */
export function abortStarted(s: StateRecord, a: AbortStart, now: Date): StateRecord {
  // A resumed abort keeps what its earlier runs did and decided; a source once decided stays.
  const prev = s.abort?.status === 'started' || s.abort?.status === 'failed' ? s.abort : undefined;
  return {
    ...s,
    abort: {
      ...prev,
      ...a,
      source: prev?.source ?? a.source,
      why: prev?.source ? prev.why : a.why,
      replicas: prev?.replicas ?? a.replicas,
      status: 'started',
      startedAt: prev?.startedAt ?? now.toISOString(),
      done: prev?.done ?? [],
      failure: undefined,
    },
  };
}

/** One step finished: recorded with what it found, so a later run does not repeat it. */
export function abortStepDone(s: StateRecord, step: AbortStep, patch: Partial<AbortRecord> = {}): StateRecord {
  const a = requireAbort(s);
  const done = a.done.includes(step) ? a.done : [...a.done, step];
  return { ...s, abort: { ...a, ...patch, done } };
}

export function abortFailed(s: StateRecord, failure: string): StateRecord {
  const a = requireAbort(s);
  return { ...s, abort: { ...a, status: 'failed', failure: failure.slice(0, 300) } };
}

/** The release runs on its deployed etcd again, counted (`deployedAfter`); `leftoverPvcs` stay for a person. */
export function abortFinished(s: StateRecord, deployedAfter: Census, leftoverPvcs: string[], now: Date): StateRecord {
  const a = requireAbort(s);
  const abortedAt = now.toISOString();
  return { ...s, abort: { ...a, status: 'aborted', abortedAt, deployedAfter, leftoverPvcs, failure: undefined } };
}

/** The next step an abort has to run: the first not recorded as done. */
export function nextAbortStep(a: AbortRecord | undefined): AbortStep | undefined {
  return ABORT_STEPS.find((x) => !a?.done.includes(x));
}

export function abortStepIsDone(a: AbortRecord | undefined, step: AbortStep): boolean {
  return a?.done.includes(step) ?? false;
}

/** The source decided after the comparison of both etcds; recorded so a resumed run keeps it. */
export function abortSourceDecided(s: StateRecord, source: AbortSource, why: string): StateRecord {
  const a = requireAbort(s);
  return { ...s, abort: { ...a, source, why } };
}

export function isAborted(s: StateRecord): boolean {
  return s.abort?.status === 'aborted';
}

/**
 * A migrate that starts again after an abort: the given-up phase one and its abort move to the
 * earlier rounds, so the new phase one starts from a clean record and the old one stays readable.
 */
export function archiveAbortedRound(s: StateRecord): StateRecord {
  if (!s.abort) return s;
  const { abort, phase1, ...rest } = s;
  return { ...rest, earlier: [...(s.earlier ?? []), { phase1, abort }] };
}

function requireAbort(s: StateRecord): AbortRecord {
  if (!s.abort) throw new Error(`the state record of ${s.release} has no abort record`);
  return s.abort;
}
