import { describe, it, expect } from 'vitest';
import { parseSettings } from '../../../../src/core/inputs/inputs.ts';
import { DEFAULT_VOLATILE_PREFIXES } from '../../../../src/core/migration/census.ts';
import { BAD_INPUTS as bad } from '../../../support/bad-inputs.ts';
import { inputError, inputsWith as inputs } from '../../../support/inputs.ts';
import { renderSummary } from '../../../../src/report/summary.ts';
import { renderStatusComment } from '../../../../src/report/comment-body.ts';
import { newReport } from '../../../../src/report/report.ts';

const problems = (over: Record<string, string>): string => inputError(() => parseSettings(inputs(over)), over).message;

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
    const s = parseSettings(
      inputs({
        'chart-version': 'v0.28.2',
        chart: 'oci://ghcr.io/loft-sh/charts/vcluster',
        timeout: '1h30m',
        'migration-timeout': '90s',
        'etcd-extra-args': '--quota-backend-bytes=8589934592\n\n--auto-compaction-retention=1\n',
        'storage-size': '20Gi',
      }),
    );
    expect(s.chartVersion.text).toBe('0.28.2');
    expect(s.chart).toEqual({ kind: 'oci', ref: 'oci://ghcr.io/loft-sh/charts/vcluster' });
    expect(s.timeoutMs).toBe(5_400_000);
    expect(s.etcdExtraArgs).toEqual(['--quota-backend-bytes=8589934592', '--auto-compaction-retention=1']);
    expect(parseSettings(inputs({ chart: './charts/vcluster' })).chart).toEqual({
      kind: 'local',
      path: './charts/vcluster',
    });
  });

  it('adds volatile-prefixes lines to the built-in volatile groups', () => {
    const s = parseSettings(inputs({ 'volatile-prefixes': '/registry/example.com/widgets/\n\n /vcluster/cache/ \n' }));
    expect(s.volatilePrefixes).toEqual([
      ...DEFAULT_VOLATILE_PREFIXES,
      '/registry/example.com/widgets/',
      '/vcluster/cache/',
    ]);
    expect(parseSettings(inputs({})).volatilePrefixes).toEqual([...DEFAULT_VOLATILE_PREFIXES]);
  });

  it('runs a chart line newer than it knows only when allowed, and keeps the note for the summary', () => {
    expect(parseSettings(inputs({})).newerChartLine).toBeUndefined();
    expect(parseSettings(inputs({ 'chart-version': '0.36.9' })).newerChartLine).toBeUndefined();
    const s = parseSettings(inputs({ 'chart-version': '0.37.0-rc.1', 'allow-newer-chart-line': 'true' }));
    expect(s.newerChartLine).toBe(
      'Chart 0.37.0-rc.1 is on line 0.37, newer than the newest line this action knows (0.36); it ran because allow-newer-chart-line is true.',
    );
    const md = renderSummary({ ...newReport('vc', 'ns', 'plan'), newerChartLine: s.newerChartLine });
    expect(md).toMatch(
      /^\*\*Chart `0\.37\.0-rc\.1` is on line 0\.37, newer than .*allow-newer-chart-line is true\.\*\*$/m,
    );
    expect(renderStatusComment({ ...newReport('vc', 'ns', 'plan'), newerChartLine: s.newerChartLine })).toContain(
      '**Chart `0.37.0-rc.1`',
    );
  });

  it('accepts typed etcd flags and bare booleans', () => {
    const s = parseSettings(
      inputs({
        'etcd-extra-args':
          '--auto-compaction-mode=periodic\n--auto-compaction-retention=30m\n--enable-pprof\n--backend-batch-interval=10ms',
      }),
    );
    expect(s.etcdExtraArgs).toHaveLength(4);
  });

  it('reports every bad input at once', () => {
    const msg = problems({ release: 'Bad_Name', namespace: '', 'chart-version': 'latest' });
    expect(msg).toContain('3 inputs are not valid; nothing was changed');
    expect(msg).toContain("input 'release'");
    expect(msg).toContain("input 'namespace'");
    expect(msg).toContain("input 'chart-version'");
  });

  it.each(bad)('refuses %s', (_name, over, message) => {
    expect(problems(over)).toMatch(message);
  });

  it('never echoes kubeconfig content in its message', () => {
    const secret = 'token: sk-very-secret-value-123';
    expect(problems({ kubeconfig: `users:\n- name: x\n  user:\n    ${secret}\n` })).not.toContain('sk-very-secret');
  });
});
