// finalize (phase two) with the phase fixture: it runs only after a verified phase one, with an
// approval and an embedded etcd that still holds the copy; it removes the deployed etcd and keeps
// (or, when asked, deletes) its PVCs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src/phases/migrate.ts';
import { finalize } from '../../../src/phases/finalize.ts';
import { backingStoreOf, valuesYaml, type Values } from '../../../src/core/migration/values.ts';
import { nextRun, phaseFixture, runPhaseIn, type PhaseFixture } from '../../support/phase-fixture.ts';

/** A release whose phase one is verified, and the fixture of the finalize run after it. */
async function migrated(inputs: Record<string, string> = {}): Promise<PhaseFixture> {
  const fx = phaseFixture('migrate');
  expect((await runPhaseIn(fx, migrate)).status).toBe('succeeded');
  return nextRun(fx, 'finalize', inputs);
}

/** A values file as helm reads it, for an upgrade the test runs itself (someone else's). */
function writeValues(values: Values): string {
  const file = join(mkdtempSync(join(tmpdir(), 'finalize-values-')), 'values.yaml');
  writeFileSync(file, valuesYaml(values));
  return file;
}

const realUpgrades = (fx: PhaseFixture) => fx.helm.upgrades.filter((u) => !u.dryRun);

describe('finalize', () => {
  it('after a verified phase one and an approval: removes the deployed etcd, keeps and reports its PVC', async () => {
    const fx = await migrated();
    const report = await runPhaseIn(fx, finalize);
    expect(report.status).toBe('succeeded');
    expect(report.headline).toBe('The release runs on embedded etcd; StatefulSet vc-etcd and its Services are gone.');
    expect(report.next).toContain('(data-vc-etcd-0) still hold its data');
    expect(report.steps.map((s) => s.name)).toEqual([
      'preflight',
      'approval',
      'lock',
      'census of the embedded etcd',
      'helm upgrade (phase two)',
      'verify the deployed etcd is gone',
    ]);
    expect(fx.approval.asked).toBe(1);
    expect(report.approvers).toEqual(['alice']);
    expect(report.leftoverPvcs).toEqual(['data-vc-etcd-0']);
    expect(report.logLine).toContain('Successfully migrated');
    expect(realUpgrades(fx).map((u) => backingStoreOf(u.values))).toEqual(['migrating', 'embedded']);
    expect(fx.cluster.deployedEtcd).toBeUndefined();
    expect(fx.cluster.calls).not.toContain('deletePvc data-vc-etcd-0');
    const record = fx.configMaps.record()!;
    expect(record.phase2).toMatchObject({
      status: 'verified',
      approvedBy: ['alice'],
      leftoverPvcs: ['data-vc-etcd-0'],
    });
    expect(record.lock).toBeUndefined();
  });

  it('deletes the deployed etcd PVCs when delete-etcd-pvcs asks', async () => {
    const fx = await migrated({ 'delete-etcd-pvcs': 'true' });
    const report = await runPhaseIn(fx, finalize);
    expect(report.status).toBe('succeeded');
    expect(fx.cluster.calls).toContain('deletePvc data-vc-etcd-0');
    expect(report.leftoverPvcs).toEqual([]);
    expect(report.next).toBe('nothing; the migration is complete');
    expect(fx.configMaps.record()?.phase2?.deletedPvcs).toEqual(['data-vc-etcd-0']);
  });

  it('run again after success is a no-op', async () => {
    const fx = await migrated();
    await runPhaseIn(fx, finalize);
    const again = nextRun(fx, 'finalize');
    const report = await runPhaseIn(again, finalize);
    expect(report.status).toBe('no-op');
    expect(report.headline).toMatch(/^Nothing to do: phase two was verified at /);
    expect(realUpgrades(fx)).toHaveLength(2);
    expect(again.approval.asked).toBe(0);
  });

  describe('refuses and changes nothing', () => {
    const unchanged = (fx: PhaseFixture) => {
      expect(realUpgrades(fx).filter((u) => backingStoreOf(u.values) === 'embedded')).toEqual([]);
      expect(fx.configMaps.record()?.phase2).toBeUndefined();
      expect(fx.cluster.deployedEtcd).toBeDefined();
      expect(fx.cluster.calls.filter((c) => c.startsWith('delete'))).toEqual([]);
    };

    it('without a migration, before asking for the approval', async () => {
      const fx = phaseFixture('finalize');
      const report = await runPhaseIn(fx, finalize);
      expect(report.status).toBe('refused');
      expect(report.headline).toBe('phase one is not verified: there is no phase-one record');
      expect(report.next).toMatch(/^run phase migrate/);
      expect(fx.approval.asked).toBe(0);
      unchanged(fx);
    });

    it('without the approval, naming what is missing', async () => {
      const fx = await migrated();
      fx.approval.verdict = {
        ok: false,
        bypassed: false,
        approvers: [],
        checks: [
          { name: 'run-approval', state: 'failed', reason: "no approval of environment 'production' on this run" },
        ],
      };
      const report = await runPhaseIn(fx, finalize);
      expect(report.status).toBe('refused');
      expect(report.headline).toBe("phase two is not approved: no approval of environment 'production' on this run");
      expect(report.checks.at(-1)).toEqual({
        name: 'approval: run-approval',
        state: 'failed',
        reason: "no approval of environment 'production' on this run",
      });
      unchanged(fx);
    });

    it('when the embedded etcd lost keys since the copy', async () => {
      const fx = await migrated();
      fx.etcd.groups.embedded['/registry/secrets/'] = 2;
      const report = await runPhaseIn(fx, finalize);
      expect(report.status).toBe('refused');
      expect(report.headline).toContain(
        'now has fewer keys than the deployed etcd had at the copy in /registry/secrets/ (4 → 2)',
      );
      expect(report.next).toMatch(/^nothing was changed: StatefulSet vc-etcd still holds every key/);
      unchanged(fx);
    });

    it('when the embedded etcd is not Ready', async () => {
      const fx = await migrated();
      fx.cluster.embeddedPod = { ...fx.cluster.embeddedPod!, ready: false, phase: 'Pending' };
      const report = await runPhaseIn(fx, finalize);
      expect(report.status).toBe('refused');
      expect(report.headline).toBe('the embedded etcd is not healthy: pod vc-0 is Pending, not Ready');
      expect(fx.approval.asked).toBe(0);
      unchanged(fx);
    });

    it('a release someone changed since phase one', async () => {
      const fx = await migrated();
      fx.helm.values = { controlPlane: { backingStore: { etcd: { deploy: { enabled: true } } } } };
      const report = await runPhaseIn(fx, finalize);
      expect(report.status).toBe('refused');
      expect(report.headline).toBe('the values of release vc do not show the phase-one state (store: deployed)');
      unchanged(fx);
    });
  });

  it('a phase-two upgrade that fails by itself mid-apply: the next finalize upgrades again (not only waits at the removal check)', async () => {
    const fx = await migrated();
    fx.helm.failNextApply = new Error(
      'UPGRADE FAILED: cannot patch "vc" with kind StatefulSet: Internal error occurred: refused',
    );
    const failed = await runPhaseIn(fx, finalize);
    expect(failed.status).toBe('failed');
    expect(failed.next).toContain('it runs the phase-two upgrade again from the last deployed revision');
    expect(fx.helm.info_).toMatchObject({ status: 'failed', revision: 3 });
    expect(fx.configMaps.record()?.phase2).toMatchObject({ status: 'failed' });
    // helm stopped before it deleted anything: the deployed etcd is still there.
    expect(fx.cluster.deployedEtcd).toBeDefined();

    const again = nextRun(fx, 'finalize');
    const report = await runPhaseIn(again, finalize);
    expect(report.status).toBe('succeeded');
    expect(report.warnings[0]).toMatch(
      /^Resumed: the phase-two helm upgrade \(revision 3\) failed \(.*refused\) and helm recorded it failed; upgrading again/,
    );
    expect(report.warnings.join('\n')).toContain('did not finish (revision 3, failed)');
    // Helm refuses nothing after a failed revision: no settling, one more upgrade with the same values.
    expect(fx.cluster.calls.filter((c) => c.startsWith('settlePendingAsFailed'))).toEqual([]);
    expect(realUpgrades(fx).map((u) => backingStoreOf(u.values))).toEqual(['migrating', 'embedded', 'embedded']);
    expect(realUpgrades(fx)[2]!.values).toEqual(realUpgrades(fx)[1]!.values);
    expect(fx.helm.info_).toMatchObject({ status: 'deployed', revision: 4 });
    expect(fx.cluster.deployedEtcd).toBeUndefined();
    expect(fx.configMaps.record()?.phase2?.status).toBe('verified');
  });

  it('refuses to upgrade again over a failed revision with values this migration did not record', async () => {
    const fx = await migrated();
    fx.helm.failNextApply = new Error('UPGRADE FAILED: refused');
    await runPhaseIn(fx, finalize);
    // Someone else's upgrade failed on top of ours: its values are not the recorded ones.
    fx.helm.failNextApply = new Error('UPGRADE FAILED: theirs');
    await fx.helm
      .upgrade({ valuesFile: writeValues({ ...fx.helm.values, extra: 1 }), timeoutMs: 1000 })
      .catch(() => undefined);
    const report = await runPhaseIn(nextRun(fx, 'finalize'), finalize);
    expect(report.status).toBe('refused');
    expect(report.headline).toMatch(
      /is failed at revision 4, but its values .* are not the phase two values this migration recorded/,
    );
    expect(realUpgrades(fx)).toHaveLength(3);
    expect(fx.cluster.deployedEtcd).toBeDefined();
  });

  it('resumes at the check that the deployed etcd is gone when the phase-two upgrade was applied', async () => {
    const fx = await migrated();
    const killed = new Promise<void>((resolve) => (fx.helm.killNextUpgrade = resolve));
    void runPhaseIn(fx, finalize);
    await killed;
    fx.configMaps.ageLock(10 * 60_000);
    // The killed upgrade had applied the chart before helm recorded its end.
    fx.cluster.applyChart(fx.helm.values);
    fx.helm.info_ = { status: 'deployed', chartVersion: '0.27.0', revision: 3 };
    expect(fx.configMaps.record()?.phase2?.status).toBe('started');
    const again = nextRun(fx, 'finalize');
    const report = await runPhaseIn(again, finalize);
    expect(report.status).toBe('succeeded');
    expect(report.warnings[0]).toBe('Resumed: the phase-two upgrade is already applied; verifying what it removed.');
    expect(realUpgrades(fx)).toHaveLength(2);
    expect(fx.configMaps.record()?.phase2?.status).toBe('verified');
  });
});
