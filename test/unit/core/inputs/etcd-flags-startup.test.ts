import { describe, expect, it } from 'vitest';
import { etcdFlagProblems, MAX_ELECTION_MS } from '../../../../src/core/inputs/etcd-flags.ts';

const problems = (...args: string[]) => etcdFlagProblems(args).map((p) => p.problem);

describe("etcd-extra-args against etcd's own start-up rules", () => {
  it.each([
    [['--heartbeat-interval=0'], /--heartbeat-interval=0: etcd refuses to start/],
    [['--election-timeout=0'], /--election-timeout=0: etcd refuses to start/],
    [
      ['--heartbeat-interval=100', '--election-timeout=499'],
      /--election-timeout=499 is less than five times --heartbeat-interval=100/,
    ],
    // Cross-flag with etcd's default election timeout of 1000 ms.
    [
      ['--heartbeat-interval=300'],
      /default election-timeout of 1000 ms is less than five times --heartbeat-interval=300/,
    ],
    // Cross-flag with etcd's default heartbeat of 100 ms.
    [
      ['--election-timeout=400'],
      /--election-timeout=400 is less than five times etcd's default heartbeat-interval of 100 ms/,
    ],
    [[`--election-timeout=${MAX_ELECTION_MS + 1}`], /above 50000 ms: etcd refuses to start/],
    [['--auto-compaction-mode=revision', '--auto-compaction-retention=1h'], /counts revisions: etcd refuses to start/],
  ])('%j is refused', (args, want) => {
    expect(problems(...args).join('\n')).toMatch(want);
  });

  it.each([
    [['--heartbeat-interval=100', '--election-timeout=500']],
    [['--heartbeat-interval=250', '--election-timeout=2500']],
    [[`--election-timeout=${MAX_ELECTION_MS}`]],
    [['--heartbeat-interval=200']],
    [['--auto-compaction-mode=revision', '--auto-compaction-retention=10000']],
    [['--auto-compaction-retention=30m']],
  ])('%j passes', (args) => {
    expect(problems(...args)).toEqual([]);
  });

  it('a malformed value is said once, not again by a cross-flag rule', () => {
    expect(problems('--heartbeat-interval=abc', '--election-timeout=200')).toEqual([
      '--heartbeat-interval has the value "abc"',
    ]);
  });
});
