// plan with the phase fixture: what it reports, and that it changes nothing.
import { describe, expect, it } from 'vitest';
import { plan } from '../../../src/phases/plan.ts';
import { migrate } from '../../../src/phases/migrate.ts';
import { nextRun, phaseFixture, runPhaseIn } from '../../support/phase-fixture.ts';

describe('plan', () => {
  it('reports both phases, dry-runs phase one, counts the deployed etcd, and changes nothing', async () => {
    const fx = phaseFixture('plan');
    const report = await runPhaseIn(fx, plan);
    expect(report.status).toBe('planned');
    expect(report.headline).toContain('the deployed etcd holds 17 keys');
    expect(report.next).toBe('run phase migrate');
    expect(report.keysBefore).toBe(17);
    expect(fx.helm.upgrades.map((u) => u.dryRun)).toEqual([true]);
    expect(report.values.map((v) => v.label)).toEqual(['Values phase one', 'Values phase two']);
    expect(fx.configMaps.writes).toBe(0);
    expect(fx.cluster.calls).toEqual([]);
    expect(fx.etcd.backups).toBe(0);
  });

  it('refuses a release that does not exist', async () => {
    const fx = phaseFixture('plan');
    fx.helm.info_ = undefined;
    const report = await runPhaseIn(fx, plan);
    expect(report.status).toBe('refused');
    expect(report.headline).toBe('Helm release vc does not exist in namespace team');
    expect(fx.helm.upgrades).toEqual([]);
  });

  it('refuses when a preflight check fails, naming it', async () => {
    const fx = phaseFixture('plan');
    fx.cluster.storageClasses = [];
    const report = await runPhaseIn(fx, plan);
    expect(report.status).toBe('refused');
    expect(report.headline).toMatch(/^preflight failed: storage class \(/);
    expect(report.next).toBe('fix what the failed checks say before migrating');
    expect(fx.helm.upgrades).toEqual([]);
  });

  it('shows a GitOps controller as a failed check and plans all the same', async () => {
    const fx = phaseFixture('plan');
    fx.cluster.marked = [{ what: 'StatefulSet vc', labels: { 'argocd.argoproj.io/instance': 'vc' } }];
    const report = await runPhaseIn(fx, plan);
    expect(report.status).toBe('planned');
    expect(report.checks.find((c) => c.name === 'GitOps controller')).toMatchObject({ state: 'failed' });
    expect(report.warnings[0]).toMatch(/^Managed by Argo CD/);
  });

  it('with gitops-paused: true, shows a HelmRelease that is not suspended as a failed check naming it, and plans all the same', async () => {
    const fx = phaseFixture('plan', { 'gitops-paused': 'true' });
    fx.cluster.marked = [
      {
        what: 'StatefulSet vc',
        labels: { 'helm.toolkit.fluxcd.io/name': 'vc', 'helm.toolkit.fluxcd.io/namespace': 'flux-system' },
      },
    ];
    fx.cluster.controllerObjects.set('HelmRelease flux-system/vc', { spec: { suspend: false } });
    const report = await runPhaseIn(fx, plan);
    expect(report.status).toBe('planned');
    expect(report.checks.find((c) => c.name === 'GitOps controller')).toEqual({
      name: 'GitOps controller',
      state: 'failed',
      reason:
        'gitops-paused: true, but Flux HelmRelease flux-system/vc is not paused (spec.suspend is false): migrate will refuse',
    });
    expect(report.warnings[0]).toMatch(/^Before migrate: HelmRelease flux-system\/vc: suspend it \(flux suspend/);
    expect(report.gitopsPaused).toBeUndefined();

    fx.cluster.controllerObjects.set('HelmRelease flux-system/vc', { spec: { suspend: true } });
    const again = await runPhaseIn(nextRun(fx, 'plan', { 'gitops-paused': 'true' }), plan);
    expect(again.checks.find((c) => c.name === 'GitOps controller')).toMatchObject({
      state: 'passed',
      reason: expect.stringContaining('paused, read from the cluster'),
    });
  });

  it('after phase one: nothing to plan, and says what comes next', async () => {
    const fx = phaseFixture('migrate');
    await runPhaseIn(fx, migrate);
    const upgrades = fx.helm.upgrades.length;
    const report = await runPhaseIn(nextRun(fx, 'plan'), plan);
    expect(report.status).toBe('no-op');
    expect(report.headline).toMatch(/^phase one was verified at /);
    expect(report.next).toBe('run phase finalize from the job that names the approval environment');
    expect(fx.helm.upgrades).toHaveLength(upgrades);
  });

  it('with phase one applied but not verified: points to migrate, which resumes', async () => {
    const fx = phaseFixture('migrate');
    fx.cluster.logGate = async () => {
      throw new Error('the API server went away');
    };
    await runPhaseIn(fx, migrate);
    const report = await runPhaseIn(nextRun(fx, 'plan'), plan);
    expect(report.status).toBe('no-op');
    expect(report.next).toBe('run migrate to resume phase one');
  });
});
