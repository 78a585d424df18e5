// Phase one's gate as a judgement of one look at the control-plane pod and its log: the success
// line, a failure that ends the wait, or keep waiting. Pure: the poller reads the pod and the log,
// keeps the time and passes what it saw.
import type { PodView } from './cluster-view.ts';
import { formatDuration } from '../inputs/duration.ts';
import { lastLines, replacedSinceUpgrade, scanLog, SUCCESS_LINE } from './log-scan.ts';

/** 'log-lost': the pod that ran the copy was replaced after the upgrade; its log is gone. */
export type LogGateFailure = 'failure-line' | 'crash-loop' | 'timeout' | 'log-lost';

/** How long a replacement pod may be Ready without the line before the line counts as lost. */
export const LOST_LINE_GRACE_MS = 20_000;

/** What the gate watches for: the pod by name, and what the state record says of its predecessors. */
export interface LogRules {
  pod: string;
  /** The pod phase one's upgrade ended with (state record): a pod with another uid replaced it. */
  copyPodUid?: string;
  lostLineGraceMs?: number;
  /** A replacement an earlier run already found Ready without the line: no second grace for it. */
  knownLostPodUid?: string;
}

/** One look: the pod (absent or being deleted: nothing to read) and its current and previous container's log. */
export interface LogLook {
  pod: PodView | undefined;
  current: string;
  previous: string;
}

/** The replacement pod being given its grace, and since when it is Ready. */
export interface Replacement {
  uid: string;
  readySince: number;
}

export type LogVerdict =
  | { kind: 'success'; line: string; container: 'current' | 'previous' }
  | {
      kind: 'failed';
      failure: Exclude<LogGateFailure, 'timeout'>;
      message: string;
      details: string[];
      podUid?: string;
      note?: string;
    }
  /** `replacement`: the grace being given now. */
  | { kind: 'waiting'; replacement?: Replacement; note?: string };

/**
 * What one look shows at time `now`; `note`, on any verdict: a new replacement's grace begins. `replacement`: the grace the last look began; a further
 * replacement starts its own.
 */
export function judgeLog(
  look: LogLook,
  rules: LogRules,
  replacement: Replacement | undefined,
  now: number,
): LogVerdict {
  const { pod, current, previous } = look;
  if (!pod || pod.deleting) return { kind: 'waiting', replacement };
  for (const [text, container] of [
    [current, 'current'],
    [previous, 'previous'],
  ] as const) {
    const scan = scanLog(text);
    if (scan.success) return { kind: 'success', line: scan.success, container };
  }
  const fail = scanLog(current).failure;
  if (fail) {
    return {
      kind: 'failed',
      failure: 'failure-line',
      message: `vCluster logged a migration failure in pod ${rules.pod}: ${fail}`,
      details: lastLines(current, 20),
    };
  }
  let note: string | undefined;
  // A replacement pod that is Ready has started its control plane, so a copy of its own would
  // have logged by now: the line was in the replaced pod's log, which is gone.
  if (pod.ready && replacedSinceUpgrade(pod, rules.copyPodUid)) {
    const grace = pod.uid === rules.knownLostPodUid ? 0 : (rules.lostLineGraceMs ?? LOST_LINE_GRACE_MS);
    if (replacement?.uid !== pod.uid) {
      replacement = { uid: pod.uid, readySince: now };
      note =
        grace > 0
          ? `pod ${rules.pod} was replaced since the upgrade (uid ${pod.uid}) and is Ready without the line; giving it ${formatDuration(grace)} to log a copy of its own`
          : `pod ${rules.pod} (uid ${pod.uid}) is the replacement the last run already found Ready without the line; no second grace`;
    }
    if (now - replacement.readySince >= grace) {
      return {
        kind: 'failed',
        failure: 'log-lost',
        message: `pod ${rules.pod} (uid ${pod.uid}, created ${pod.createdAt ?? 'at an unknown time'}) is not the pod the phase-one upgrade ended with (uid ${rules.copyPodUid}): the pod that ran the copy was replaced (evicted, drained or deleted) and its log, with any "${SUCCESS_LINE}", is gone. The new pod is Ready without the line`,
        details: [
          `pod: ${pod.name} uid ${pod.uid}, created ${pod.createdAt ?? 'at an unknown time'}, Ready, ${pod.restarts} restarts`,
          ...lastLines(current, 20).map((l) => `log: ${l}`),
        ],
        podUid: pod.uid,
        note,
      };
    }
  }
  if (pod.waitingReason === 'CrashLoopBackOff') {
    return {
      kind: 'failed',
      failure: 'crash-loop',
      message: `pod ${rules.pod} is in CrashLoopBackOff (${pod.restarts} restarts) before logging success; the last lines of the previous container are below`,
      details: lastLines(previous, 20),
    };
  }
  return { kind: 'waiting', replacement, note };
}

/** The wait ran out: what the pod last showed, its last lines and events, and whether the API answered at the end. */
export function timeoutFailure(a: {
  pod: string;
  timeoutMs: number;
  lastPod: PodView | undefined;
  lastLog: string;
  events: string[];
  apiDown: string | undefined;
}): { message: string; details: string[] } {
  const events = a.apiDown
    ? [`the Kubernetes API did not answer at the end of the wait: ${a.apiDown}`, ...a.events]
    : a.events;
  const p = a.lastPod;
  const state = p
    ? `phase ${p.phase}, ready ${p.ready}, restarts ${p.restarts}${p.waitingReason ? `, waiting: ${p.waitingReason}` : ''}`
    : 'the pod does not exist';
  return {
    message: `no "${SUCCESS_LINE}" in pod ${a.pod} within ${formatDuration(a.timeoutMs)} (pod: ${state}). The deployed etcd still holds the data; finalize stays refused. Check the log lines and events below, then run migrate again (it resumes at this wait)`,
    details: [...lastLines(a.lastLog, 20).map((l) => `log: ${l}`), ...events.map((e) => `event: ${e}`)],
  };
}

/** The progress line of a wait still going: the pod's state and the time spent. */
export function waitingNote(pod: string, seen: PodView | undefined, spentMs: number, timeoutMs: number): string {
  const state = seen
    ? `${seen.phase}${seen.ready ? ', Ready' : ''}${seen.restarts ? `, ${seen.restarts} restarts` : ''}`
    : 'not created yet';
  return `waiting for "${SUCCESS_LINE}" in pod ${pod} (${state}); ${formatDuration(spentMs)} of ${formatDuration(timeoutMs)}`;
}
