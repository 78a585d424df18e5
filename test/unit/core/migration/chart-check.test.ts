// The chart helm installs, judged by the version in its own Chart.yaml rather than by chart-version's text.
import { describe, expect, it } from 'vitest';
import { chartCheck, describeChart, versionRuleProblems } from '../../../../src/core/migration/chart-check.ts';
import { parseChartVersion } from '../../../../src/core/inputs/version.ts';
import type { ChartRef } from '../../../../src/core/inputs/config.ts';

const local: ChartRef = { kind: 'local', path: './charts/vcluster' };
const check = (
  chartVersion: string,
  own: string,
  more: Partial<Parameters<typeof chartCheck>[0]> = {},
): ReturnType<typeof chartCheck> =>
  chartCheck({
    chart: local,
    chartVersion: parseChartVersion(chartVersion)!,
    own,
    installed: '0.27.0',
    etcdExtraArgs: [],
    allowNewerChartLine: false,
    ...more,
  });

describe('chart version check', () => {
  it('passes when the chart directory is the version chart-version says, naming where it was read', () => {
    expect(check('0.28.0', '0.28.0')).toEqual({
      name: 'chart version',
      state: 'passed',
      reason: 'chart ./charts/vcluster is version 0.28.0 (its Chart.yaml), as chart-version says',
    });
  });

  it('a leading v or build metadata is the same version', () => {
    expect(check('v0.28.0', '0.28.0').state).toBe('passed');
    expect(check('0.28.0', '0.28.0+build.5').state).toBe('passed');
  });

  it('refuses a 0.30.0 chart given as 0.28.0: it crosses the etcd 3.5 to 3.6 line chart-version 0.28.0 stays below', () => {
    const c = check('0.28.0', '0.30.0');
    expect(c.state).toBe('failed');
    expect(c.reason).toBe(
      'chart ./charts/vcluster is version 0.30.0 (its Chart.yaml), not chart-version 0.28.0; judged as the chart helm installs, ' +
        'the release runs chart 0.27.0 (etcd 3.5) and 0.30.0 ships etcd 3.6; vCluster requires a stop on a 0.24.2-0.28.x chart',
    );
    expect(c.next).toBe(
      "point input 'chart' at a chart whose Chart.yaml version is chart-version 0.28.0; nothing was changed",
    );
  });

  it('refuses a chart older than chart-version that has no extraArgs while etcd-extra-args is set', () => {
    const c = check('0.27.0', '0.25.0', { etcdExtraArgs: ['--quota-backend-bytes=8589934592'] });
    expect(c.state).toBe('failed');
    expect(c.reason).toContain(
      '0.25.0 has no controlPlane.backingStore.etcd.embedded.extraArgs (added in 0.26.0), which etcd-extra-args sets',
    );
  });

  it('refuses a chart on a line newer than the action knows, unless allow-newer-chart-line', () => {
    expect(check('0.36.0', '0.40.1', { installed: '0.36.0' }).reason).toContain(
      '0.40.1 is on chart line 0.40, newer than the newest line this action knows (0.36)',
    );
    const allowed = check('0.36.0', '0.40.1', { installed: '0.36.0', allowNewerChartLine: true });
    expect(allowed.state).toBe('failed');
    expect(allowed.reason).not.toContain('newer than the newest line');
  });

  it('refuses a chart below the minimum that chart-version passes', () => {
    expect(check('0.27.0', '0.24.1').reason).toContain(
      '0.24.1 cannot migrate (migrateFromDeployedEtcd exists from chart 0.24.2)',
    );
  });

  it('refuses any other mismatch too, saying the checks judged chart-version, and how to fix it', () => {
    const c = check('0.27.0', '0.27.1');
    expect(c.state).toBe('failed');
    expect(c.reason).toBe(
      'chart ./charts/vcluster is version 0.27.1 (its Chart.yaml), not chart-version 0.27.0; the checks judged chart-version, not the chart helm installs',
    );
    expect(c.next).toBe(
      "set chart-version: 0.27.1 (then every check judges the chart helm installs), or point input 'chart' at a chart of version 0.27.0; nothing was changed",
    );
  });

  it('refuses a chart whose version is not a semantic version, quoting it bounded', () => {
    const c = check('0.27.0', `latest${'x'.repeat(100)}`);
    expect(c.state).toBe('failed');
    expect(c.reason).toMatch(
      /^chart \.\/charts\/vcluster has version "latestx+…" \(its Chart\.yaml\), which is not a semantic version/,
    );
    expect(check('0.27.0', '').reason).toContain('has version ""');
  });

  it('names repository and OCI charts with the version helm was asked for', () => {
    expect(describeChart({ kind: 'repo', name: 'vcluster', repo: 'https://charts.loft.sh' }, '0.27.0')).toEqual({
      name: 'chart vcluster of https://charts.loft.sh (--version 0.27.0)',
      source: 'its Chart.yaml, read by helm show chart',
    });
    expect(describeChart({ kind: 'oci', ref: 'oci://ghcr.io/loft-sh/vcluster' }, '0.27.0').name).toBe(
      'chart oci://ghcr.io/loft-sh/vcluster (--version 0.27.0)',
    );
  });

  it('a release without a chart version known is not judged by the line rule', () => {
    expect(
      versionRuleProblems(parseChartVersion('0.30.0')!, { etcdExtraArgs: [], allowNewerChartLine: false }),
    ).toEqual([]);
    expect(
      versionRuleProblems(parseChartVersion('0.29.0')!, {
        installed: 'not-a-version',
        etcdExtraArgs: [],
        allowNewerChartLine: false,
      }),
    ).toEqual([]);
  });
});
