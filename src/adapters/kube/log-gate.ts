// Phase one's gate: vCluster's own log line that the copy succeeded. The waiter polls the pod's
// log (follow streams end early, polling does not), reads the previous container's log after a
// restart, and stops early on a failure line, a crash loop or a lost line; a pure judgement reads each look.
import { DENIED_GRACE_MS, deniedApiError, describeError, transientApiError } from './api-retry.ts';
import type { PodView } from '../../core/migration/cluster-view.ts';
import { formatDuration } from '../../core/inputs/duration.ts';
import { SUCCESS_LINE } from '../../core/migration/log-scan.ts';
import {
  judgeLog,
  timeoutFailure,
  waitingNote,
  type LogGateFailure,
  type LogLook,
  type LogRules,
  type Replacement,
} from '../../core/migration/log-verdict.ts';

export const CONTROL_PLANE_CONTAINER = 'syncer';

export interface LogGateResult {
  line: string;
  podUid: string;
  at: string;
  /** Where the line was found. */
  container: 'current' | 'previous';
}

export class LogGateError extends Error {
  override name = 'LogGateError';
  readonly kind: LogGateFailure;
  readonly details: string[];
  /** For 'log-lost': the replacement pod found Ready without the line. */
  readonly podUid?: string;
  constructor(message: string, kind: LogGateFailure, details: string[], podUid?: string) {
    super(message);
    this.kind = kind;
    this.details = details;
    this.podUid = podUid;
  }
}

/** The reads the gate makes (Kube has them). */
export interface PodLogSource {
  pod(namespace: string, name: string): Promise<PodView | undefined>;
  podLog(namespace: string, name: string, container: string, previous: boolean): Promise<string>;
  events(namespace: string, objectName: string, max?: number, uid?: string): Promise<string[]>;
}

/** Where to wait and how long; the rules of what a look shows come from the state record. */
export interface LogGateOptions extends LogRules {
  namespace: string;
  timeoutMs: number;
  pollMs?: number;
  progress?: (msg: string) => void;
  now?: () => number;
}

export async function waitForSuccessLine(kube: PodLogSource, o: LogGateOptions): Promise<LogGateResult> {
  const now = o.now ?? Date.now;
  const start = now();
  const pollMs = o.pollMs ?? 3000;
  const sleep = () => new Promise((r) => setTimeout(r, pollMs));
  const logs = previousLogReader(kube, o);
  const api = apiOutage(o);
  let lastReport = 0;
  let lastPod: PodView | undefined;
  let lastLog = '';
  let replacement: Replacement | undefined;
  while (now() - start < o.timeoutMs) {
    let look: LogLook;
    try {
      look = await readLook(kube, o, logs);
      api.answered();
    } catch (e) {
      api.failed(e, now());
      await sleep();
      continue;
    }
    lastPod = look.pod;
    if (look.pod && !look.pod.deleting) lastLog = look.current || look.previous;
    const verdict = judgeLog(look, o, replacement, now());
    if (verdict.kind !== 'success' && verdict.note) o.progress?.(verdict.note);
    if (verdict.kind === 'success') {
      return { line: verdict.line, podUid: look.pod!.uid, at: new Date().toISOString(), container: verdict.container };
    }
    if (verdict.kind === 'failed')
      throw new LogGateError(verdict.message, verdict.failure, verdict.details, verdict.podUid);
    replacement = verdict.replacement;
    if (now() - lastReport > 30_000) {
      lastReport = now();
      o.progress?.(waitingNote(o.pod, look.pod, now() - start, o.timeoutMs));
    }
    await sleep();
  }
  const events = await kube.events(o.namespace, o.pod, 10, lastPod?.uid || undefined).catch(() => [] as string[]);
  const t = timeoutFailure({ pod: o.pod, timeoutMs: o.timeoutMs, lastPod, lastLog, events, apiDown: api.down() });
  throw new LogGateError(t.message, 'timeout', t.details);
}

/** The previous container's log stays the same until the container restarts again: read once per restart. */
function previousLogReader(kube: PodLogSource, o: LogGateOptions): (pod: PodView) => Promise<string> {
  let previous = '';
  let previousOf = '';
  return async (pod) => {
    const restart = pod.restarts > 0 ? `${pod.uid}/${pod.restarts}` : '';
    if (restart !== previousOf) {
      previous = restart ? await kube.podLog(o.namespace, o.pod, CONTROL_PLANE_CONTAINER, true) : '';
      previousOf = restart;
    }
    return previous;
  };
}

/** One look at the pod and its logs; a pod that is absent or being deleted has none to read. */
async function readLook(
  kube: PodLogSource,
  o: LogGateOptions,
  previousLog: (pod: PodView) => Promise<string>,
): Promise<LogLook> {
  const pod = await kube.pod(o.namespace, o.pod);
  if (!pod || pod.deleting) return { pod, current: '', previous: '' };
  const current = await kube.podLog(o.namespace, o.pod, CONTROL_PLANE_CONTAINER, false);
  return { pod, current, previous: await previousLog(pod) };
}

/**
 * An API server restart or a network blip is no reason to give up a wait of minutes: the line stays
 * in the pod's log, so polling goes on until the timeout. A denial right after a restart is the
 * authorizer still loading RBAC (the preflight proved these verbs); one that lasts is real.
 */
function apiOutage(o: LogGateOptions) {
  let down: string | undefined;
  let deniedSince: number | undefined;
  return {
    answered(): void {
      if (down) o.progress?.(`the Kubernetes API answers again; still waiting for "${SUCCESS_LINE}" in pod ${o.pod}`);
      down = undefined;
      deniedSince = undefined;
    },
    failed(e: unknown, now: number): void {
      if (deniedApiError(e)) deniedSince ??= now;
      if (!(transientApiError(e) || (deniedApiError(e) && now - deniedSince! < DENIED_GRACE_MS))) throw e;
      if (!down)
        o.progress?.(
          `the Kubernetes API did not answer (${describeError(e)}); waiting for it and for the line, up to ${formatDuration(o.timeoutMs)} in all`,
        );
      down = describeError(e);
    },
    down: () => down,
  };
}
