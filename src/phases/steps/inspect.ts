// Reads everything a phase decides from, without changing anything, and runs the preflight.
import type { PhaseDeps } from './deps.ts';
import type { ClusterView } from '../../core/migration/cluster-view.ts';
import { accessNeeds } from '../../core/migration/permissions.ts';
import {
  backingStoreOf,
  computeValues,
  ValuesError,
  type PhaseValues,
  type Values,
} from '../../core/migration/values.ts';
import { preflight, type Check } from '../../core/migration/preflight.ts';

/** What a phase found before changing anything: the cluster, the release's values, both phases' values, the checks. */
export interface Inspection {
  view: ClusterView;
  userValues: Values;
  values: PhaseValues | Error;
  checks: Check[];
}

export async function inspect(deps: PhaseDeps): Promise<Inspection> {
  const { settings, kube, helm } = deps;
  await kube.ping();
  const [helmVersion, release, missingAccess, observed] = await Promise.all([
    helm.version().catch(() => ''),
    helm.info(),
    kube.missingAccess(
      accessNeeds(settings.phase, {
        deletePvcs: settings.deleteEtcdPvcs,
        deleteStaleEmbeddedPvc: settings.deleteStaleEmbeddedPvc,
      }),
    ),
    kube.observe(),
  ]);
  const userValues = release ? await helm.userValues() : {};
  const view: ClusterView = { ...observed, release, store: release ? backingStoreOf(userValues) : 'unknown' };
  let values: PhaseValues | Error;
  try {
    values = computeValues({
      userValues,
      chartVersion: settings.chartVersion,
      storageSize: settings.storageSize,
      storageClass: settings.storageClass,
      etcdExtraArgs: settings.etcdExtraArgs,
      extraValues: settings.extraValues,
      deployedPvcSize: view.etcdPvcs[0]?.size,
    });
  } catch (e) {
    if (!(e instanceof ValuesError)) throw e;
    values = e;
  }
  const checks = preflight({
    phase: settings.phase,
    release: settings.release,
    namespace: settings.namespace,
    chartVersion: settings.chartVersion,
    view,
    helmVersion,
    missingAccess,
    values,
  });
  deps.report.checks = checks;
  for (const c of checks) deps.log.info(`preflight ${c.name}: ${c.state} (${c.reason})`);
  return { view, userValues, values, checks };
}
