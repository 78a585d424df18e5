// etcd-extra-args: each kind of value a flag takes, refused word for word with the kind it wants;
// and the start-up rules' full texts (what etcd would refuse, and the value that would do).
import { describe, expect, it } from 'vitest';
import { etcdFlagProblems } from '../../../../src/core/inputs/etcd-flags.ts';

const one = (...args: string[]) => etcdFlagProblems(args);

describe('etcd-extra-args values', () => {
  it('a boolean flag: alone, true or false', () => {
    expect(one('--enable-pprof', '--experimental-compact-hash-check-enabled=false')).toEqual([]);
    expect(one('--enable-pprof=true')).toEqual([]);
    expect(one('--enable-pprof=yes')).toEqual([
      { problem: '--enable-pprof has the value "yes"', expected: '--enable-pprof with true or false' },
    ]);
  });

  it('any other flag needs a value', () => {
    expect(one('--snapshot-count')).toEqual([
      { problem: '--snapshot-count has no value', expected: '--snapshot-count with a value' },
    ]);
    expect(one('--snapshot-count=')).toEqual([
      { problem: '--snapshot-count has the value ""', expected: '--snapshot-count with a value' },
    ]);
  });

  it('a choice: one of the listed words', () => {
    expect(one('--log-level=warn', '--metrics=extensive', '--backend-bbolt-freelist-type=map')).toEqual([]);
    expect(one('--log-level=verbose')).toEqual([
      {
        problem: '--log-level has the value "verbose"',
        expected: '--log-level with one of debug, info, warn, error, panic, fatal',
      },
    ]);
  });

  it('a whole number, and bytes above zero', () => {
    expect(one('--max-txn-ops=1.5')).toEqual([
      { problem: '--max-txn-ops has the value "1.5"', expected: '--max-txn-ops with a whole number' },
    ]);
    expect(one('--quota-backend-bytes=8589934592', '--max-request-bytes=1')).toEqual([]);
    const bytes = { expected: '--quota-backend-bytes with a positive whole number of bytes, like 8589934592' };
    expect(one('--quota-backend-bytes=0')).toEqual([{ problem: '--quota-backend-bytes has the value "0"', ...bytes }]);
    expect(one('--quota-backend-bytes=8Gi')).toEqual([
      { problem: '--quota-backend-bytes has the value "8Gi"', ...bytes },
    ]);
  });

  it('a duration in Go syntax', () => {
    expect(one('--backend-batch-interval=100ms', '--grpc-keepalive-min-time=1h30m')).toEqual([]);
    expect(one('--grpc-keepalive-timeout=5')).toEqual([
      {
        problem: '--grpc-keepalive-timeout has the value "5"',
        expected: '--grpc-keepalive-timeout with a duration like 100ms, 5s or 1h',
      },
    ]);
  });

  it('a retention: hours, revisions or a duration', () => {
    expect(one('--auto-compaction-retention=12')).toEqual([]);
    expect(one('--auto-compaction-retention=1h')).toEqual([]);
    expect(one('--auto-compaction-retention=soon')).toEqual([
      {
        problem: '--auto-compaction-retention has the value "soon"',
        expected:
          '--auto-compaction-retention with a number (hours, or revisions in revision mode) or a duration like 30m',
      },
    ]);
  });

  it('a value that holds "=" is split at the first one only', () => {
    expect(one('--log-level=info=debug')[0]).toEqual({
      problem: '--log-level has the value "info=debug"',
      expected: '--log-level with one of debug, info, warn, error, panic, fatal',
    });
  });
});

describe("etcd's start-up rules, word for word", () => {
  it('a zero heartbeat or election timeout', () => {
    expect(one('--heartbeat-interval=0')).toEqual([
      {
        problem: '--heartbeat-interval=0: etcd refuses to start with it',
        expected: "--heartbeat-interval above 0 (milliseconds; etcd's default is 100)",
      },
    ]);
    expect(one('--election-timeout=0')).toEqual([
      {
        problem: '--election-timeout=0: etcd refuses to start with it',
        expected: "--election-timeout above 0 (milliseconds; etcd's default is 1000)",
      },
    ]);
  });

  it('an election timeout under five heartbeats: the least that would do', () => {
    expect(one('--heartbeat-interval=150', '--election-timeout=700')).toEqual([
      {
        problem: '--election-timeout=700 is less than five times --heartbeat-interval=150: etcd refuses to start',
        expected: '--election-timeout at least 750 (five heartbeats), or a shorter --heartbeat-interval',
      },
    ]);
    expect(one('--heartbeat-interval=300')).toEqual([
      {
        problem:
          "etcd's default election-timeout of 1000 ms is less than five times --heartbeat-interval=300: etcd refuses to start",
        expected: '--election-timeout at least 1500 (five heartbeats), or a shorter --heartbeat-interval',
      },
    ]);
  });

  it('an election timeout above the most etcd takes', () => {
    expect(one('--election-timeout=50001')).toEqual([
      {
        problem: '--election-timeout=50001 is above 50000 ms: etcd refuses to start',
        expected: '--election-timeout of at most 50000',
      },
    ]);
  });

  it('a duration as the retention in revision mode; in periodic mode (the default) it is fine', () => {
    expect(one('--auto-compaction-retention=30m', '--auto-compaction-mode=revision')).toEqual([
      {
        problem:
          '--auto-compaction-retention=30m is a duration, but --auto-compaction-mode=revision counts revisions: etcd refuses to start',
        expected: '--auto-compaction-retention as a whole number of revisions in revision mode, like 10000',
      },
    ]);
    expect(one('--auto-compaction-retention=30m', '--auto-compaction-mode=periodic')).toEqual([]);
  });
});
