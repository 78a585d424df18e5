// Phase one's gate: vCluster's own log line that the copy succeeded. The waiter polls the pod's
// log (follow streams end early, polling does not), reads the previous container's log after a
// restart, and stops early on a failure line or a crash loop; a pure scan reads the lines.
import { DENIED_GRACE_MS, deniedApiError, describeError, transientApiError } from './api-retry.ts';
import type { PodView } from '../../core/migration/cluster-view.ts';
import { formatDuration } from '../../core/inputs/duration.ts';
import { lastLines, replacedSinceUpgrade, scanLog, SUCCESS_LINE } from '../../core/migration/log-scan.ts';

export const CONTROL_PLANE_CONTAINER = 'syncer';

export interface LogGateResult {
  line: string;
  podUid: string;
  at: string;
  /** Where the line was found. */
  container: 'current' | 'previous';
}

/** 'log-lost': the pod that ran the copy was replaced after the upgrade; its log is gone. */
export type LogGateFailure = 'failure-line' | 'crash-loop' | 'timeout' | 'log-lost';

/** How long a replacement pod may be Ready without the line before the line counts as lost. */
export const LOST_LINE_GRACE_MS = 20_000;

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

export interface LogGateOptions {
  namespace: string;
  pod: string;
  timeoutMs: number;
  pollMs?: number;
  progress?: (msg: string) => void;
  now?: () => number;
  /** The pod phase one's upgrade ended with (state record): a pod with another uid replaced it. */
  copyPodUid?: string;
  lostLineGraceMs?: number;
  /** A replacement an earlier run already found Ready without the line: no second grace for it. */
  knownLostPodUid?: string;
}

export async function waitForSuccessLine(kube: PodLogSource, o: LogGateOptions): Promise<LogGateResult> {
  const now = o.now ?? Date.now;
  const start = now();
  const pollMs = o.pollMs ?? 3000;
  let lastReport = 0;
  let lastPod: PodView | undefined;
  let lastLog = '';
  let apiDown: string | undefined;
  let deniedSince: number | undefined;
  // The replacement pod being given its grace, and since when it is Ready: a further replacement
  // starts its own grace.
  let replacement: { uid: string; readySince: number } | undefined;
  // The previous container's log stays the same until the container restarts again: read once per restart.
  let previous = '';
  let previousOf = '';
  while (now() - start < o.timeoutMs) {
    let pod: PodView | undefined;
    let current = '';
    try {
      pod = await kube.pod(o.namespace, o.pod);
      if (pod && !pod.deleting) {
        current = await kube.podLog(o.namespace, o.pod, CONTROL_PLANE_CONTAINER, false);
        const restart = pod.restarts > 0 ? `${pod.uid}/${pod.restarts}` : '';
        if (restart !== previousOf) {
          previous = restart ? await kube.podLog(o.namespace, o.pod, CONTROL_PLANE_CONTAINER, true) : '';
          previousOf = restart;
        }
      }
      if (apiDown)
        o.progress?.(`the Kubernetes API answers again; still waiting for "${SUCCESS_LINE}" in pod ${o.pod}`);
      apiDown = undefined;
      deniedSince = undefined;
    } catch (e) {
      // An API server restart or a network blip is no reason to give up a wait of minutes:
      // the line stays in the pod's log, so keep polling until the timeout.
      // A denial right after a restart is the authorizer still loading RBAC (the preflight proved
      // these verbs); one that lasts is real.
      if (deniedApiError(e)) deniedSince ??= now();
      if (!(transientApiError(e) || (deniedApiError(e) && now() - deniedSince! < DENIED_GRACE_MS))) throw e;
      if (!apiDown)
        o.progress?.(
          `the Kubernetes API did not answer (${describeError(e)}); waiting for it and for the line, up to ${formatDuration(o.timeoutMs)} in all`,
        );
      apiDown = describeError(e);
      await new Promise((r) => setTimeout(r, pollMs));
      continue;
    }
    lastPod = pod;
    if (pod && !pod.deleting) {
      lastLog = current || previous;
      for (const [text, container] of [
        [current, 'current'],
        [previous, 'previous'],
      ] as const) {
        const scan = scanLog(text);
        if (scan.success) return { line: scan.success, podUid: pod.uid, at: new Date().toISOString(), container };
      }
      const fail = scanLog(current).failure;
      if (fail) {
        throw new LogGateError(
          `vCluster logged a migration failure in pod ${o.pod}: ${fail}`,
          'failure-line',
          lastLines(current, 20),
        );
      }
      // A replacement pod that is Ready has started its control plane, so a copy of its own would
      // have logged by now: the line was in the replaced pod's log, which is gone.
      if (pod.ready && replacedSinceUpgrade(pod, o.copyPodUid)) {
        const grace = pod.uid === o.knownLostPodUid ? 0 : (o.lostLineGraceMs ?? LOST_LINE_GRACE_MS);
        if (replacement?.uid !== pod.uid) {
          replacement = { uid: pod.uid, readySince: now() };
          o.progress?.(
            grace > 0
              ? `pod ${o.pod} was replaced since the upgrade (uid ${pod.uid}) and is Ready without the line; giving it ${formatDuration(grace)} to log a copy of its own`
              : `pod ${o.pod} (uid ${pod.uid}) is the replacement the last run already found Ready without the line; no second grace`,
          );
        }
        if (now() - replacement.readySince >= grace) {
          throw new LogGateError(
            `pod ${o.pod} (uid ${pod.uid}, created ${pod.createdAt ?? 'at an unknown time'}) is not the pod the phase-one upgrade ended with (uid ${o.copyPodUid}): the pod that ran the copy was replaced (evicted, drained or deleted) and its log, with any "${SUCCESS_LINE}", is gone. The new pod is Ready without the line`,
            'log-lost',
            [
              `pod: ${pod.name} uid ${pod.uid}, created ${pod.createdAt}, Ready, ${pod.restarts} restarts`,
              ...lastLines(current, 20).map((l) => `log: ${l}`),
            ],
            pod.uid,
          );
        }
      }
      if (pod.waitingReason === 'CrashLoopBackOff') {
        throw new LogGateError(
          `pod ${o.pod} is in CrashLoopBackOff (${pod.restarts} restarts) before logging success; the last lines of the previous container are below`,
          'crash-loop',
          lastLines(previous, 20),
        );
      }
    }
    if (now() - lastReport > 30_000) {
      lastReport = now();
      const state = pod
        ? `${pod.phase}${pod.ready ? ', Ready' : ''}${pod.restarts ? `, ${pod.restarts} restarts` : ''}`
        : 'not created yet';
      o.progress?.(
        `waiting for "${SUCCESS_LINE}" in pod ${o.pod} (${state}); ${formatDuration(now() - start)} of ${formatDuration(o.timeoutMs)}`,
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const events = await kube.events(o.namespace, o.pod, 10, lastPod?.uid || undefined).catch(() => [] as string[]);
  if (apiDown) events.unshift(`the Kubernetes API did not answer at the end of the wait: ${apiDown}`);
  const state = lastPod
    ? `phase ${lastPod.phase}, ready ${lastPod.ready}, restarts ${lastPod.restarts}${lastPod.waitingReason ? `, waiting: ${lastPod.waitingReason}` : ''}`
    : 'the pod does not exist';
  throw new LogGateError(
    `no "${SUCCESS_LINE}" in pod ${o.pod} within ${formatDuration(o.timeoutMs)} (pod: ${state}). The deployed etcd still holds the data; finalize stays refused. Check the log lines and events below, then run migrate again (it resumes at this wait)`,
    'timeout',
    [...lastLines(lastLog, 20).map((l) => `log: ${l}`), ...events.map((e) => `event: ${e}`)],
  );
}
