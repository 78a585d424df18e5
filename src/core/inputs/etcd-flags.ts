// The embedded etcd flags a user may add (input etcd-extra-args), each with the type of its value.
// Pure. Flags vCluster sets itself, and flags that move the data off the checked volume or weaken
// its safety, are refused with the reason; a flag not listed is refused too (etcd would not start
// with a flag it does not know, halfway through the migration).

type FlagType = 'uint' | 'bytes' | 'duration' | 'retention' | 'bool' | readonly string[];

const ALLOWED: Record<string, FlagType> = {
  'quota-backend-bytes': 'bytes',
  'max-request-bytes': 'bytes',
  'auto-compaction-mode': ['periodic', 'revision'],
  'auto-compaction-retention': 'retention',
  'snapshot-count': 'uint',
  'heartbeat-interval': 'uint',
  'election-timeout': 'uint',
  'max-txn-ops': 'uint',
  'max-snapshots': 'uint',
  'max-wals': 'uint',
  'max-concurrent-streams': 'uint',
  'backend-batch-interval': 'duration',
  'backend-batch-limit': 'uint',
  'backend-bbolt-freelist-type': ['map', 'array'],
  'grpc-keepalive-min-time': 'duration',
  'grpc-keepalive-interval': 'duration',
  'grpc-keepalive-timeout': 'duration',
  'log-level': ['debug', 'info', 'warn', 'error', 'panic', 'fatal'],
  metrics: ['basic', 'extensive'],
  'enable-pprof': 'bool',
  'experimental-compact-hash-check-enabled': 'bool',
  'experimental-warning-apply-duration': 'duration',
};

/** Flags vCluster sets itself for the embedded etcd; overriding them breaks the store or its TLS. */
export const OWNED_ETCD_FLAGS = [
  'data-dir',
  'name',
  'initial-cluster',
  'initial-cluster-state',
  'initial-cluster-token',
  'listen-client-urls',
  'listen-peer-urls',
  'advertise-client-urls',
  'initial-advertise-peer-urls',
  'cert-file',
  'key-file',
  'trusted-ca-file',
  'client-cert-auth',
  'peer-cert-file',
  'peer-key-file',
  'peer-trusted-ca-file',
  'peer-client-cert-auth',
];

const UNSAFE: Record<string, string> = {
  'wal-dir': 'puts the write-ahead log outside /data, off the volume claim the migration checks: a restart can lose it',
  'config-file':
    'makes etcd ignore every other flag, the ones vCluster sets included, for a file the action cannot check',
  'force-new-cluster': 'discards the cluster membership and can drop committed writes',
  'unsafe-no-fsync': 'turns off fsync: a crash or a node restart can lose or corrupt the copied data',
  'experimental-initial-corrupt-check': 'is a safety check; the action leaves it as vCluster sets it',
  'enable-v2': 'serves the v2 API, which keeps its data outside the v3 store the migration copies and counts',
  'snapshot-catchup-entries': 'changes how much of the log is kept for followers; the copy relies on the default',
};

const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const UINT = /^\d{1,15}$/;

function valueProblem(type: FlagType, value: string | undefined): string | undefined {
  if (type === 'bool')
    return value === undefined || value === 'true' || value === 'false' ? undefined : 'true or false';
  if (value === undefined || value === '') return 'a value';
  if (Array.isArray(type)) return type.includes(value) ? undefined : `one of ${type.join(', ')}`;
  switch (type) {
    case 'uint':
      return UINT.test(value) ? undefined : 'a whole number';
    case 'bytes':
      return UINT.test(value) && Number(value) > 0 ? undefined : 'a positive whole number of bytes, like 8589934592';
    case 'duration':
      return GO_DURATION.test(value) ? undefined : 'a duration like 100ms, 5s or 1h';
    case 'retention':
      return UINT.test(value) || GO_DURATION.test(value)
        ? undefined
        : 'a number (hours, or revisions in revision mode) or a duration like 30m';
  }
  return undefined;
}

/** etcd's defaults for the flags its start-up rules relate (etcd 3.5 and 3.6, embed.NewConfig). */
const ETCD_DEFAULTS = { 'heartbeat-interval': 100, 'election-timeout': 1000 } as const;
/** etcd refuses an election timeout above this (embed.Config.Validate's maxElectionMs). */
export const MAX_ELECTION_MS = 50_000;

/**
 * The rules etcd itself checks when it starts (embed.Config.Validate and the compaction settings),
 * over the flags given and etcd's defaults for the rest: a flag that passes here cannot keep the
 * control plane from starting after phase one's upgrade.
 */
function startupProblems(values: ReadonlyMap<string, string | undefined>): FlagProblem[] {
  const out: FlagProblem[] = [];
  const num = (flag: keyof typeof ETCD_DEFAULTS) => {
    const v = values.get(flag);
    return v !== undefined && UINT.test(v) ? Number(v) : values.has(flag) ? undefined : ETCD_DEFAULTS[flag];
  };
  const tick = num('heartbeat-interval');
  const election = num('election-timeout');
  const given = (flag: string) => (values.has(flag) ? `--${flag}=${values.get(flag)}` : `etcd's default ${flag} of`);
  if (tick === 0)
    out.push({
      problem: '--heartbeat-interval=0: etcd refuses to start with it',
      expected: "--heartbeat-interval above 0 (milliseconds; etcd's default is 100)",
    });
  if (election === 0)
    out.push({
      problem: '--election-timeout=0: etcd refuses to start with it',
      expected: "--election-timeout above 0 (milliseconds; etcd's default is 1000)",
    });
  if (tick !== undefined && election !== undefined && tick > 0 && election > 0 && election < 5 * tick)
    out.push({
      problem: `${given('election-timeout')}${values.has('election-timeout') ? '' : ' 1000 ms'} is less than five times ${given('heartbeat-interval')}${values.has('heartbeat-interval') ? '' : ' 100 ms'}: etcd refuses to start`,
      expected: `--election-timeout at least ${5 * tick} (five heartbeats), or a shorter --heartbeat-interval`,
    });
  if (election !== undefined && election > MAX_ELECTION_MS)
    out.push({
      problem: `--election-timeout=${election} is above ${MAX_ELECTION_MS} ms: etcd refuses to start`,
      expected: `--election-timeout of at most ${MAX_ELECTION_MS}`,
    });
  const mode = values.get('auto-compaction-mode') ?? 'periodic';
  const retention = values.get('auto-compaction-retention');
  if (mode === 'revision' && retention !== undefined && !UINT.test(retention))
    out.push({
      problem: `--auto-compaction-retention=${retention} is a duration, but --auto-compaction-mode=revision counts revisions: etcd refuses to start`,
      expected: '--auto-compaction-retention as a whole number of revisions in revision mode, like 10000',
    });
  return out;
}

export interface FlagProblem {
  problem: string;
  expected: string;
}

/** Problems with the flags (already split into lines of --flag or --flag=value), in order. */
export function etcdFlagProblems(args: readonly string[]): FlagProblem[] {
  const out: FlagProblem[] = [];
  const seen = new Set<string>();
  const values = new Map<string, string | undefined>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const flag = (eq < 0 ? arg : arg.slice(0, eq)).slice(2);
    const value = eq < 0 ? undefined : arg.slice(eq + 1);
    if (seen.has(flag)) {
      out.push({ problem: `--${flag} is given twice`, expected: 'each flag once' });
      continue;
    }
    seen.add(flag);
    if (OWNED_ETCD_FLAGS.includes(flag)) {
      out.push({
        problem: `--${flag} is set by vCluster for the embedded etcd; overriding it breaks the store or its TLS`,
        expected: `flags other than ${OWNED_ETCD_FLAGS.map((f) => '--' + f).join(', ')}`,
      });
    } else if (UNSAFE[flag] !== undefined) {
      out.push({
        problem: `--${flag} ${UNSAFE[flag]}`,
        expected:
          'no such flag; tune the embedded etcd with flags like --quota-backend-bytes or --auto-compaction-retention',
      });
    } else if (ALLOWED[flag] === undefined) {
      out.push({
        problem: `--${flag} is not an etcd flag this action allows`,
        expected: `one of ${Object.keys(ALLOWED)
          .map((f) => '--' + f)
          .join(', ')}`,
      });
    } else {
      const want = valueProblem(ALLOWED[flag]!, value);
      // A malformed value is kept as unknown: the cross-flag rules neither use it nor the default.
      values.set(flag, want ? undefined : value);
      if (want)
        out.push({
          problem: `--${flag}${value === undefined ? ' has no value' : ` has the value ${JSON.stringify(value)}`}`,
          expected: `--${flag} with ${want}`,
        });
    }
  }
  // Cross-flag rules only over values that are well formed, so one mistake is said once.
  return [...out, ...startupProblems(values)];
}
