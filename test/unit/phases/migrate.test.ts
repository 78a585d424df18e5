// migrate (phase one) with the phase fixture: its steps in order, what it refuses before changing
// anything, where it stops, and how the next run resumes from the state record.
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src/phases/migrate.ts';
import { finalize } from '../../../src/phases/finalize.ts';
import { abort } from '../../../src/phases/abort.ts';
import { LogGateError } from '../../../src/adapters/kube/log-gate.ts';
import { StateStore } from '../../../src/adapters/kube/state-store.ts';
import { backingStoreOf } from '../../../src/core/migration/values.ts';
import {
  NAMESPACE,
  RELEASE,
  nextRun,
  phaseFixture,
  runPhaseIn,
  type PhaseFixture,
} from '../../support/phase-fixture.ts';

const realUpgrades = (fx: PhaseFixture) => fx.helm.upgrades.filter((u) => !u.dryRun);
const gateFails = (fx: PhaseFixture, e: LogGateError) => {
  fx.cluster.logGate = async () => {
    throw e;
  };
};
const timeout = () =>
  new LogGateError('no "Successfully migrated" in pod vc-0 within 10m', 'timeout', ['log: starting']);

describe('migrate', () => {
  it('counts, backs up, upgrades, waits for the line and verifies the copy, in that order', async () => {
    const fx = phaseFixture('migrate');
    const report = await runPhaseIn(fx, migrate);
    expect(report.status).toBe('succeeded');
    expect(report.headline).toContain('17 keys, same keys and values in every group that is not volatile');
    expect(report.next).toContain("approve the 'production' environment");
    expect(report.steps.map((s) => [s.name, s.state])).toEqual([
      ['preflight', 'ok'],
      ['render phase one: /data on a volume claim', 'ok'],
      ['lock', 'ok'],
      ['census of the deployed etcd', 'ok'],
      ['backup of the deployed etcd', 'ok'],
      ['helm upgrade (phase one)', 'ok'],
      ['wait for the success log line', 'ok'],
      ['census of both etcds', 'ok'],
      ['content of both etcds', 'ok'],
    ]);
    expect(realUpgrades(fx).map((u) => backingStoreOf(u.values))).toEqual(['migrating']);
    expect(fx.etcd.backups).toBe(1);
    expect(report.backup?.keys).toBe(17);
    expect(report.diff?.ok).toBe(true);
    const record = fx.configMaps.record()!;
    expect(record.phase1?.status).toBe('verified');
    expect(record.phase1?.logLine).toContain('Successfully migrated');
    expect(record.lock).toBeUndefined();
    // The gate watches the pod the upgrade ended with.
    expect(fx.cluster.gateOptions[0]?.copyPodUid).toBe(record.phase1?.upgradedPodUid);
    expect(record.phase1?.upgradedPodUid).toBe('cp-pod-2');
  });

  it('run again after success is a no-op that changes nothing', async () => {
    const fx = phaseFixture('migrate');
    await runPhaseIn(fx, migrate);
    const writes = fx.configMaps.writes;
    const again = nextRun(fx, 'migrate');
    const report = await runPhaseIn(again, migrate);
    expect(report.status).toBe('no-op');
    expect(report.headline).toMatch(/^Nothing to do: phase one was verified at /);
    expect(report.keysAfter).toBe(17);
    expect(realUpgrades(fx)).toHaveLength(1);
    expect(fx.configMaps.writes).toBe(writes);
  });

  it('with backup: skip takes no backup and says why in the report', async () => {
    const fx = phaseFixture('migrate', { backup: 'skip', 'backup-skip-reason': 'volume snapshots taken nightly' });
    const report = await runPhaseIn(fx, migrate);
    expect(report.status).toBe('succeeded');
    expect(fx.etcd.backups).toBe(0);
    expect(report.backupSkipReason).toBe('volume snapshots taken nightly');
    expect(report.steps.find((s) => s.name === 'backup of the deployed etcd')?.state).toBe('skipped');
    expect(fx.configMaps.record()?.phase1?.backupSkipReason).toBe('volume snapshots taken nightly');
  });

  describe('refuses before changing anything', () => {
    const refusedUnchanged = (fx: PhaseFixture) => {
      expect(realUpgrades(fx)).toEqual([]);
      expect(fx.configMaps.record()?.phase1).toBeUndefined();
      expect(fx.cluster.deployedEtcd).toBeDefined();
      expect(fx.etcd.backups).toBe(0);
    };

    it('without the release', async () => {
      const fx = phaseFixture('migrate');
      fx.helm.info_ = undefined;
      const report = await runPhaseIn(fx, migrate);
      expect(report.status).toBe('refused');
      expect(report.headline).toBe('Helm release vc does not exist in namespace team');
      expect(report.next).toContain('helm list -n team');
      refusedUnchanged(fx);
    });

    it('without the permissions it needs, naming the check', async () => {
      const fx = phaseFixture('migrate');
      fx.cluster.missing = ['delete statefulsets.apps'];
      const report = await runPhaseIn(fx, migrate);
      expect(report.status).toBe('refused');
      expect(report.headline).toMatch(/^preflight failed: permissions \(.*delete statefulsets\.apps/);
      refusedUnchanged(fx);
    });

    it('on a release that is not deployed', async () => {
      const fx = phaseFixture('migrate');
      fx.helm.info_ = { status: 'failed', chartVersion: '0.27.0', revision: 3 };
      const report = await runPhaseIn(fx, migrate);
      expect(report.status).toBe('refused');
      expect(report.headline).toBe('release vc is failed at revision 3, not deployed');
      refusedUnchanged(fx);
    });

    it('a release a GitOps controller manages, until gitops-paused says it is paused', async () => {
      const fx = phaseFixture('migrate');
      fx.cluster.marked = [
        {
          what: 'StatefulSet vc',
          annotations: { 'argocd.argoproj.io/tracking-id': 'vc-app:apps/StatefulSet:team/vc' },
        },
      ];
      const report = await runPhaseIn(fx, migrate);
      expect(report.status).toBe('refused');
      expect(report.headline).toContain('Argo CD');
      refusedUnchanged(fx);

      const paused = nextRun(fx, 'migrate', { 'gitops-paused': 'true' });
      const resumed = await runPhaseIn(paused, migrate);
      expect(resumed.status).toBe('succeeded');
      expect(resumed.gitopsPaused).toContain('Argo CD');
    });

    describe('gitops-paused: true checked against the controller object in the cluster', () => {
      const FLUX = { 'helm.toolkit.fluxcd.io/name': 'vc', 'helm.toolkit.fluxcd.io/namespace': 'flux-system' };
      const fluxManaged = (suspend?: boolean) => {
        const fx = phaseFixture('migrate', { 'gitops-paused': 'true' });
        fx.cluster.marked = [{ what: 'StatefulSet vc', labels: FLUX }];
        if (suspend !== undefined)
          fx.cluster.controllerObjects.set('HelmRelease flux-system/vc', { spec: { suspend } });
        return fx;
      };

      it('a HelmRelease that is not suspended: refused, naming it and how to suspend it; nothing changed', async () => {
        const fx = fluxManaged(false);
        const report = await runPhaseIn(fx, migrate);
        expect(report.status).toBe('refused');
        expect(report.headline).toContain(
          'gitops-paused: true, but Flux HelmRelease flux-system/vc is not paused (spec.suspend is false)',
        );
        expect(report.next).toContain('flux suspend helmrelease vc -n flux-system');
        expect(report.gitopsPaused).toBeUndefined();
        refusedUnchanged(fx);
      });

      it('a suspended HelmRelease: goes ahead, saying in bold it was read from the cluster', async () => {
        const fx = fluxManaged(true);
        const report = await runPhaseIn(fx, migrate);
        expect(report.status).toBe('succeeded');
        expect(report.gitopsPaused).toBe(
          'Managed by Flux: HelmRelease flux-system/vc is paused, read from the cluster (spec.suspend: true). Keep it paused until its source holds the values this run applied.',
        );
      });

      it('a HelmRelease the credentials may not read: goes ahead on the word of gitops-paused, saying so in bold and in the permissions check', async () => {
        const fx = fluxManaged(false);
        fx.cluster.missing = ['get helmreleases.helm.toolkit.fluxcd.io in namespace flux-system'];
        const report = await runPhaseIn(fx, migrate);
        expect(report.status).toBe('succeeded');
        expect(report.gitopsPaused).toContain(
          'Managed by Flux (HelmRelease flux-system/vc): its pause is not verified (the credentials may not get helmreleases.helm.toolkit.fluxcd.io in namespace flux-system); going ahead because gitops-paused: true says it is paused.',
        );
        expect(report.checks.find((c) => c.name === 'permissions')).toMatchObject({
          state: 'passed',
          reason: expect.stringContaining(
            "(optional: without it the GitOps controller's pause is not verified; examples/rbac-gitops.yaml grants that read)",
          ),
        });
      });

      it('no HelmRelease in the cluster (no CRD, or Flux runs elsewhere): goes ahead, saying it is not verified', async () => {
        const fx = fluxManaged();
        const report = await runPhaseIn(fx, migrate);
        expect(report.status).toBe('succeeded');
        expect(report.gitopsPaused).toContain(
          'its pause is not verified (there is no HelmRelease flux-system/vc in this cluster)',
        );
      });

      it('finalize and abort are held to the same check', async () => {
        const fx = fluxManaged(true);
        expect((await runPhaseIn(fx, migrate)).status).toBe('succeeded');
        fx.cluster.controllerObjects.set('HelmRelease flux-system/vc', { spec: {} });
        for (const [phase, run] of [
          ['finalize', finalize],
          ['abort', abort],
        ] as const) {
          const next = nextRun(fx, phase, { 'gitops-paused': 'true' });
          const report = await runPhaseIn(next, run);
          expect(report.status, phase).toBe('refused');
          expect(report.headline, phase).toContain(
            'HelmRelease flux-system/vc is not paused (spec.suspend is not set)',
          );
        }
        expect(realUpgrades(fx)).toHaveLength(1);
      });
    });

    it('when the rendered chart would not keep /data on a volume claim', async () => {
      const fx = phaseFixture('migrate');
      fx.helm.manifest = fx.helm.manifest.replace(/ {2}volumeClaimTemplates:[\s\S]*$/, '');
      const report = await runPhaseIn(fx, migrate);
      expect(report.status).toBe('refused');
      expect(report.headline).toMatch(/^the embedded etcd would not keep its data on a volume claim: /);
      refusedUnchanged(fx);
    });

    it('when the deployed etcd cannot be read', async () => {
      const fx = phaseFixture('migrate');
      fx.etcd.unreadable.add('deployed');
      const report = await runPhaseIn(fx, migrate);
      expect(report.status).toBe('refused');
      expect(report.headline).toContain('cannot be read, so phase one did not start');
      expect(report.next).toMatch(/^nothing was changed/);
      refusedUnchanged(fx);
      expect(fx.configMaps.record()?.lock).toBeUndefined();
    });

    it('while another run holds the lock', async () => {
      const fx = phaseFixture('migrate');
      const other = new StateStore(fx.configMaps, NAMESPACE, RELEASE, 'run-other');
      await other.lock('migrate');
      try {
        const report = await runPhaseIn(fx, migrate);
        expect(report.status).toBe('refused');
        expect(report.headline).toContain('run-other');
        expect(report.next).toBe('wait for the other run to finish');
        refusedUnchanged(fx);
      } finally {
        await other.unlock();
      }
    });
  });

  it('stops at the log gate when the line does not come, and keeps finalize refused', async () => {
    const fx = phaseFixture('migrate');
    gateFails(fx, timeout());
    const report = await runPhaseIn(fx, migrate);
    expect(report.status).toBe('failed');
    expect(report.headline).toContain('within 10m');
    expect(report.next).toMatch(/^run migrate again to resume the wait/);
    expect(report.details).toEqual(['log: starting']);
    expect(report.steps.map((s) => s.name)).not.toContain('census of both etcds');
    const record = fx.configMaps.record()!;
    expect(record.phase1?.status).toBe('failed');
    expect(record.lock).toBeUndefined();
    expect(fx.cluster.deployedEtcd).toBeDefined();

    const fin = nextRun(fx, 'finalize');
    const refused = await runPhaseIn(fin, finalize);
    expect(refused.status).toBe('refused');
    expect(refused.headline).toMatch(/^phase one is not verified: its status is failed/);
  });

  it('stops on a failure line with the command that shows the log', async () => {
    const fx = phaseFixture('migrate');
    gateFails(
      fx,
      new LogGateError('vCluster logged a migration failure in pod vc-0: error migrating', 'failure-line', []),
    );
    const report = await runPhaseIn(fx, migrate);
    expect(report.status).toBe('failed');
    expect(report.next).toContain('kubectl -n team logs vc-0 shows all');
    expect(fx.configMaps.record()?.phase1?.failure).toContain('error migrating');
  });

  it('resumes at the wait after a run stopped there: no second backup or upgrade', async () => {
    const fx = phaseFixture('migrate');
    gateFails(fx, timeout());
    await runPhaseIn(fx, migrate);
    const again = nextRun(fx, 'migrate');
    again.cluster.logGate = phaseFixture('migrate').cluster.logGate.bind(again.cluster);
    const report = await runPhaseIn(again, migrate);
    expect(report.status).toBe('succeeded');
    expect(report.warnings[0]).toMatch(/^Resumed: the phase-one upgrade is applied; the last run failed/);
    expect(realUpgrades(fx)).toHaveLength(1);
    expect(fx.etcd.backups).toBe(1);
    expect(report.backup?.keys).toBe(17);
    expect(fx.configMaps.record()?.phase1?.status).toBe('verified');
  });

  it('finishes an upgrade a killed run left pending: settles the revision as failed and upgrades again', async () => {
    const fx = phaseFixture('migrate');
    const killed = new Promise<void>((resolve) => (fx.helm.killNextUpgrade = resolve));
    void runPhaseIn(fx, migrate);
    await killed;
    expect(fx.configMaps.record()?.phase1?.status).toBe('started');
    fx.configMaps.ageLock(10 * 60_000);

    const again = nextRun(fx, 'migrate');
    const report = await runPhaseIn(again, migrate);
    expect(report.status).toBe('succeeded');
    expect(fx.cluster.calls).toContain('settlePendingAsFailed secret 2');
    expect(realUpgrades(fx).map((u) => backingStoreOf(u.values))).toEqual(['migrating', 'migrating']);
    expect(report.warnings.join('\n')).toContain('did not finish (revision 2, pending-upgrade)');
    expect(fx.etcd.backups).toBe(1);
    const record = fx.configMaps.record()!;
    expect(record.phase1?.status).toBe('verified');
    expect(record.lock).toBeUndefined();
  });

  it('an upgrade that does not finish: says why from the control plane and records the failure', async () => {
    const fx = phaseFixture('migrate');
    fx.helm.failNextUpgrade = new Error('UPGRADE FAILED: context deadline exceeded');
    const report = await runPhaseIn(fx, migrate);
    expect(report.status).toBe('failed');
    expect(report.headline).toBe(
      'the phase-one helm upgrade did not finish: PVC data-vc-0 is Pending (no persistent volumes available); UPGRADE FAILED: context deadline exceeded',
    );
    expect(fx.cluster.calls).toEqual(['diagnoseControlPlane']);
    expect(fx.configMaps.record()?.phase1?.status).toBe('failed');
  });

  describe('a success line lost with its pod', () => {
    const lost = () =>
      new LogGateError(
        'pod vc-0 (uid cp-pod-9) is not the pod the phase-one upgrade ended with',
        'log-lost',
        [],
        'cp-pod-9',
      );

    it('is refused with equal key counts, and accepted by key counts alone only when asked', async () => {
      const fx = phaseFixture('migrate');
      gateFails(fx, lost());
      const report = await runPhaseIn(fx, migrate);
      expect(report.status).toBe('failed');
      expect(report.headline).toContain('The key counts of both etcds are equal (17 deployed, 17 embedded');
      expect(report.next).toContain('accept-lost-log-line: true');
      expect(fx.configMaps.record()?.phase1).toMatchObject({ status: 'failed', lostLinePodUid: 'cp-pod-9' });

      const fin = await runPhaseIn(nextRun(fx, 'finalize'), finalize);
      expect(fin.status).toBe('refused');

      const accepted = nextRun(fx, 'migrate', { 'accept-lost-log-line': 'true' });
      const ok = await runPhaseIn(accepted, migrate);
      expect(ok.status).toBe('succeeded');
      expect(ok.lostLogLine).toContain('is not the pod the phase-one upgrade ended with');
      // The replacement the first run found gets no second grace.
      expect(fx.cluster.gateOptions.at(-1)?.knownLostPodUid).toBe('cp-pod-9');
      expect(fx.configMaps.record()?.phase1).toMatchObject({ status: 'verified' });
      expect(fx.configMaps.record()?.phase1?.lostLogLine).toBeDefined();
      // A succeeded run does not show the wait it could not do as failed.
      expect(ok.steps.find((st) => st.name === 'wait for the success log line')?.state).toBe('skipped');
    });

    it('is not accepted when a group lost keys', async () => {
      const fx = phaseFixture('migrate', { 'accept-lost-log-line': 'true' });
      fx.cluster.logGate = async () => {
        fx.etcd.groups.embedded['/registry/secrets/'] = 1;
        throw lost();
      };
      const report = await runPhaseIn(fx, migrate);
      expect(report.status).toBe('failed');
      expect(report.headline).toContain('/registry/secrets/ (4 → 1)');
    });
  });

  it('a copy that lost keys fails with the way to copy again, and finalize refuses it', async () => {
    const fx = phaseFixture('migrate');
    const seen = fx.cluster.logGate;
    fx.cluster.logGate = () => {
      fx.etcd.groups.embedded['/registry/pods/'] = 7;
      return seen();
    };
    const report = await runPhaseIn(fx, migrate);
    expect(report.status).toBe('failed');
    expect(report.headline).toBe(
      'the embedded etcd has fewer keys than the deployed etcd in 1 group(s): /registry/pods/ (10 → 7)',
    );
    expect(report.diff?.ok).toBe(false);
    expect(fx.configMaps.record()?.phase1?.status).toBe('failed');

    const fin = await runPhaseIn(nextRun(fx, 'finalize'), finalize);
    expect(fin.status).toBe('refused');
    expect(fin.headline).toBe('the embedded etcd has fewer keys than the deployed one in /registry/pods/');
    expect(fx.cluster.deployedEtcd).toBeDefined();
  });
});
