// abort's work on the release: vCluster's store annotations cleared (its check at start refuses a
// switch from embedded back to deployed etcd while they say embedded), the helm upgrade to the
// values from before phase one, and the wait for the control plane on the deployed etcd.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PhaseDeps } from './deps.ts';
import { skipped, step } from './deps.ts';
import { PhaseStop } from './outcome.ts';
import { recordAbortStep } from './record.ts';
import type { Inspection } from './inspect.ts';
import { objectNames } from '../../core/migration/cluster-view.ts';
import { valuesDigest, valuesYaml } from '../../core/migration/values.ts';
import { abortStepIsDone } from '../../core/migration/abort-record.ts';
import { STORE_ANNOTATIONS } from '../../core/migration/abort-plan.ts';
import { helmDriver } from '../../adapters/helm/record.ts';

const POLL_MS = 2000;

export async function clearStoreAnnotations(deps: PhaseDeps): Promise<void> {
  const name = "clear vCluster's store annotations";
  const secret = objectNames(deps.settings.release).config;
  if (abortStepIsDone(deps.store.state.abort, name)) return skipped(deps, name, 'done by an earlier run');
  await step(
    deps,
    name,
    async () => {
      const was = await deps.kube.clearConfigAnnotations(STORE_ANNOTATIONS);
      await recordAbortStep(deps, name);
      return was;
    },
    (was) =>
      was === undefined
        ? `Secret ${secret} does not exist (the upgrade writes it)`
        : Object.keys(was).length === 0
          ? `Secret ${secret} had none`
          : `removed ${Object.entries(was)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')} from Secret ${secret}`,
  );
}

/**
 * helm upgrade with the values of the revision before phase one (explicit values, no --reuse-values,
 * no rollback). An upgrade of ours a killed run left pending is recorded as failed and run again.
 */
export async function upgradeBack(deps: PhaseDeps, inspection: Inspection, revision: number): Promise<void> {
  const { settings } = deps;
  const name = 'helm upgrade to the values before phase one';
  if (abortStepIsDone(deps.store.state.abort, name)) return skipped(deps, name, 'done by an earlier run');
  const values = await deps.helm.valuesAt(revision);
  const release = inspection.view.release!;
  const ours = valuesDigest(inspection.userValues) === valuesDigest(values);
  if (ours && release.status === 'deployed') {
    // A killed run finished the upgrade but not its record.
    await recordAbortStep(deps, name);
    return skipped(deps, name, `revision ${release.revision} already has the values of revision ${revision}`);
  }
  if (release.status.startsWith('pending') || release.status === 'failed') {
    if (!ours) {
      throw new PhaseStop(
        'refused',
        `release ${settings.release} is ${release.status} at revision ${release.revision} with values this abort did not apply`,
        `someone else's Helm operation was interrupted: inspect helm history ${settings.release} -n ${settings.namespace}, finish or roll it back, then run abort again`,
      );
    }
    if (release.status === 'pending-upgrade') await settle(deps, release.revision);
  }
  await step(
    deps,
    name,
    async () => {
      const file = join(deps.workDir, `${settings.release}-abort-values.yaml`);
      writeFileSync(file, valuesYaml(values), { mode: 0o600 });
      await deps.helm.upgrade({ valuesFile: file, timeoutMs: settings.timeoutMs });
      await recordAbortStep(deps, name);
    },
    () => `values of revision ${revision}, chart ${settings.chartVersion.text}`,
  );
}

async function settle(deps: PhaseDeps, revision: number): Promise<void> {
  const { settings } = deps;
  const driver = helmDriver(deps.helmDriver);
  if (!driver) {
    throw new PhaseStop(
      'refused',
      `release ${settings.release} is pending-upgrade at revision ${revision} and HELM_DRIVER=${deps.helmDriver} keeps Helm's records where this action cannot settle them`,
      `mark revision ${revision} failed in Helm's storage by hand (or unset HELM_DRIVER if the release is stored in Secrets), then run abort again`,
    );
  }
  await step(deps, `record the interrupted abort upgrade (revision ${revision}) as failed`, () =>
    deps.kube.settlePendingAsFailed(
      driver,
      revision,
      `Upgrade "${settings.release}" failed: interrupted (the process running it was killed); recorded as failed by vcluster-etcd-migrate run ${deps.runId}, which upgrades again`,
    ),
  );
}

/** The control plane runs on the deployed etcd again: its Deployment ready, its StatefulSet gone. */
export async function waitForControlPlane(deps: PhaseDeps): Promise<void> {
  const { settings, kube } = deps;
  const objects = objectNames(settings.release);
  await step(
    deps,
    'wait for the control plane on deployed etcd',
    async () => {
      const deadline = Date.now() + settings.timeoutMs;
      for (;;) {
        const dep = await kube.controlPlaneDeployment();
        const sts = await kube.controlPlaneStatefulSetExists();
        if (dep && !sts && dep.ready >= dep.replicas && dep.updated >= dep.replicas) return dep;
        if (Date.now() > deadline) {
          deps.report.details.push(...(await kube.controlPlaneLogLines().catch(() => [])));
          throw new PhaseStop(
            'failed',
            `the control plane (Deployment ${objects.controlPlane}) did not become ready on the deployed etcd within ${Math.round(settings.timeoutMs / 1000)} s`,
            `read its log (kubectl -n ${settings.namespace} logs deploy/${objects.controlPlane}; the last lines are below). The deployed etcd holds the data; run abort again once it starts: it resumes at this wait`,
          );
        }
        await new Promise((res) => setTimeout(res, POLL_MS));
      }
    },
    (x) => `Deployment ${objects.controlPlane}: ${x.ready}/${x.replicas} ready`,
  );
}
