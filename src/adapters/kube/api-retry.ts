// Kubernetes API calls that must outlive an API server restart or a network blip: retried while
// the error is one that waiting can fix, within a time budget. Pure: it reads client-node's errors.

/** HTTP status of a client-node error, when it has one. */
export function statusOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** One line for a client-node error: the API server's message, else the error's first line and its cause. */
export function describeError(e: unknown): string {
  const body = (e as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const msg = (JSON.parse(body) as { message?: string }).message;
      if (msg) return msg;
    } catch {
      /* not JSON */
    }
  } else if (body && typeof body === 'object' && 'message' in body) {
    return String((body as { message: unknown }).message);
  }
  const m = (e as Error).message ?? String(e);
  // fetch failures hide the cause (ECONNREFUSED, a timeout) one level down.
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message;
  return `${m.split('\n')[0]!}${why && !m.includes(why) ? ` (${why})` : ''}`;
}

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
export async function retryTransient<T>(
  fn: () => Promise<T>,
  budgetMs: number,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
  retryable: (e: unknown) => boolean = transientApiError,
): Promise<T> {
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

/**
 * A read the API server left unanswered (the connection refused, reset or closed under it) or answered
 * "try later" (429, 5xx): waiting can fix it. An answer that says no (4xx) cannot.
 */
export function unansweredOrBusy(e: unknown): boolean {
  const code = statusOf(e);
  if (code !== undefined) return code === 429 || code >= 500;
  return /fetch failed|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|socket hang up|UND_ERR/i.test(describeError(e));
}

/** How long a read is tried again: an API server under load or restarting drops connections for seconds. */
export const READ_RETRY_MS = 30_000;

/** A read that changes nothing, tried again while unanswered or busy, up to READ_RETRY_MS. */
export function retryRead<T>(fn: () => Promise<T>, sleep?: (ms: number) => Promise<unknown>): Promise<T> {
  return retryTransient(fn, READ_RETRY_MS, sleep, unansweredOrBusy);
}
