// The pod that runs vCluster's copy logs the success line; if it is replaced after the upgrade
// (eviction, node drain, deletion), that log is gone and the new pod never logs the line. The gate
// must say so soon after the replacement is Ready, instead of waiting out migration-timeout.
import { describe, expect, it } from 'vitest';
import { LogGateError, waitForSuccessLine, type PodLogSource } from '../../../../src/adapters/kube/log-gate.ts';
import { SUCCESS_LINE, replacedSinceUpgrade } from '../../../../src/core/migration/log-scan.ts';
import type { PodView } from '../../../../src/core/migration/cluster-view.ts';

const COPY_POD = 'u1'; // the pod helm's --wait ended with (state record upgradedPodUid)
const pod = (over: Partial<PodView> = {}): PodView => ({
  name: 'vc-0',
  uid: 'u2',
  phase: 'Running',
  ready: true,
  restarts: 0,
  deleting: false,
  createdAt: '2026-11-30T10:03:12.000Z',
  ...over,
});

function kubeWith(p: PodView, log: string): PodLogSource {
  return {
    async pod() {
      return p;
    },
    async podLog() {
      return log;
    },
    async events() {
      return [];
    },
  };
}

type GateOptions = Parameters<typeof waitForSuccessLine>[1];
/** What the gate throws in a 15-minute wait on pod vc-0 that gives a replacement 20 s (undefined: it took the line). */
const gateError = (kube: PodLogSource, over: Partial<GateOptions> & { now: () => number }) =>
  waitForSuccessLine(kube, {
    namespace: 'ns',
    pod: 'vc-0',
    timeoutMs: 15 * 60_000,
    pollMs: 1,
    copyPodUid: COPY_POD,
    lostLineGraceMs: 20_000,
    ...over,
  }).then(
    () => undefined,
    (x: unknown) => x as LogGateError,
  );

/** A clock that advances `step` ms per read. */
const clock = (step: number) => {
  let t = 0;
  return () => (t += step);
};

describe('replacedSinceUpgrade', () => {
  it('is true only for a pod other than the one the phase-one upgrade ended with', () => {
    expect(replacedSinceUpgrade(pod(), COPY_POD)).toBe(true);
    expect(replacedSinceUpgrade(pod({ uid: COPY_POD }), COPY_POD)).toBe(false);
  });
  it('is false without a recorded pod (a run that failed in its upgrade, an older record) or a uid', () => {
    expect(replacedSinceUpgrade(pod(), undefined)).toBe(false);
    expect(replacedSinceUpgrade(pod({ uid: '' }), COPY_POD)).toBe(false);
  });
});

describe('log gate with a replaced control-plane pod', () => {
  it('stops with log-lost once the replacement has been Ready for the grace, long before the timeout', async () => {
    const now = clock(1_000);
    const progress: string[] = [];
    const e = await gateError(
      kubeWith(pod(), 'INFO Using embedded etcd (existing data)\nINFO Embedded etcd is ready\n'),
      { now, progress: (m) => progress.push(m) },
    );
    expect(progress, 'the log says why it waits before giving up').toContain(
      'pod vc-0 was replaced since the upgrade (uid u2) and is Ready without the line; giving it 20s to log a copy of its own',
    );
    expect(e).toBeInstanceOf(LogGateError);
    const err = e as LogGateError;
    expect(err.kind).toBe('log-lost');
    expect(err.message).toContain(
      'pod vc-0 (uid u2, created 2026-11-30T10:03:12.000Z) is not the pod the phase-one upgrade ended with (uid u1)',
    );
    expect(err.details.some((l) => l.includes('Embedded etcd is ready'))).toBe(true);
    expect(now()).toBeLessThan(60_000);
  });

  it('gives no second grace to a replacement an earlier run already found without the line, and names it', async () => {
    const now = clock(1_000);
    const progress: string[] = [];
    const e = await gateError(kubeWith(pod(), 'INFO Embedded etcd is ready\n'), {
      now,
      knownLostPodUid: 'u2',
      progress: (m) => progress.push(m),
    });
    expect(progress).toContain(
      'pod vc-0 (uid u2) is the replacement the last run already found Ready without the line; no second grace',
    );
    expect(e?.kind).toBe('log-lost');
    expect(e?.podUid).toBe('u2');
    expect(now()).toBeLessThan(10_000);
    // Another replacement since then gets the full grace again.
    const later = clock(1_000);
    const e2 = await gateError(kubeWith(pod({ uid: 'u3' }), 'INFO Embedded etcd is ready\n'), {
      now: later,
      knownLostPodUid: 'u2',
    });
    expect(e2?.kind).toBe('log-lost');
    expect(later()).toBeGreaterThan(20_000);
  });

  it('gives a further replacement its own grace, counted from when it is Ready', async () => {
    // u2 is Ready a few seconds, then is replaced by u3: the gate must not end before u3 had 20 s.
    let t = 0;
    const now = () => (t += 1_000);
    let reads = 0;
    let u3Since: number | undefined;
    const kube: PodLogSource = {
      async pod() {
        if (++reads <= 3) return pod({ uid: 'u2' });
        u3Since ??= t;
        return pod({ uid: 'u3' });
      },
      async podLog() {
        return 'INFO Embedded etcd is ready\n';
      },
      async events() {
        return [];
      },
    };
    const progress: string[] = [];
    const e = await gateError(kube, { now, progress: (m) => progress.push(m) });
    expect(e?.kind).toBe('log-lost');
    expect(e?.podUid).toBe('u3');
    expect(progress.filter((m) => m.includes('to log a copy of its own'))).toEqual([
      'pod vc-0 was replaced since the upgrade (uid u2) and is Ready without the line; giving it 20s to log a copy of its own',
      'pod vc-0 was replaced since the upgrade (uid u3) and is Ready without the line; giving it 20s to log a copy of its own',
    ]);
    expect(t - u3Since!, 'u3 had its whole grace').toBeGreaterThanOrEqual(20_000);
  });

  it('still takes the line when the replacement logs it (a vCluster that copies again at start)', async () => {
    const r = await waitForSuccessLine(kubeWith(pod(), `INFO ${SUCCESS_LINE}\n`), {
      namespace: 'ns',
      pod: 'vc-0',
      timeoutMs: 60_000,
      pollMs: 1,
      now: clock(1_000),
      copyPodUid: COPY_POD,
    });
    expect(r.line).toContain(SUCCESS_LINE);
  });

  it('waits as before for the pod helm waited for, and for a replacement that is not Ready yet', async () => {
    for (const p of [pod({ uid: COPY_POD }), pod({ ready: false })]) {
      const e = await waitForSuccessLine(kubeWith(p, 'INFO copying\n'), {
        namespace: 'ns',
        pod: 'vc-0',
        timeoutMs: 120_000,
        pollMs: 1,
        now: clock(1_000),
        copyPodUid: COPY_POD,
      }).then(
        () => undefined,
        (x: unknown) => x as LogGateError,
      );
      expect(e?.kind).toBe('timeout');
    }
  });
});
