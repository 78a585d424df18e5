// The log gate's judgement of one look at the control-plane pod and its log, without a poller.
import { describe, expect, it } from 'vitest';
import {
  judgeLog,
  timeoutFailure,
  waitingNote,
  LOST_LINE_GRACE_MS,
} from '../../../../src/core/migration/log-verdict.ts';
import { SUCCESS_LINE } from '../../../../src/core/migration/log-scan.ts';
import type { PodView } from '../../../../src/core/migration/cluster-view.ts';

const pod = (over: Partial<PodView> = {}): PodView => ({
  name: 'vc-0',
  uid: 'u1',
  phase: 'Running',
  ready: true,
  restarts: 0,
  deleting: false,
  ...over,
});
const rules = { pod: 'vc-0', copyPodUid: 'u1' };

describe('judgeLog', () => {
  it('finds the line in the current or the previous container', () => {
    expect(judgeLog({ pod: pod(), current: `INFO ${SUCCESS_LINE}`, previous: '' }, rules, undefined, 0)).toEqual({
      kind: 'success',
      line: `INFO ${SUCCESS_LINE}`,
      container: 'current',
    });
    expect(
      judgeLog({ pod: pod({ restarts: 1 }), current: 'INFO start', previous: SUCCESS_LINE }, rules, undefined, 0),
    ).toMatchObject({ kind: 'success', container: 'previous' });
  });

  it('waits while the pod is absent or being deleted, keeping a replacement grace already begun', () => {
    const grace = { uid: 'u2', readySince: 5 };
    expect(judgeLog({ pod: undefined, current: '', previous: '' }, rules, grace, 10)).toEqual({
      kind: 'waiting',
      replacement: grace,
    });
    expect(judgeLog({ pod: pod({ deleting: true }), current: SUCCESS_LINE, previous: '' }, rules, grace, 10)).toEqual({
      kind: 'waiting',
      replacement: grace,
    });
  });

  it('ends on a failure line with the last lines, and on a crash loop with the previous container', () => {
    const failed = judgeLog(
      { pod: pod(), current: 'INFO start\nERROR failed to migrate etcd', previous: '' },
      rules,
      undefined,
      0,
    );
    expect(failed).toEqual({
      kind: 'failed',
      failure: 'failure-line',
      message: 'vCluster logged a migration failure in pod vc-0: ERROR failed to migrate etcd',
      details: ['INFO start', 'ERROR failed to migrate etcd'],
    });
    const loop = judgeLog(
      {
        pod: pod({ ready: false, restarts: 4, waitingReason: 'CrashLoopBackOff' }),
        current: '',
        previous: 'panic here',
      },
      rules,
      undefined,
      0,
    );
    expect(loop).toMatchObject({ kind: 'failed', failure: 'crash-loop', details: ['panic here'] });
    expect(loop.kind === 'failed' && loop.message).toContain('CrashLoopBackOff (4 restarts)');
  });

  it('gives a Ready replacement its grace, then calls the line lost', () => {
    const look = { pod: pod({ uid: 'u2', createdAt: '2026-01-01T00:00:00Z' }), current: 'INFO ready', previous: '' };
    const first = judgeLog(look, rules, undefined, 1_000);
    expect(first).toEqual({
      kind: 'waiting',
      replacement: { uid: 'u2', readySince: 1_000 },
      note: 'pod vc-0 was replaced since the upgrade (uid u2) and is Ready without the line; giving it 20s to log a copy of its own',
    });
    const during = judgeLog(look, rules, { uid: 'u2', readySince: 1_000 }, 1_000 + LOST_LINE_GRACE_MS - 1);
    expect(during).toEqual({ kind: 'waiting', replacement: { uid: 'u2', readySince: 1_000 } });
    const after = judgeLog(look, rules, { uid: 'u2', readySince: 1_000 }, 1_000 + LOST_LINE_GRACE_MS);
    expect(after).toMatchObject({
      kind: 'failed',
      failure: 'log-lost',
      podUid: 'u2',
      details: ['pod: vc-0 uid u2, created 2026-01-01T00:00:00Z, Ready, 0 restarts', 'log: INFO ready'],
    });
    expect(after.kind === 'failed' && after.message).toMatch(
      /^pod vc-0 \(uid u2, created 2026-01-01T00:00:00Z\) is not the pod/,
    );
  });

  it('gives no second grace to the replacement an earlier run found, and says so', () => {
    const v = judgeLog(
      { pod: pod({ uid: 'u2' }), current: '', previous: '' },
      { ...rules, knownLostPodUid: 'u2' },
      undefined,
      0,
    );
    expect(v).toMatchObject({
      kind: 'failed',
      failure: 'log-lost',
      note: 'pod vc-0 (uid u2) is the replacement the last run already found Ready without the line; no second grace',
    });
  });

  it('a replacement that is not Ready yet, or no recorded copy pod, is no loss', () => {
    expect(judgeLog({ pod: pod({ uid: 'u2', ready: false }), current: '', previous: '' }, rules, undefined, 0)).toEqual(
      { kind: 'waiting', replacement: undefined, note: undefined },
    );
    expect(judgeLog({ pod: pod({ uid: 'u2' }), current: '', previous: '' }, { pod: 'vc-0' }, undefined, 0).kind).toBe(
      'waiting',
    );
  });
});

describe('judgeLog, what it says and when', () => {
  it('a failure line only in the previous container does not end the wait; the current one decides', () => {
    expect(
      judgeLog({ pod: pod(), current: 'INFO start', previous: 'ERROR failed to migrate etcd' }, rules, undefined, 0),
    ).toEqual({ kind: 'waiting', replacement: undefined, note: undefined });
  });

  it('a pod waiting for another reason than a crash loop is still waited for', () => {
    expect(
      judgeLog(
        { pod: pod({ ready: false, waitingReason: 'ImagePullBackOff' }), current: '', previous: 'panic here' },
        rules,
        undefined,
        0,
      ),
    ).toEqual({ kind: 'waiting', replacement: undefined, note: undefined });
  });

  it('the lost line names both pods, when the new one was created, and the success line it lacks', () => {
    const v = judgeLog(
      { pod: pod({ uid: 'u2', restarts: 3 }), current: '', previous: '' },
      { ...rules, knownLostPodUid: 'u2' },
      undefined,
      5,
    );
    expect(v).toMatchObject({
      kind: 'failed',
      failure: 'log-lost',
      message: `pod vc-0 (uid u2, created at an unknown time) is not the pod the phase-one upgrade ended with (uid u1): the pod that ran the copy was replaced (evicted, drained or deleted) and its log, with any "${SUCCESS_LINE}", is gone. The new pod is Ready without the line`,
      podUid: 'u2',
      note: 'pod vc-0 (uid u2) is the replacement the last run already found Ready without the line; no second grace',
    });
    // The detail line says the same as the message when the creation time is unknown.
    expect(v.kind === 'failed' && v.details[0]).toBe('pod: vc-0 uid u2, created at an unknown time, Ready, 3 restarts');
  });

  it('the grace is the one the rules give, and a further replacement starts its own', () => {
    const r = { ...rules, lostLineGraceMs: 90_000 };
    const look = (uid: string) => ({ pod: pod({ uid }), current: '', previous: '' });
    expect(judgeLog(look('u2'), r, undefined, 100)).toMatchObject({
      kind: 'waiting',
      replacement: { uid: 'u2', readySince: 100 },
      note: expect.stringContaining('giving it 1m30s to log a copy of its own') as unknown,
    });
    expect(judgeLog(look('u2'), r, { uid: 'u2', readySince: 100 }, 100 + LOST_LINE_GRACE_MS)).toEqual({
      kind: 'waiting',
      replacement: { uid: 'u2', readySince: 100 },
      note: undefined,
    });
    expect(judgeLog(look('u3'), r, { uid: 'u2', readySince: 100 }, 200_000)).toEqual({
      kind: 'waiting',
      replacement: { uid: 'u3', readySince: 200_000 },
      note: 'pod vc-0 was replaced since the upgrade (uid u3) and is Ready without the line; giving it 1m30s to log a copy of its own',
    });
  });

  it('a known lost pod that is not the one now running gets the full grace', () => {
    expect(
      judgeLog(
        { pod: pod({ uid: 'u3' }), current: '', previous: '' },
        { ...rules, knownLostPodUid: 'u2' },
        undefined,
        0,
      ),
    ).toMatchObject({ kind: 'waiting', replacement: { uid: 'u3', readySince: 0 } });
  });
});

describe('timeoutFailure and waitingNote', () => {
  it('names the pod state, the last lines and the events, and an API that did not answer', () => {
    const t = timeoutFailure({
      pod: 'vc-0',
      timeoutMs: 600_000,
      lastPod: pod({ ready: false, restarts: 2, waitingReason: 'ContainerCreating' }),
      lastLog: 'a\nb',
      events: ['FailedMount'],
      apiDown: 'connection refused',
    });
    expect(t.message).toMatch(
      /^no "Successfully migrated etcd database to embedded etcd" in pod vc-0 within 10m0s \(pod: phase Running, ready false, restarts 2, waiting: ContainerCreating\)\./,
    );
    expect(t.details).toEqual([
      'log: a',
      'log: b',
      'event: the Kubernetes API did not answer at the end of the wait: connection refused',
      'event: FailedMount',
    ]);
    expect(
      timeoutFailure({ pod: 'vc-0', timeoutMs: 1000, lastPod: undefined, lastLog: '', events: [], apiDown: undefined })
        .message,
    ).toContain('(pod: the pod does not exist)');
  });

  it('without an API failure the events are listed as they are, and the message says how to go on', () => {
    const t = timeoutFailure({
      pod: 'vc-0',
      timeoutMs: 90_000,
      lastPod: pod(),
      lastLog: '',
      events: ['Pulled', 'Started'],
      apiDown: undefined,
    });
    expect(t).toEqual({
      message: `no "${SUCCESS_LINE}" in pod vc-0 within 1m30s (pod: phase Running, ready true, restarts 0). The deployed etcd still holds the data; finalize stays refused. Check the log lines and events below, then run migrate again (it resumes at this wait)`,
      details: ['event: Pulled', 'event: Started'],
    });
  });

  it('names only what the pod shows: no Ready or restarts while it has neither', () => {
    expect(waitingNote('vc-0', pod({ phase: 'Pending', ready: false }), 1_500, 60_000)).toBe(
      `waiting for "${SUCCESS_LINE}" in pod vc-0 (Pending); 1.5s of 1m0s`,
    );
  });

  it('says how long the wait has run', () => {
    expect(waitingNote('vc-0', pod({ restarts: 1 }), 30_000, 600_000)).toBe(
      `waiting for "${SUCCESS_LINE}" in pod vc-0 (Running, Ready, 1 restarts); 30s of 10m0s`,
    );
    expect(waitingNote('vc-0', undefined, 0, 600_000)).toContain('(not created yet)');
  });
});
