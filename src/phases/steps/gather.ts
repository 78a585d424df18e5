// Reads everything a phase decides from, without changing anything, and runs the preflight.
import type { Deps } from './deps.ts';
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

export interface Gathered {
  view: ClusterView;
  userValues: Values;
  values: PhaseValues | Error;
  checks: Check[];
}

export async function gather(d: Deps): Promise<Gathered> {
  const s = d.settings;
  await d.kube.ping(s.namespace);
  const [helmVersion, release, missingAccess, observed] = await Promise.all([
    d.helm.version().catch(() => ''),
    d.helm.release(s.release, s.namespace),
    d.kube.missingAccess(
      s.namespace,
      accessNeeds(s.phase, { deletePvcs: s.deleteEtcdPvcs, deleteStaleEmbeddedPvc: s.deleteStaleEmbeddedPvc }),
    ),
    d.kube.observe(s.namespace, s.release),
  ]);
  const userValues = release ? await d.helm.userValues(s.release, s.namespace) : {};
  const view: ClusterView = { ...observed, release, store: release ? backingStoreOf(userValues) : 'unknown' };
  let values: PhaseValues | Error;
  try {
    values = computeValues({
      userValues,
      chartVersion: s.chartVersion,
      storageSize: s.storageSize,
      storageClass: s.storageClass,
      etcdExtraArgs: s.etcdExtraArgs,
      extraValues: s.extraValues,
      deployedPvcSize: view.etcdPvcs[0]?.size,
    });
  } catch (e) {
    if (!(e instanceof ValuesError)) throw e;
    values = e;
  }
  const checks = preflight({ settings: s, view, helmVersion, missingAccess, values });
  d.report.checks = checks;
  for (const c of checks) d.log.info(`preflight ${c.name}: ${c.state} (${c.reason})`);
  return { view, userValues, values, checks };
}
