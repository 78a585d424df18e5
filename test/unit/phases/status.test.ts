// status with the phase fixture: where the migration stands and what to run next, read-only.
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src/phases/migrate.ts';
import { finalize } from '../../../src/phases/finalize.ts';
import { status } from '../../../src/phases/status.ts';
import { LogGateError } from '../../../src/adapters/kube/log-gate.ts';
import { nextRun, phaseFixture, runPhaseIn, type PhaseFixture } from '../../support/phase-fixture.ts';

async function statusAfter(fx: PhaseFixture) {
  const writes = fx.configMaps.writes;
  const upgrades = fx.helm.upgrades.length;
  const run = nextRun(fx, 'status');
  const report = await runPhaseIn(run, status);
  // status changes nothing: no record write, no upgrade, no call that changes the cluster.
  expect(fx.configMaps.writes).toBe(writes);
  expect(fx.helm.upgrades).toHaveLength(upgrades);
  return report;
}

describe('status', () => {
  it('before any migration: the store the release runs on, and the deployed etcd counted', async () => {
    const fx = phaseFixture('status');
    const report = await runPhaseIn(fx, status);
    expect(report).toMatchObject({
      status: 'succeeded',
      headline: 'State: no migration recorded; the release runs on deployed etcd.',
      next: 'run plan, then migrate',
      keysBefore: 17,
    });
    expect(fx.configMaps.writes).toBe(0);
    expect(fx.cluster.calls).toEqual([]);
  });

  it('after phase one: verified, the embedded etcd compared with the copy, finalize next', async () => {
    const fx = phaseFixture('migrate');
    await runPhaseIn(fx, migrate);
    const report = await statusAfter(fx);
    expect(report.headline).toBe('State: phase one verified.');
    expect(report.next).toBe('approve and run finalize');
    expect(report.keysAfter).toBe(17);
    expect(report.diff?.ok).toBe(true);
    expect(report.logLine).toContain('Successfully migrated');
  });

  it('after a phase one that failed: the failure, and migrate resumes', async () => {
    const fx = phaseFixture('migrate');
    fx.cluster.logGate = async () => {
      throw new LogGateError('no line within 10m', 'timeout', []);
    };
    await runPhaseIn(fx, migrate);
    const report = await statusAfter(fx);
    expect(report.headline).toBe('State: phase one failed (no line within 10m).');
    expect(report.next).toBe('run migrate (it resumes)');
  });

  it('after phase two: the migration complete, nothing next', async () => {
    const fx = phaseFixture('migrate');
    await runPhaseIn(fx, migrate);
    await runPhaseIn(nextRun(fx, 'finalize'), finalize);
    const report = await statusAfter(fx);
    expect(report.headline).toBe('State: migration complete (phase two verified).');
    expect(report.next).toBe('nothing');
    expect(report.leftoverPvcs).toEqual(['data-vc-etcd-0']);
  });

  it('an embedded etcd that cannot be counted is a warning, not a failure', async () => {
    const fx = phaseFixture('migrate');
    await runPhaseIn(fx, migrate);
    fx.etcd.unreadable.add('embedded');
    const report = await statusAfter(fx);
    expect(report.status).toBe('succeeded');
    expect(report.warnings).toEqual(['could not count the embedded etcd: etcd of the embedded store does not answer']);
  });

  it('warns of a GitOps controller that would revert migrate, finalize and abort', async () => {
    const fx = phaseFixture('status');
    fx.cluster.marked = [
      {
        what: 'StatefulSet vc',
        labels: { 'helm.toolkit.fluxcd.io/name': 'vc', 'helm.toolkit.fluxcd.io/namespace': 'flux-system' },
      },
    ];
    const report = await runPhaseIn(fx, status);
    expect(report.status).toBe('succeeded');
    expect(report.warnings[0]).toMatch(
      /^Managed by Flux .*: migrate, finalize and abort refuse it until the controller is paused/,
    );
  });
});
