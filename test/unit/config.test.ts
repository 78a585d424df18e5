import { describe, it, expect } from 'vitest';
import { parseSettings, InputError } from '../../src/config.ts';

const valid: Record<string, string> = { release: 'my-vc', namespace: 'team-a', 'chart-version': '0.27.0' };
const inputs = (over: Record<string, string>) => (name: string) => ({ ...valid, ...over })[name] ?? '';

function problems(over: Record<string, string>): string {
  try {
    parseSettings(inputs(over));
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('parseSettings', () => {
  it('applies the documented defaults', () => {
    const s = parseSettings(inputs({}));
    expect(s.phase).toBe('migrate');
    expect(s.chart).toEqual({ kind: 'repo', name: 'vcluster', repo: 'https://charts.loft.sh' });
    expect(s.timeoutMs).toBe(600_000);
    expect(s.migrationTimeoutMs).toBe(900_000);
    expect(s.requireApproval).toBe(true);
    expect(s.deleteEtcdPvcs).toBe(false);
    expect(s.orphanOnForbidden).toBe(true);
    expect(s.backup).toBe('required');
    expect(s.chartVersion.text).toBe('0.27.0');
  });

  it('accepts a leading v, oci and local charts, durations and extra args on 0.26+', () => {
    const s = parseSettings(inputs({
      'chart-version': 'v0.28.2', chart: 'oci://ghcr.io/loft-sh/charts/vcluster', timeout: '1h30m', 'migration-timeout': '90s',
      'etcd-extra-args': '--quota-backend-bytes=8589934592\n\n--auto-compaction-retention=1\n', 'storage-size': '20Gi',
    }));
    expect(s.chartVersion.text).toBe('0.28.2');
    expect(s.chart).toEqual({ kind: 'oci', ref: 'oci://ghcr.io/loft-sh/charts/vcluster' });
    expect(s.timeoutMs).toBe(5_400_000);
    expect(s.etcdExtraArgs).toEqual(['--quota-backend-bytes=8589934592', '--auto-compaction-retention=1']);
    expect(parseSettings(inputs({ chart: './charts/vcluster' })).chart).toEqual({ kind: 'local', path: './charts/vcluster' });
  });

  it('reports every bad input at once', () => {
    const msg = problems({ release: 'Bad_Name', namespace: '', 'chart-version': 'latest' });
    expect(msg).toContain('3 inputs are not valid; nothing was changed');
    expect(msg).toContain("input 'release'");
    expect(msg).toContain("input 'namespace'");
    expect(msg).toContain("input 'chart-version'");
  });

  // Each row: the inputs, and what the message must say (which input, what is wrong, what is right).
  const bad: [string, Record<string, string>, RegExp][] = [
    ['release with upper case', { release: 'MyVC' }, /input 'release': "MyVC" is not a DNS-1123 label\. Expected: lower-case letters/],
    ['release too long', { release: 'a'.repeat(54) }, /input 'release': .* has 54 characters\. Expected: at most 53 characters/],
    ['release with shell metacharacters', { release: 'vc;rm -rf /' }, /input 'release': "vc;rm -rf \/" is not a DNS-1123 label/],
    ['release with a newline', { release: 'vc\nINJECT=1' }, /input 'release': "vc\\nINJECT=1" is not a DNS-1123 label/],
    ['namespace too long', { namespace: 'n'.repeat(64) }, /input 'namespace': .* has 64 characters\. Expected: at most 63/],
    ['chart version not semver', { 'chart-version': '0.27' }, /input 'chart-version': "0\.27" is not a semantic version/],
    ['chart version too old', { 'chart-version': '0.24.1' }, /input 'chart-version': 0\.24\.1 cannot migrate: migrateFromDeployedEtcd exists from chart 0\.24\.2\. Expected: 0\.24\.2 or later/],
    ['unknown phase', { phase: 'rollback' }, /input 'phase': "rollback" is not a phase\. Expected: plan, migrate, finalize, status/],
    ['extra args on 0.25', { 'chart-version': '0.25.0', 'etcd-extra-args': '--quota-backend-bytes=1' }, /input 'etcd-extra-args': chart 0\.25\.0 has no controlPlane\.backingStore\.etcd\.embedded\.extraArgs \(added in 0\.26\.0\)/],
    ['extra arg without dashes', { 'etcd-extra-args': 'quota=1' }, /input 'etcd-extra-args': "quota=1" is not one --flag=value/],
    ['extra arg owned by vCluster', { 'etcd-extra-args': '--data-dir=/tmp/x' }, /--data-dir is set by vCluster for the embedded etcd/],
    ['storage size not a quantity', { 'storage-size': 'ten gigs' }, /input 'storage-size': "ten gigs" is not a Kubernetes quantity\. Expected: a size like 5Gi/],
    ['timeout not a duration', { timeout: '10 minutes' }, /input 'timeout': "10 minutes" is not a duration\. Expected: a duration like 90s, 10m or 1h/],
    ['boolean not a boolean', { 'delete-etcd-pvcs': 'yes' }, /input 'delete-etcd-pvcs': "yes" is not a boolean\. Expected: true or false/],
    ['values not YAML', { values: 'a: [1, 2' }, /input 'values': is not valid YAML/],
    ['values not a mapping', { values: '- a\n- b' }, /input 'values': is not a YAML mapping/],
    ['values touching owned keys', { values: 'controlPlane:\n  backingStore:\n    etcd:\n      deploy:\n        enabled: true' }, /input 'values': sets controlPlane\.backingStore, which the migration owns/],
    ['values using the guide\'s persistence path', { values: 'controlPlane:\n  persistence:\n    volumeClaim:\n      size: 10Gi' }, /sets controlPlane\.persistence, which the migration owns/],
    ['values expanding aliases', { values: 'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]' }, /input 'values': is not valid YAML \(Excessive alias count/],
    ['backup skip without reason', { backup: 'skip' }, /input 'backup-skip-reason': is empty while backup is skip/],
    ['finalize without environment', { phase: 'finalize' }, /input 'approval-environment': is empty, and finalize needs a verified approval/],
    ['chart repo not a URL', { 'chart-repo': 'charts.loft.sh; curl evil' }, /input 'chart-repo': .* is not a repository URL/],
    ['kubeconfig not YAML', { kubeconfig: 'apiVersion: v1\nclusters: [\n' }, /input 'kubeconfig': is not a kubeconfig .*its content is not shown/],
    ['pr number not a number', { 'pr-number': '12; drop' }, /input 'pr-number': "12; drop" is not a pull request number/],
  ];
  it.each(bad)('refuses %s', (_name, over, message) => {
    expect(problems(over)).toMatch(message);
  });

  it('never echoes kubeconfig content in its message', () => {
    const secret = 'token: sk-very-secret-value-123';
    expect(problems({ kubeconfig: `users:\n- name: x\n  user:\n    ${secret}\n` })).not.toContain('sk-very-secret');
  });
});
