// Inputs that name a place or a size, checked as their consumer reads them before any cluster call:
// a StorageClass name, a chart repository URL, a chart path that exists, absolute directories, and
// the upper bounds of the tools downstream (helm's Go duration, a Kubernetes quantity, GitHub numbers).
import { describe, expect, it } from 'vitest';
import { parseInputs, parseSettings } from '../../../../src/core/inputs/inputs.ts';
import type { InputProblem, PathProbe } from '../../../../src/core/inputs/input-reader.ts';
import type { Settings } from '../../../../src/core/inputs/config.ts';
import { inputError, inputsWith } from '../../../support/inputs.ts';

const settings = (over: Record<string, string> = {}) => parseSettings(inputsWith(over));
const refused = (over: Record<string, string>): InputProblem[] =>
  inputError(() => parseSettings(inputsWith(over)), over).problems;

/** A runner with these paths: a chart directory, a packaged chart, a file and a directory without a chart. */
const RUNNER: Record<string, 'directory' | 'file'> = {
  './charts/vcluster': 'directory',
  './charts/vcluster/Chart.yaml': 'file',
  '/opt/charts/vcluster-0.27.0.tgz': 'file',
  './README.md': 'file',
  './docs': 'directory',
  '/home/runner/backups.tar': 'file',
};
const probe: PathProbe = (p) => RUNNER[p.replace(/(.)\/+$/, '$1')] ?? 'missing';
const withProbe = (over: Record<string, string>, door: 'action' | 'cli' = 'action') =>
  parseInputs(inputsWith(over), door, probe);
const probeRefused = (over: Record<string, string>, door: 'action' | 'cli' = 'action'): InputProblem[] =>
  inputError(() => withProbe(over, door), over).problems;
const settingsOf = (over: Record<string, string>, door: 'action' | 'cli' = 'action') =>
  withProbe(over, door).settings as Settings;

describe('storage-class: a DNS-1123 subdomain', () => {
  it('takes dotted names up to 253 characters', () => {
    expect(settings({ 'storage-class': 'fast.ssd-2.example.com' }).storageClass).toBe('fast.ssd-2.example.com');
    const longest = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(longest).toHaveLength(253);
    expect(settings({ 'storage-class': longest }).storageClass).toBe(longest);
  });

  it('refuses 254 characters, naming the length and the bound', () => {
    const c = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`;
    const [p] = refused({ 'storage-class': c });
    expect(p!.problem).toMatch(/has 254 characters$/);
    expect(p!.expected).toMatch(/^a DNS-1123 subdomain of at most 253 characters/);
  });

  it('refuses empty parts and parts that start or end with "-"', () => {
    for (const c of ['gp3..ssd', '.gp3', 'gp3.-ssd', 'gp3-.ssd', 'gp3_ssd'])
      expect(refused({ 'storage-class': c })[0]!.problem, c).toBe(`${JSON.stringify(c)} is not a StorageClass name`);
  });
});

describe('chart-repo: a repository URL helm takes with --repo', () => {
  it('takes http and https URLs with a port and a path', () => {
    for (const repo of ['https://charts.loft.sh', 'http://charts.internal:8080/vcluster/', 'https://10.0.0.7/charts'])
      expect(settings({ 'chart-repo': repo }).chart, repo).toEqual({ kind: 'repo', name: 'vcluster', repo });
  });

  it('refuses an OCI registry, saying it goes in input chart', () => {
    expect(refused({ 'chart-repo': 'oci://ghcr.io/loft-sh/' })).toEqual([
      {
        input: 'chart-repo',
        problem:
          '"oci://ghcr.io/loft-sh/" is an OCI registry, which helm takes as the chart itself, not as a repository (--repo)',
        expected:
          'chart: oci://ghcr.io/loft-sh/vcluster (an oci:// chart reference; chart-repo is then not read), or an https:// (or http://) chart repository URL like https://charts.loft.sh',
      },
    ]);
  });

  it('refuses a URL with credentials without showing them', () => {
    const [p] = refused({ 'chart-repo': 'https://robot:s3cr3t-pw@charts.example.com' });
    expect(p!.problem).toBe(
      'holds a user name or password (user:password@), which the log and the summary would show; it is not shown here',
    );
    expect(JSON.stringify(p)).not.toContain('s3cr3t-pw');
  });

  it('refuses URLs helm cannot take, and checks chart-repo whatever the chart', () => {
    for (const repo of ['https://', 'https:///charts', 'https://exa mple.com', `https://x.example/${'a'.repeat(2048)}`])
      expect(refused({ 'chart-repo': repo })[0]!.problem, repo).toMatch(/is not a repository URL$/);
    expect(refused({ chart: 'oci://ghcr.io/loft-sh/vcluster', 'chart-repo': 'ftp://x' })[0]!.input).toBe('chart-repo');
  });
});

describe('chart: a path that exists when it looks like one', () => {
  it('takes a chart directory and a packaged chart', () => {
    expect(settingsOf({ chart: './charts/vcluster' }).chart).toEqual({ kind: 'local', path: './charts/vcluster' });
    expect(settingsOf({ chart: './charts/vcluster/' }).chart.kind).toBe('local');
    expect(settingsOf({ chart: '/opt/charts/vcluster-0.27.0.tgz' }).chart.kind).toBe('local');
  });

  it('refuses a path with nothing there, a directory without Chart.yaml, and a file that is no chart', () => {
    const expected =
      'a chart directory holding Chart.yaml, or a packaged chart (.tgz), on the runner (after actions/checkout, a path like ./charts/vcluster)';
    expect(probeRefused({ chart: './chart/vcluster' })).toEqual([
      { input: 'chart', problem: '"./chart/vcluster" looks like a path, but nothing is there', expected },
    ]);
    expect(probeRefused({ chart: './docs' })).toEqual([
      { input: 'chart', problem: '"./docs" is a directory without a Chart.yaml', expected },
    ]);
    expect(probeRefused({ chart: './README.md' })).toEqual([
      {
        input: 'chart',
        problem: '"./README.md" is a file, not a chart directory or a packaged chart (.tgz)',
        expected,
      },
    ]);
  });

  it('a chart name or an OCI reference is not looked up on the runner', () => {
    expect(settingsOf({ chart: 'vcluster' }).chart.kind).toBe('repo');
    expect(settingsOf({ chart: 'oci://ghcr.io/loft-sh/vcluster' }).chart.kind).toBe('oci');
  });
});

describe('backup-dir and values-dir: absolute directories on the runner', () => {
  it('takes absolute POSIX and Windows paths, existing or not', () => {
    expect(settingsOf({ 'backup-dir': '/home/runner/work/_temp/etcd' }).backupDir).toBe('/home/runner/work/_temp/etcd');
    expect(settingsOf({ 'values-dir': 'D:\\a\\repo\\gitops' }).valuesDir).toBe('D:\\a\\repo\\gitops');
    expect(settingsOf({ 'values-dir': './docs', phase: 'plan' }, 'cli').valuesDir).toBe('./docs');
  });

  it('refuses a relative path in the action, where it would depend on the working directory', () => {
    expect(probeRefused({ 'backup-dir': 'backups', 'values-dir': 'gitops/vclusters' })).toEqual([
      {
        input: 'backup-dir',
        problem: `"backups" is a relative path, which depends on the step's working directory`,
        expected: 'an absolute directory path on the runner, like ${{ runner.temp }}/etcd-backup',
      },
      {
        input: 'values-dir',
        problem: `"gitops/vclusters" is a relative path, which depends on the step's working directory`,
        expected: 'an absolute directory path on the runner, like ${{ github.workspace }}/gitops/vclusters',
      },
    ]);
  });

  it('refuses a path that is a file', () => {
    expect(probeRefused({ 'backup-dir': '/home/runner/backups.tar' })[0]!.problem).toBe(
      '"/home/runner/backups.tar" is a file, not a directory',
    );
    expect(probeRefused({ 'values-dir': './README.md' }, 'cli')[0]!.problem).toBe(
      '"./README.md" is a file, not a directory',
    );
  });
});

describe('upper bounds of the tools downstream', () => {
  it("timeout: helm's --timeout is a Go duration, at most 2562047h", () => {
    expect(settings({ timeout: '2562047h' }).timeoutMs).toBe(2_562_047 * 3_600_000);
    expect(refused({ timeout: '2562048h' })).toEqual([
      {
        input: 'timeout',
        problem:
          '"2562048h" is too long: helm\'s --timeout is a Go duration, a 64-bit count of nanoseconds (at most about 2562047h)',
        expected: 'at most 2562047h, like 10m or 2h',
      },
    ]);
    expect(refused({ timeout: `${'9'.repeat(400)}h` })[0]!.problem).toMatch(/is too long: /);
  });

  it('migration-timeout has the same bound', () => {
    expect(refused({ 'migration-timeout': '9999999999m' })[0]).toMatchObject({
      input: 'migration-timeout',
      expected: 'at most 2562047h, like 10m or 2h',
    });
  });

  it('storage-size: a Kubernetes quantity is a 64-bit number of bytes', () => {
    expect(settings({ 'storage-size': '7Ei' }).storageSize).toBe('7Ei');
    for (const size of ['8Ei', '9223372036854775808', '1e19', '1e400', '10000P'])
      expect(refused({ 'storage-size': size }), size).toEqual([
        {
          input: 'storage-size',
          problem: `${JSON.stringify(size)} is more bytes than a Kubernetes quantity holds (its value is a signed 64-bit number)`,
          expected: 'a size below 8Ei, like 20Gi',
        },
      ]);
  });

  it("pr-number: GitHub's numbers are 32-bit", () => {
    expect(settings({ 'pr-number': '2147483647' }).prNumber).toBe(2147483647);
    expect(refused({ 'pr-number': '2147483648' })).toEqual([
      {
        input: 'pr-number',
        problem: '"2147483648" is larger than any pull request number (GitHub\'s are 32-bit)',
        expected: 'a positive whole number up to 2147483647',
      },
    ]);
  });
});
