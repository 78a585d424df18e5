// The log gate outlives a Kubernetes API outage: a wait of minutes must not end because the API
// server restarted or the network dropped for a few seconds, but a refusal (403) still stops it.
import { describe, expect, it } from 'vitest';
import { waitForSuccessLine, type PodLogSource } from '../../../../src/adapters/kube/log-gate.ts';
import { SUCCESS_LINE } from '../../../../src/core/migration/log-scan.ts';
import { retryTransient, transientApiError as transient } from '../../../../src/adapters/kube/api-retry.ts';
import type { PodView } from '../../../../src/core/migration/cluster-view.ts';

const pod: PodView = { name: 'vc-0', uid: 'u1', phase: 'Running', ready: true, restarts: 0, deleting: false };
const refused = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
const httpError = (code: number) => Object.assign(new Error(`HTTP ${code}`), { code });

/** A Kube whose pod read fails `down` times, then serves a log with the line. */
function fakeKube(failures: unknown[]): PodLogSource {
  let calls = 0;
  return {
    async pod() {
      const f = failures[calls++];
      if (f) throw f;
      return pod;
    },
    async podLog() {
      return `INFO start\nINFO ${SUCCESS_LINE}\n`;
    },
    async events() {
      return [];
    },
  };
}

describe('log gate during an API outage', () => {
  it('keeps waiting through refused connections and 503s, says so, and finds the line after', async () => {
    const said: string[] = [];
    const r = await waitForSuccessLine(fakeKube([refused(), httpError(503), refused()]), {
      namespace: 'ns',
      pod: 'vc-0',
      timeoutMs: 10_000,
      pollMs: 1,
      progress: (m) => said.push(m),
    });
    expect(r.line).toContain(SUCCESS_LINE);
    expect(said.some((m) => m.includes('did not answer') && m.includes('ECONNREFUSED'))).toBe(true);
    expect(said.some((m) => m.includes('answers again'))).toBe(true);
  });

  it('rides out the 403s of an API server whose authorizer is still loading RBAC', async () => {
    const r = await waitForSuccessLine(fakeKube([refused(), httpError(403), httpError(403)]), {
      namespace: 'ns',
      pod: 'vc-0',
      timeoutMs: 10_000,
      pollMs: 1,
    });
    expect(r.line).toContain(SUCCESS_LINE);
  });

  it('stops on a denial that lasts past the grace, and at once on another 4xx', async () => {
    let t = 0;
    const denied: PodLogSource = {
      async pod() {
        throw httpError(403);
      },
      async podLog() {
        return '';
      },
      async events() {
        return [];
      },
    };
    await expect(
      waitForSuccessLine(denied, {
        namespace: 'ns',
        pod: 'vc-0',
        timeoutMs: 600_000,
        pollMs: 1,
        now: () => (t += 5_000),
      }),
    ).rejects.toThrow('HTTP 403');
    expect(t).toBeLessThan(120_000);
    await expect(
      waitForSuccessLine(fakeKube([httpError(422)]), { namespace: 'ns', pod: 'vc-0', timeoutMs: 10_000, pollMs: 1 }),
    ).rejects.toThrow('HTTP 422');
  });

  it('ends with the timeout naming the outage when the API never comes back', async () => {
    let t = 0;
    const always: PodLogSource = {
      async pod() {
        throw refused();
      },
      async podLog() {
        return '';
      },
      async events() {
        return [];
      },
    };
    const e = await waitForSuccessLine(always, {
      namespace: 'ns',
      pod: 'vc-0',
      timeoutMs: 50,
      pollMs: 1,
      now: () => (t += 10),
    }).then(
      () => {
        throw new Error('the wait ended without a timeout');
      },
      (x: unknown) => x as Error & { details: string[] },
    );
    expect(e.message).toMatch(/no ".*" in pod vc-0 within/);
    expect(e.details.join('\n')).toContain('ECONNREFUSED');
  });

  it('treats no HTTP answer, 429 and 5xx as passing, 4xx as final', () => {
    expect([refused(), httpError(429), httpError(500), httpError(503)].map(transient)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect([httpError(401), httpError(403), httpError(404)].map(transient)).toEqual([false, false, false]);
  });

  it('retries a transient error within the budget, and not a final one', async () => {
    let n = 0;
    const flaky = async () => {
      if (n++ < 2) throw refused();
      return 'ok';
    };
    expect(await retryTransient(flaky, 60_000, async () => {})).toBe('ok');
    let m = 0;
    await expect(
      retryTransient(
        async () => {
          m++;
          throw httpError(409);
        },
        60_000,
        async () => {},
      ),
    ).rejects.toThrow('HTTP 409');
    expect(m).toBe(1);
  });
});
