// Reads everything a phase decides from, without changing anything, and runs the preflight.
import type { PhaseDeps } from './deps.ts';
import type { ClusterView } from '../../core/migration/cluster-view.ts';
import { accessNeeds, gitopsAccessNeed } from '../../core/migration/permissions.ts';
import { gitopsMarks, type ControllerObject, type ControllerReading } from '../../core/migration/gitops.ts';
import {
  backingStoreOf,
  computeValues,
  ValuesError,
  type PhaseValues,
  type Values,
} from '../../core/migration/values.ts';
import { preflight, type Check } from '../../core/migration/preflight.ts';
import { chartCheck } from '../../core/migration/chart-check.ts';
import { PhaseStop } from './outcome.ts';

/** What a phase found before changing anything: the cluster, the release's values, both phases' values, the checks. */
export interface Inspection {
  view: ClusterView;
  userValues: Values;
  values: PhaseValues | Error;
  checks: Check[];
}

export async function inspect(deps: PhaseDeps): Promise<Inspection> {
  const { settings, kube, helm } = deps;
  let chartRow: Check | undefined;
  await kube.ping();
  const [helmVersion, ownChartVersion, release, missingAccess, observed] = await Promise.all([
    helm.version().catch(() => ''),
    // status installs nothing; every other phase installs the chart, judged by its own version.
    settings.phase === 'status' ? undefined : helm.chartVersion(),
    helm.info(),
    kube.missingAccess(
      accessNeeds(settings.phase, {
        deletePvcs: settings.deleteEtcdPvcs,
        deleteStaleEmbeddedPvc: settings.deleteStaleEmbeddedPvc,
      }),
    ),
    kube.observe(),
  ]);
  if (ownChartVersion !== undefined) {
    const check = chartCheck({
      chart: settings.chart,
      chartVersion: settings.chartVersion,
      own: ownChartVersion,
      installed: release?.chartVersion,
      etcdExtraArgs: settings.etcdExtraArgs,
      allowNewerChartLine: settings.allowNewerChartLine,
    });
    deps.log.info(`preflight ${check.name}: ${check.state} (${check.reason})`);
    if (check.state === 'failed') {
      deps.report.checks = [{ name: check.name, state: check.state, reason: check.reason }];
      throw new PhaseStop('refused', `preflight failed: ${check.name} (${check.reason})`, check.next!);
    }
    chartRow = { name: check.name, state: check.state, reason: check.reason };
  }
  const objects = gitopsMarks(settings.release, observed.marked ?? []).flatMap((m) => (m.object ? [m.object] : []));
  const [userValues, controllers] = await Promise.all([
    release ? helm.userValues() : {},
    Promise.all(objects.map((o) => readController(deps, o))),
  ]);
  const view: ClusterView = {
    ...observed,
    release,
    store: release ? backingStoreOf(userValues) : 'unknown',
    controllers,
  };
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
  const checks = [
    ...preflight({
      phase: settings.phase,
      release: settings.release,
      namespace: settings.namespace,
      chartVersion: settings.chartVersion,
      view,
      helmVersion,
      missingAccess,
      unverifiable: controllers.flatMap((c) => (c.state === 'forbidden' ? [c.why] : [])),
      values,
    }),
    ...(chartRow ? [chartRow] : []),
  ];
  deps.report.checks = checks;
  for (const c of checks.filter((c) => c !== chartRow)) deps.log.info(`preflight ${c.name}: ${c.state} (${c.reason})`);
  return { view, userValues, values, checks };
}

/** A GitOps controller's object, read where the access review allows it (else why not: the pause is then unverified). */
async function readController(deps: PhaseDeps, o: ControllerObject): Promise<ControllerReading> {
  const [denied] = await deps.kube.missingAccess([gitopsAccessNeed(o)]);
  if (denied) return { object: o, state: 'forbidden', why: `the credentials may not ${denied}` };
  return deps.kube.readController(o);
}
