// The chart a phase would install is judged by the version in its own Chart.yaml, in the preflight,
// before anything changes: a chart directory given as another chart-version is refused in every
// phase that installs it, and status (which installs nothing) does not read it.
import { describe, expect, it } from 'vitest';
import { plan } from '../../../../src/phases/plan.ts';
import { migrate } from '../../../../src/phases/migrate.ts';
import { finalize } from '../../../../src/phases/finalize.ts';
import { abort } from '../../../../src/phases/abort.ts';
import { status } from '../../../../src/phases/status.ts';
import { nextRun, phaseFixture, runPhaseIn } from '../../../support/phase-fixture.ts';

const LOCAL = { chart: './charts/vcluster', 'chart-version': '0.28.0' };

describe('preflight: the chart version helm installs', () => {
  it('migrate refuses a 0.30.0 chart directory given as chart-version 0.28.0 before the lock, the snapshot or any upgrade', async () => {
    const fx = phaseFixture('migrate', LOCAL);
    fx.helm.ownChartVersion = '0.30.0';
    const report = await runPhaseIn(fx, migrate);
    expect(report.status).toBe('refused');
    expect(report.headline).toBe(
      'preflight failed: chart version (chart ./charts/vcluster is version 0.30.0 (its Chart.yaml), not chart-version 0.28.0; ' +
        'judged as the chart helm installs, the release runs chart 0.27.0 (etcd 3.5) and 0.30.0 ships etcd 3.6; vCluster requires a stop on a 0.24.2-0.28.x chart)',
    );
    expect(report.next).toBe(
      "point input 'chart' at a chart whose Chart.yaml version is chart-version 0.28.0; nothing was changed",
    );
    expect(report.steps.map((s) => [s.name, s.state])).toEqual([['preflight', 'refused']]);
    expect(report.checks).toEqual([expect.objectContaining({ name: 'chart version', state: 'failed' })]);
    expect(fx.helm.upgrades).toEqual([]);
    expect(fx.configMaps.writes).toBe(0);
    expect(fx.etcd.backups).toBe(0);
    expect(fx.cluster.calls).toEqual([]);
  });

  it('plan refuses it too, and with a matching chart shows the passed check', async () => {
    const refused = phaseFixture('plan', LOCAL);
    refused.helm.ownChartVersion = '0.30.0';
    expect((await runPhaseIn(refused, plan)).status).toBe('refused');
    expect(refused.helm.upgrades).toEqual([]);

    const fx = phaseFixture('plan', LOCAL);
    fx.helm.ownChartVersion = '0.28.0';
    const report = await runPhaseIn(fx, plan);
    expect(report.status).toBe('planned');
    expect(report.checks.find((c) => c.name === 'chart version')).toEqual({
      name: 'chart version',
      state: 'passed',
      reason: 'chart ./charts/vcluster is version 0.28.0 (its Chart.yaml), as chart-version says',
    });
  });

  it('a repository chart whose Chart.yaml differs from the version asked of the repository is refused', async () => {
    const fx = phaseFixture('migrate');
    fx.helm.ownChartVersion = '0.27.1';
    const report = await runPhaseIn(fx, migrate);
    expect(report.status).toBe('refused');
    expect(report.headline).toContain(
      'chart vcluster of https://charts.loft.sh (--version 0.27.0) is version 0.27.1 (its Chart.yaml, read by helm show chart), not chart-version 0.27.0',
    );
    expect(fx.helm.upgrades).toEqual([]);
  });

  it('finalize and abort after phase one refuse another chart too, changing nothing', async () => {
    const fx = phaseFixture('migrate');
    expect((await runPhaseIn(fx, migrate)).status).toBe('succeeded');
    const upgrades = fx.helm.upgrades.length;
    const writes = fx.configMaps.writes;
    fx.helm.ownChartVersion = '0.28.0';
    for (const [phase, run] of [
      ['finalize', finalize],
      ['abort', abort],
    ] as const) {
      const next = nextRun(fx, phase);
      const report = await runPhaseIn(next, run);
      expect(report.status, phase).toBe('refused');
      expect(report.headline, phase).toMatch(
        /^preflight failed: chart version \(.* is version 0\.28\.0 .*not chart-version 0\.27\.0/,
      );
    }
    expect(fx.helm.upgrades).toHaveLength(upgrades);
    expect(fx.configMaps.writes).toBe(writes);
  });

  it('status installs nothing and does not judge the chart', async () => {
    const fx = phaseFixture('status');
    fx.helm.ownChartVersion = '0.30.0';
    const report = await runPhaseIn(fx, status);
    expect(report.status).toBe('succeeded');
    expect(report.checks.some((c) => c.name === 'chart version')).toBe(false);
  });
});
