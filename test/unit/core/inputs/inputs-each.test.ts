// Each input the workflow passes: what it becomes in the settings, and the exact problem a bad one reports
// (which input, what is wrong, what would be right) before anything in the cluster changes.
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../../../src/core/inputs/inputs.ts';
import type { InputProblem } from '../../../../src/core/inputs/input-reader.ts';
import { DEFAULT_VOLATILE_PREFIXES } from '../../../../src/core/migration/census.ts';
import { inputError, inputsWith } from '../../../support/inputs.ts';

const settings = (over: Record<string, string> = {}) => parseSettings(inputsWith(over));
const refused = (over: Record<string, string>): InputProblem[] =>
  inputError(() => parseSettings(inputsWith(over)), over).problems;
const problem = (input: string, p: string, expected: string): InputProblem[] => [{ input, problem: p, expected }];
const STORAGE_CLASS_EXPECTED =
  'a DNS-1123 subdomain of at most 253 characters like "gp3" or "fast.ssd-2": lower-case letters, digits, "-" and ".", each dot-separated part starting and ending with a letter or digit';
const REPO_EXPECTED = 'an https:// (or http://) chart repository URL like https://charts.loft.sh';

describe('parseSettings: defaults and accepted inputs', () => {
  it('leaves every optional input at its documented default', () => {
    expect(settings()).toMatchObject({
      release: 'my-vc',
      namespace: 'team-a',
      phase: 'migrate',
      etcdExtraArgs: [],
      extraValues: {},
      storageSize: undefined,
      storageClass: undefined,
      kubeconfig: undefined,
      context: undefined,
      approvalEnvironment: undefined,
      timeoutMs: 600_000,
      migrationTimeoutMs: 900_000,
      acceptLostLogLine: false,
      requireApproval: true,
      deleteEtcdPvcs: false,
      orphanOnForbidden: true,
      backup: 'required',
      backupSkipReason: undefined,
      backupDir: undefined,
      prNumber: undefined,
      githubToken: undefined,
    });
    expect(settings().volatilePrefixes).toEqual([...DEFAULT_VOLATILE_PREFIXES]);
  });

  it('trims the names it is given', () => {
    expect(settings({ release: ' my-vc\n', namespace: '\tteam-a ' })).toMatchObject({
      release: 'my-vc',
      namespace: 'team-a',
    });
  });

  it('accepts names of one character and of the longest allowed length', () => {
    expect(settings({ release: 'a', namespace: 'b' })).toMatchObject({ release: 'a', namespace: 'b' });
    expect(settings({ release: 'r'.repeat(53), namespace: 'n'.repeat(63) })).toMatchObject({
      release: 'r'.repeat(53),
      namespace: 'n'.repeat(63),
    });
  });

  it('accepts the first chart versions that can migrate and that take etcd-extra-args', () => {
    expect(settings({ 'chart-version': '0.24.2' }).chartVersion.text).toBe('0.24.2');
    expect(settings({ 'chart-version': '0.25.0' }).etcdExtraArgs).toEqual([]);
    expect(
      settings({ 'chart-version': '0.26.0', 'etcd-extra-args': '--quota-backend-bytes=8589934592' }).etcdExtraArgs,
    ).toEqual(['--quota-backend-bytes=8589934592']);
  });

  it('trims each etcd-extra-args line and skips empty ones', () => {
    expect(
      settings({ 'etcd-extra-args': '  --quota-backend-bytes=8589934592  \n\n  --auto-compaction-retention=1\n' })
        .etcdExtraArgs,
    ).toEqual(['--quota-backend-bytes=8589934592', '--auto-compaction-retention=1']);
  });

  it('reads every boolean spelling the workflow syntax allows', () => {
    for (const t of ['true', 'True', 'TRUE'])
      expect(
        settings({ phase: 'finalize', 'approval-environment': 'production', 'delete-etcd-pvcs': t }).deleteEtcdPvcs,
        t,
      ).toBe(true);
    for (const f of ['false', 'False', 'FALSE'])
      expect(settings({ 'orphan-on-forbidden': f }).orphanOnForbidden, f).toBe(false);
  });

  it('passes each boolean input to its own setting', () => {
    expect(settings({ 'accept-lost-log-line': 'true' }).acceptLostLogLine).toBe(true);
    expect(settings({ 'require-approval': 'false' }).requireApproval).toBe(false);
    expect(
      settings({ phase: 'finalize', 'approval-environment': 'production', 'delete-etcd-pvcs': 'true' }).deleteEtcdPvcs,
    ).toBe(true);
    expect(settings({ 'orphan-on-forbidden': 'false' }).orphanOnForbidden).toBe(false);
  });

  it('reads both timeouts', () => {
    expect(settings({ timeout: '30s', 'migration-timeout': '10s' })).toMatchObject({
      timeoutMs: 30_000,
      migrationTimeoutMs: 10_000,
    });
    expect(settings({ 'migration-timeout': '20m' }).migrationTimeoutMs).toBe(1_200_000);
  });

  it('accepts a one-character storage class', () => {
    expect(settings({ 'storage-class': 'x' }).storageClass).toBe('x');
  });

  it('accepts an etcd flag without a value', () => {
    expect(settings({ 'etcd-extra-args': '--enable-pprof' }).etcdExtraArgs).toEqual(['--enable-pprof']);
  });

  it('passes the storage, context, backup and GitHub inputs through', () => {
    expect(
      settings({
        'storage-size': '20Gi',
        'storage-class': 'fast.ssd-2',
        context: 'kind-kind',
        'backup-dir': '/tmp/etcd-backups',
        backup: 'skip',
        'backup-skip-reason': 'a snapshot was taken by the platform team',
        'approval-environment': 'production',
        'pr-number': '1234567890',
        'github-token': 'ghs_token',
      }),
    ).toMatchObject({
      storageSize: '20Gi',
      storageClass: 'fast.ssd-2',
      context: 'kind-kind',
      backupDir: '/tmp/etcd-backups',
      backup: 'skip',
      backupSkipReason: 'a snapshot was taken by the platform team',
      approvalEnvironment: 'production',
      prNumber: 1234567890,
      githubToken: 'ghs_token',
    });
    expect(settings({ 'pr-number': '7' }).prNumber).toBe(7);
  });

  it('reads a kubeconfig as given, and a blank one as none', () => {
    const kubeconfig = 'apiVersion: v1\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:6443"}\n';
    expect(settings({ kubeconfig }).kubeconfig).toBe(kubeconfig);
    expect(settings({ kubeconfig: '  \n' }).kubeconfig).toBeUndefined();
  });

  it('runs finalize without an approval environment only when require-approval is false', () => {
    expect(settings({ phase: 'finalize', 'require-approval': 'false' })).toMatchObject({
      phase: 'finalize',
      requireApproval: false,
      approvalEnvironment: undefined,
    });
    expect(settings({ phase: 'finalize', 'approval-environment': 'e'.repeat(255) }).approvalEnvironment).toBe(
      'e'.repeat(255),
    );
  });

  it('takes charts from a repository over http(s), an OCI registry with a port, or a directory', () => {
    expect(settings({ 'chart-repo': 'http://charts.internal:8080' }).chart).toEqual({
      kind: 'repo',
      name: 'vcluster',
      repo: 'http://charts.internal:8080',
    });
    expect(settings({ chart: 'v' }).chart).toEqual({ kind: 'repo', name: 'v', repo: 'https://charts.loft.sh' });
    expect(settings({ chart: 'oci://registry.local:5000/charts/vcluster' }).chart).toEqual({
      kind: 'oci',
      ref: 'oci://registry.local:5000/charts/vcluster',
    });
    expect(settings({ chart: '/srv/charts/vcluster' }).chart).toEqual({ kind: 'local', path: '/srv/charts/vcluster' });
    expect(settings({ chart: '../charts/vcluster' }).chart).toEqual({ kind: 'local', path: '../charts/vcluster' });
  });

  it('adds volatile prefixes, one per line, to the built-in ones', () => {
    expect(
      settings({ 'volatile-prefixes': '  /registry/example.com/jobs/ \n\n/vcluster/cache/\n' }).volatilePrefixes,
    ).toEqual([...DEFAULT_VOLATILE_PREFIXES, '/registry/example.com/jobs/', '/vcluster/cache/']);
  });
});

describe('parseSettings: values', () => {
  it('passes a mapping of Helm values through, with YAML merge keys resolved as Helm resolves them', () => {
    expect(
      settings({ values: 'sync:\n  toHost:\n    ingresses:\n      enabled: true\nexperimental: null\n' }).extraValues,
    ).toEqual({ sync: { toHost: { ingresses: { enabled: true } } }, experimental: null });
    expect(
      settings({ values: 'on: &on {enabled: true}\nsync:\n  toHost:\n    ingresses:\n      <<: *on\n' }).extraValues,
    ).toEqual({ on: { enabled: true }, sync: { toHost: { ingresses: { enabled: true } } } });
  });

  it('reads values that hold only comments as no values', () => {
    expect(settings({ values: '# nothing to add\n' }).extraValues).toEqual({});
    expect(settings({ values: ' \n ' }).extraValues).toEqual({});
  });

  it('refuses a key written twice', () => {
    const p = refused({ values: 'sync:\n  enabled: true\nsync:\n  enabled: false\n' });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({
      input: 'values',
      problem: expect.stringMatching(/^is not valid YAML \(Map keys must be unique/),
    });
    expect(p[0]!.expected).toBe('a YAML mapping of Helm values, like "sync: {toHost: {ingresses: {enabled: true}}}"');
  });

  it('refuses values that are not a mapping', () => {
    for (const values of ['just text', '- a\n- b', '42']) {
      expect(refused({ values }), values).toEqual(
        problem('values', 'is not a YAML mapping', 'a mapping of Helm values at the top level'),
      );
    }
  });

  it("refuses a quoted '<<' key anywhere, which Helm would read as a merge key", () => {
    for (const values of [
      '"<<": {a: 1}',
      'sync:\n  toHost:\n    "<<": {a: 1}',
      'list:\n- a: 1\n- "<<": {b: 2}\n',
      'n: null\nm: {x: [1, {"<<": 2}]}',
    ]) {
      expect(refused({ values }), values).toEqual(
        problem('values', "has a '<<' key, which Helm reads as a YAML merge key", 'the keys written out, without "<<"'),
      );
    }
  });

  it('refuses values setting several owned keys, naming each', () => {
    expect(refused({ values: 'controlPlane:\n  backingStore: {}\n  persistence: {}\n' })).toEqual(
      problem(
        'values',
        'sets controlPlane.backingStore, controlPlane.persistence, which the migration owns',
        'values without those keys; use storage-size, storage-class and etcd-extra-args for the embedded etcd',
      ),
    );
  });

  it('refuses owned keys reached through a merge key', () => {
    expect(refused({ values: 'base: &b {backingStore: {etcd: {}}}\ncontrolPlane:\n  <<: *b\n' })[0]!.problem).toBe(
      'sets controlPlane.backingStore, which the migration owns',
    );
  });

  it('refuses values over 256 KiB before parsing them', () => {
    const values = `a: "${'x'.repeat(256 * 1024)}"`;
    expect(refused({ values })).toEqual(problem('values', `is ${values.length} bytes`, 'at most 262144 bytes of YAML'));
    const largest = `a: "${'x'.repeat(256 * 1024 - 5)}"`;
    expect(Buffer.byteLength(largest)).toBe(262144);
    expect(settings({ values: largest }).extraValues).toHaveProperty('a');
  });
});

describe('parseSettings: refusals', () => {
  it('says one input is not valid, in one line per problem', () => {
    expect(() => settings({ phase: 'rollback' })).toThrow(
      '1 input is not valid; nothing was changed:\n- input \'phase\': "rollback" is not a phase. Expected: plan, migrate, finalize, abort, status, discover.',
    );
    expect(() => settings({ phase: 'rollback', backup: 'none' })).toThrow(
      '2 inputs are not valid; nothing was changed:\n- input \'phase\': "rollback" is not a phase. Expected: plan, migrate, finalize, abort, status, discover.\n' +
        '- input \'backup\': "none" is not a backup mode. Expected: required or skip.',
    );
  });

  it('refuses empty, long and malformed names', () => {
    expect(refused({ release: '' })).toEqual(
      problem('release', 'is empty', 'a DNS-1123 label of at most 53 characters, like "my-vcluster"'),
    );
    expect(refused({ namespace: ' ' })).toEqual(
      problem('namespace', 'is empty', 'a DNS-1123 label of at most 63 characters, like "my-vcluster"'),
    );
    expect(refused({ release: 'r'.repeat(54) })).toEqual(
      problem('release', `"${'r'.repeat(54)}" has 54 characters`, 'at most 53 characters'),
    );
    for (const release of ['-vc', 'vc-', 'v_c', 'Vc']) {
      expect(refused({ release }), release).toEqual(
        problem(
          'release',
          `"${release}" is not a DNS-1123 label`,
          'lower-case letters, digits and "-", starting and ending with a letter or digit',
        ),
      );
    }
  });

  it('shows a long bad value cut to 80 characters', () => {
    expect(refused({ release: 'r'.repeat(80) })[0]!.problem).toBe(`"${'r'.repeat(80)}" has 80 characters`);
    expect(refused({ release: 'r'.repeat(81) })[0]!.problem).toBe(`"${'r'.repeat(80)}…" has 81 characters`);
  });

  it('refuses a missing or malformed chart version', () => {
    expect(refused({ 'chart-version': '' })).toEqual(
      problem('chart-version', 'is empty', 'the vCluster chart version to upgrade to, like 0.27.0'),
    );
    for (const v of ['0.27', 'x0.27.0', '0.27.0x', '00.27.0', '0.027.0', '0.27.00', '0.27.0-', 'latest']) {
      expect(refused({ 'chart-version': v }), v).toEqual(
        problem('chart-version', `"${v}" is not a semantic version`, 'a version like 0.27.0 or v0.27.0'),
      );
    }
  });

  it('refuses chart versions before 0.24.2', () => {
    for (const v of ['0.24.1', '0.23.9', 'v0.9.40']) {
      expect(refused({ 'chart-version': v })[0]!.problem, v).toMatch(
        /cannot migrate: migrateFromDeployedEtcd exists from chart 0\.24\.2$/,
      );
    }
  });

  it('refuses etcd-extra-args for charts before 0.26.0, saying which chart added them', () => {
    expect(refused({ 'chart-version': '0.25.9', 'etcd-extra-args': '--quota-backend-bytes=1' })).toEqual(
      problem(
        'etcd-extra-args',
        'chart 0.25.9 has no controlPlane.backingStore.etcd.embedded.extraArgs (added in 0.26.0) and rejects it',
        'chart-version 0.26.0 or later, or no etcd-extra-args',
      ),
    );
  });

  it('refuses an etcd-extra-args line that is not one --flag=value', () => {
    for (const a of ['quota=1', 'x --quota-backend-bytes=1', '--quota-backend-bytes= 1', '--Quota=1', '-q=1']) {
      expect(refused({ 'etcd-extra-args': a }), a).toEqual(
        problem(
          'etcd-extra-args',
          `${JSON.stringify(a)} is not one --flag=value`,
          'one flag per line, like --quota-backend-bytes=8589934592',
        ),
      );
    }
  });

  const owned = [
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
  it.each(owned)('refuses --%s, which vCluster sets for the embedded etcd', (flag) => {
    expect(refused({ 'etcd-extra-args': `--${flag}=x` })).toEqual(
      problem(
        'etcd-extra-args',
        `--${flag} is set by vCluster for the embedded etcd; overriding it breaks the store or its TLS`,
        `flags other than ${owned.map((f) => `--${f}`).join(', ')}`,
      ),
    );
  });

  it('refuses a zero storage size', () => {
    for (const size of ['0', '0Gi']) {
      expect(refused({ 'storage-size': size }), size).toEqual(
        problem('storage-size', `"${size}" is zero`, 'a positive size like 5Gi'),
      );
    }
  });

  it('refuses a storage class that is not a StorageClass name', () => {
    for (const c of ['Fast', '-gp3', 'gp3-', 'gp3.', 'my class', 'gp3..ssd', 'gp3.-ssd', 'gp3-.ssd']) {
      expect(refused({ 'storage-class': c }), c).toEqual(
        problem('storage-class', `${JSON.stringify(c)} is not a StorageClass name`, STORAGE_CLASS_EXPECTED),
      );
    }
  });

  it('refuses a kubeconfig that is not one, never quoting it', () => {
    const p = problem(
      'kubeconfig',
      'is not a kubeconfig (not YAML with a clusters list); its content is not shown',
      'the content of a kubeconfig file, for example from a repository secret',
    );
    for (const kubeconfig of [
      'just a token',
      '~',
      '- clusters',
      'users: []',
      'a: &a [x,x,x,x,x,x]\nb: [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a,*a,*a,*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nclusters: []',
    ]) {
      expect(refused({ kubeconfig }), kubeconfig).toEqual(p);
    }
  });

  it('refuses control characters in names and paths, naming the input', () => {
    expect(refused({ context: 'kind\u0007x' })).toEqual(
      problem('context', 'contains a control character', 'a context name from the kubeconfig'),
    );
    expect(refused({ 'backup-dir': '/tmp/a\nb' })).toEqual(
      problem(
        'backup-dir',
        'contains a control character',
        'an absolute directory path on the runner, like ${{ runner.temp }}/etcd-backup',
      ),
    );
    expect(refused({ chart: 'vc\u0007' })).toEqual(
      problem('chart', 'contains a control character', 'a chart name, an oci:// reference or a chart directory'),
    );
    expect(refused({ backup: 'skip', 'backup-skip-reason': 'taken\nINJECT' })).toEqual(
      problem(
        'backup-skip-reason',
        'contains a control character (a line break?)',
        'one sentence on one line saying why no snapshot is taken',
      ),
    );
  });

  it('refuses an approval environment GitHub could not have', () => {
    expect(refused({ 'approval-environment': 'prod\nx' })).toEqual(
      problem(
        'approval-environment',
        'contains a control character (a line break?), so it is not a GitHub environment name',
        'at most 255 characters, no control characters',
      ),
    );
    expect(refused({ 'approval-environment': 'e'.repeat(256) })).toEqual(
      problem(
        'approval-environment',
        'has 256 characters, so it is not a GitHub environment name',
        'at most 255 characters, no control characters',
      ),
    );
  });

  it('refuses finalize without an approval environment while approval is required', () => {
    expect(refused({ phase: 'finalize' })).toEqual(
      problem(
        'approval-environment',
        'is empty, and finalize needs a verified approval',
        'the GitHub environment with required reviewers that the finalize job names',
      ),
    );
  });

  it('refuses an unknown backup mode, and skip without a reason', () => {
    expect(refused({ backup: 'none' })).toEqual(problem('backup', '"none" is not a backup mode', 'required or skip'));
    expect(refused({ backup: 'skip' })).toEqual(
      problem(
        'backup-skip-reason',
        'is empty while backup is skip',
        'a sentence saying why no snapshot is taken (it is shown in bold in the summary)',
      ),
    );
  });

  it('refuses durations that are too short, saying the minimum', () => {
    expect(refused({ timeout: '29s' })).toEqual(problem('timeout', '"29s" is too short', 'at least 30s'));
    expect(refused({ 'migration-timeout': '9s' })).toEqual(
      problem('migration-timeout', '"9s" is too short', 'at least 10s'),
    );
    expect(refused({ 'migration-timeout': 'soon' })).toEqual(
      problem('migration-timeout', '"soon" is not a duration', 'a duration like 90s, 10m or 1h'),
    );
  });

  it('refuses a value that is not a boolean, naming the input', () => {
    for (const name of ['require-approval', 'delete-etcd-pvcs', 'orphan-on-forbidden', 'accept-lost-log-line']) {
      expect(refused({ [name]: 'yes' }), name).toEqual(problem(name, '"yes" is not a boolean', 'true or false'));
    }
  });

  it('refuses volatile prefixes that are not etcd key prefixes', () => {
    for (const p of ['registry/events/', '/registry/a\u0007/']) {
      expect(refused({ 'volatile-prefixes': `/registry/ok/\n${p}` }), p).toEqual(
        problem(
          'volatile-prefixes',
          `${JSON.stringify(p)} is not an etcd key prefix`,
          'one prefix per line starting with "/", like /registry/leases/',
        ),
      );
    }
  });

  it('refuses a pull request number that is not a positive whole number', () => {
    for (const n of ['0', '012', '12345678901', 'x12', '12x', '-1']) {
      expect(refused({ 'pr-number': n }), n).toEqual(
        problem('pr-number', `"${n}" is not a pull request number`, 'a positive whole number'),
      );
    }
  });

  it('refuses chart names, OCI references and repositories it cannot use', () => {
    for (const chart of ['My-chart', 'vcluster!', 'loft/vcluster']) {
      expect(refused({ chart }), chart).toEqual(
        problem(
          'chart',
          `"${chart}" is not a chart name`,
          'a chart name like vcluster, an oci:// reference, or a directory path starting with ./ or /',
        ),
      );
    }
    for (const chart of [
      'oci://ghcr.io/loft-sh/vcluster;curl',
      'oci://ghcr.io',
      'oci://ghcr.io:x/vcluster',
      'oci://user@ghcr.io/vcluster',
    ]) {
      expect(refused({ chart }), chart).toEqual(
        problem('chart', `"${chart}" is not an OCI chart reference`, 'oci://registry.example.com/path/vcluster'),
      );
    }
    for (const repo of ['git+https://charts.loft.sh', 'https://charts.loft.sh extra', 'ftp://charts.loft.sh']) {
      expect(refused({ 'chart-repo': repo }), repo).toEqual(
        problem('chart-repo', `"${repo}" is not a repository URL`, REPO_EXPECTED),
      );
    }
  });
});
