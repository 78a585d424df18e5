// The state record: what the migration has done so far, kept in ConfigMap
// <release>-etcd-migration. Pure: the document, its transitions and the lock rules.
import type { Census, CensusDiff } from './census.ts';
import type { AbortRecord, EarlierRound } from './abort-record.ts';
import type { ContentBaseline } from './content-proof.ts';

/** A snapshot of the deployed etcd taken before phase one, as the state record keeps it. */
export interface BackupRecord {
  file: string;
  bytes: number;
  sha256: string;
  revision: number;
  keys: number;
}

/** The migration's two phases, by their key in the state record. */
export type MigrationPhase = 'phase1' | 'phase2';

/** How a migration phase is named in text ("phase one") and in file names ("phase-one"). */
export const PHASE_TEXT: Record<MigrationPhase, 'phase one' | 'phase two'> = {
  phase1: 'phase one',
  phase2: 'phase two',
};
export const phaseSlug = (p: MigrationPhase): string => PHASE_TEXT[p].replace(' ', '-');

export const STATE_KEY = 'state.json';
export const stateConfigMapName = (release: string): string => `${release}-etcd-migration`;
/** A run renews its lock this often; a lock not renewed for LOCK_STALE_MS belongs to a dead run. */
export const LOCK_RENEW_MS = 20_000;
export const LOCK_STALE_MS = 90_000;

/** Where a migration phase stands in the state record. */
export type RecordStatus = 'started' | 'upgraded' | 'verified' | 'failed';

export interface PhaseOneRecord {
  status: RecordStatus;
  startedAt: string;
  chartVersion: string;
  valuesDigest: string;
  /** The Helm revision phase one upgraded from: its values are the way back (abort reads them from Helm). */
  helmRevisionBefore?: number;
  upgradedAt?: string;
  /** The control-plane pod helm's --wait ended with: it runs the copy and logs the success line. */
  upgradedPodUid?: string;
  verifiedAt?: string;
  /** vCluster's success line and the pod that wrote it. */
  logLine?: string;
  podUid?: string;
  loggedAt?: string;
  /** Set when the line's pod was replaced and equal key counts were accepted instead (accept-lost-log-line). */
  lostLogLine?: string;
  /** The replacement pod a run found Ready without the success line (the next run skips the grace for it). */
  lostLinePodUid?: string;
  before?: Census;
  after?: Census;
  deployedAtSuccess?: Census;
  diff?: CensusDiff;
  /** What the content proof found equal and at which revisions (abort replays only the changes since). */
  contentBaseline?: ContentBaseline;
  backup?: BackupRecord;
  backupSkipReason?: string;
  failure?: string;
}

export interface PhaseTwoRecord {
  status: RecordStatus;
  startedAt: string;
  valuesDigest: string;
  upgradedAt?: string;
  verifiedAt?: string;
  approvedBy?: string[];
  approvalBypassed?: boolean;
  census?: Census;
  leftoverPvcs?: string[];
  deletedPvcs?: string[];
  failure?: string;
}

export interface Lock {
  runId: string;
  phase: string;
  acquiredAt: string;
  renewedAt: string;
}

export interface StateRecord {
  version: 1;
  release: string;
  namespace: string;
  phase1?: PhaseOneRecord;
  phase2?: PhaseTwoRecord;
  /** Set by phase abort; `aborted` once the release runs on its deployed etcd again. */
  abort?: AbortRecord;
  /** Phase-one rounds given up by an abort, oldest first, kept when migrate starts again. */
  earlier?: EarlierRound[];
  lock?: Lock;
  /** Most recent last, bounded. */
  history: { at: string; runId: string; event: string }[];
}

const HISTORY_MAX = 50;

export function emptyState(release: string, namespace: string): StateRecord {
  return { version: 1, release, namespace, history: [] };
}

export function parseState(text: string, release: string, namespace: string): StateRecord {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(
      `ConfigMap ${stateConfigMapName(release)} in ${namespace} has a ${STATE_KEY} that is not JSON; it was not written by this action. Inspect it, and delete it only if no migration is under way.`,
    );
  }
  const s = doc as StateRecord;
  if (!s || s.version !== 1 || s.release !== release || s.namespace !== namespace) {
    throw new Error(
      `ConfigMap ${stateConfigMapName(release)} in ${namespace} does not hold a state record of release ${release} (version 1); inspect it before running again.`,
    );
  }
  s.history ??= [];
  return s;
}

/** Phase one's record with `patch` over it. */
export function withPhaseOne(s: StateRecord, patch: Partial<PhaseOneRecord>): StateRecord {
  return { ...s, phase1: { ...s.phase1!, ...patch } };
}

/** Phase two's record with `patch` over it. */
export function withPhaseTwo(s: StateRecord, patch: Partial<PhaseTwoRecord>): StateRecord {
  return { ...s, phase2: { ...s.phase2!, ...patch } };
}

export function withEvent(s: StateRecord, runId: string, event: string, at: Date): StateRecord {
  const history = [...s.history, { at: at.toISOString(), runId, event }].slice(-HISTORY_MAX);
  return { ...s, history };
}

export type LockDecision = { take: true; takeover?: Lock } | { take: false; holder: Lock };

/** Whether this run may hold the lock: free, its own, or left by a run that stopped renewing it. */
export function decideLock(s: StateRecord, runId: string, now: Date): LockDecision {
  const l = s.lock;
  if (!l || l.runId === runId) return { take: true };
  if (now.getTime() - Date.parse(l.renewedAt) > LOCK_STALE_MS) return { take: true, takeover: l };
  return { take: false, holder: l };
}

export function lockedBy(s: StateRecord, runId: string, phase: string, now: Date): StateRecord {
  const at = now.toISOString();
  const acquiredAt = s.lock?.runId === runId ? s.lock.acquiredAt : at;
  return { ...s, lock: { runId, phase, acquiredAt, renewedAt: at } };
}

export function unlocked(s: StateRecord, runId: string): StateRecord {
  if (s.lock?.runId !== runId) return s;
  const { lock: _drop, ...rest } = s;
  return rest;
}
