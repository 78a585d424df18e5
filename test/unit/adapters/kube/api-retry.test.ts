// Which Kubernetes API failures a read waits out (a dropped connection, a busy server) and which it
// gives up on at once (an answer that says no), and how long it keeps trying.
import { describe, expect, it } from 'vitest';
import { READ_RETRY_MS, retryRead, unansweredOrBusy } from '../../../../src/adapters/kube/api-retry.ts';

/** What fetch throws when the server closes the connection under a request (undici's error as its cause). */
const socketClosed = () =>
  Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
  });
/** client-node's error for an HTTP answer. */
const answered = (code: number) => Object.assign(new Error(`HTTP-Code: ${code}`), { code, body: '{}' });

describe('unansweredOrBusy', () => {
  it.each([
    ['a connection closed under the request', socketClosed(), true],
    ['a connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), true],
    ['429 Too Many Requests', answered(429), true],
    ['503 Service Unavailable', answered(503), true],
    ['403 Forbidden', answered(403), false],
    ['404 Not Found', answered(404), false],
    ['409 Conflict', answered(409), false],
    ['an error of the code itself', new TypeError("Cannot read properties of undefined (reading 'items')"), false],
  ])('%s: %s', (_what, e, waits) => {
    expect(unansweredOrBusy(e)).toBe(waits);
  });
});

describe('retryRead', () => {
  it('reads again after a dropped connection and gives the answer', async () => {
    let calls = 0;
    const slept: number[] = [];
    const got = await retryRead(
      async () => {
        calls++;
        if (calls < 3) throw socketClosed();
        return 'pods';
      },
      async (ms) => {
        slept.push(ms);
      },
    );
    expect(got).toBe('pods');
    expect(calls).toBe(3);
    expect(slept).toEqual([1000, 2000]);
  });

  it('gives up at once on an answer that says no', async () => {
    let calls = 0;
    await expect(
      retryRead(
        async () => {
          calls++;
          throw answered(403);
        },
        async () => undefined,
      ),
    ).rejects.toMatchObject({ code: 403 });
    expect(calls).toBe(1);
  });

  it('tries for READ_RETRY_MS at most, then gives the last error', async () => {
    let clock = Date.now();
    const realNow = Date.now;
    Date.now = () => clock;
    try {
      let calls = 0;
      await expect(
        retryRead(
          async () => {
            calls++;
            throw socketClosed();
          },
          async (ms) => {
            clock += ms;
          },
        ),
      ).rejects.toThrow('fetch failed');
      // 1 + 2 + 4 + 5 + 5 + 5 + 5 = 27 s of waiting fits in 30 s; the next 5 s would not.
      expect(calls).toBe(8);
      expect(READ_RETRY_MS).toBe(30_000);
    } finally {
      Date.now = realNow;
    }
  });
});
