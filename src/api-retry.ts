// Kubernetes API calls that must outlive an API server restart or a network blip: retried while
// the error is one that waiting can fix, within a time budget.
import { statusOf } from './kube.ts';

/** No HTTP answer (connection refused or reset, a timeout), or one that says "try later". */
export function transientApiError(e: unknown): boolean {
  const code = statusOf(e);
  return code === undefined || code === 429 || code >= 500;
}

/**
 * 401/403. Right after an API server restart the authorizer has not loaded RBAC yet and denies
 * what it allowed a moment ago; a call the preflight proved allowed may be retried this long.
 */
export const DENIED_GRACE_MS = 60_000;
export function deniedApiError(e: unknown): boolean {
  const code = statusOf(e);
  return code === 401 || code === 403;
}

/** Runs fn; on a transient error tries again (1 s, 2 s, 4 s, then every 5 s) until budgetMs has passed. */
export async function retryTransient<T>(fn: () => Promise<T>, budgetMs: number, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)), retryable: (e: unknown) => boolean = transientApiError): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let delay = 1000; ; delay = Math.min(delay * 2, 5000)) {
    try {
      return await fn();
    } catch (e) {
      if (!retryable(e) || Date.now() + delay > deadline) throw e;
      await sleep(delay);
    }
  }
}
