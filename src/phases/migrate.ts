// Phase one: backup, census, the upgrade that starts the copy, vCluster's success line, and
// the per-group key counts of both etcds at one moment. Resumes where a dead run stopped.
import type { PhaseDeps } from './steps/deps.ts';
import { censusStep, step, skipped } from './steps/deps.ts';
import { PhaseStop } from './steps/outcome.ts';
import { decideMigrate, type Decision } from '../core/migration/decide.ts';
import { valuesDigest, type PhaseValues } from '../core/migration/values.ts';
import { LogGateError } from '../adapters/kube/log-gate.ts';
import { diffCensus, lostGroupsText, type Census, type CensusDiff } from '../core/migration/census.ts';
import { contentBaseline, type ContentDiff } from '../core/migration/content-proof.ts';
import { copyVerdict, type CopyVerdict } from '../core/migration/copy-verdict.ts';
import type { Inspection } from './steps/inspect.ts';
import { checkRenderedDataVolume } from './steps/render-check.ts';
import { resumeUpgrade, startUpgrade } from './steps/upgrade.ts';
import { recordPhaseOne } from './steps/record.ts';
import { objectNames, type ClusterView } from '../core/migration/cluster-view.ts';
import { recopyRemedy } from '../core/migration/recopy.ts';
import { openPhase, underLock } from './steps/open.ts';
import { archiveAbortedRound } from '../core/migration/abort-record.ts';
import type { BackupRecord, StateRecord } from '../core/migration/state.ts';
import type { Evidence, Outcome } from '../report/report.ts';

export async function migrate(deps: PhaseDeps): Promise<Outcome> {
  const opened = await openPhase(
    deps,
    'migrate',
    (state, view) => decideMigrate(state, view, { deleteStaleEmbeddedPvc: deps.settings.deleteStaleEmbeddedPvc }),
    // On resume the release already has the phase-one values; only a broken cluster stops us.
    (failed, decision) => (decision.kind === 'start' ? failed : failed.filter((c) => c.name === 'permissions')),
  );
  if ('done' in opened) return opened.done;
  const { inspection, state, decision } = opened;
  const values = inspection.values as PhaseValues;
  if (decision.kind === 'start') await checkRenderedDataVolume(deps, values);

  return underLock(deps, 'migrate', state, async () => {
    if (decision.kind === 'start' && decision.deleteStalePvcs) await deleteStalePvcs(deps, decision.deleteStalePvcs);
    if (decision.kind === 'start') await startPhaseOne(deps, values, inspection.view.release!.revision);
    else await resumePhaseOne(deps, decision, inspection, state, values);
    const lostLine = await waitForLogLine(deps);
    return verifyCopy(deps, lostLine, inspection.view.controlPlaneReplicas);
  });
}

/** The embedded etcd PVCs an abort left, deleted on request (delete-stale-embedded-pvc: true). */
async function deleteStalePvcs(deps: PhaseDeps, pvcs: string[]): Promise<void> {
  await step(
    deps,
    'delete the stale embedded etcd PVCs',
    async () => {
      for (const pvc of pvcs) await deps.kube.deletePvc(pvc);
      await deps.kube.waitPvcsGone(pvcs, deps.settings.timeoutMs);
    },
    () => `deleted ${pvcs.join(', ')} (delete-stale-embedded-pvc: true)`,
  );
  deps.report.warnings.push(
    `PVC ${pvcs.join(', ')} held the embedded etcd an earlier phase one left; it was deleted (delete-stale-embedded-pvc: true).`,
  );
}

/**
 * Census and backup of the deployed etcd, the record that phase one started (with the Helm
 * revision it upgrades from: abort's way back), and the upgrade that starts the copy.
 */
async function startPhaseOne(deps: PhaseDeps, values: PhaseValues, helmRevisionBefore: number): Promise<void> {
  const { settings, report } = deps;
  const objects = objectNames(settings.release);
  const before = await censusStep(deps, 'deployed').catch((e: unknown) => {
    // Nothing was changed yet: a deployed etcd that cannot be read is a precondition, not a half-done step.
    throw new PhaseStop(
      'refused',
      `the deployed etcd (StatefulSet ${objects.etcdSts}, pod ${objects.etcdPod0}) cannot be read, so phase one did not start: ${(e as Error).message}`,
      `nothing was changed; make the deployed etcd answer again (kubectl -n ${settings.namespace} logs ${objects.etcdPod0}; it must be Running and serving on 2379), then run migrate again`,
    );
  });
  report.keysBefore = before.total;
  let backup: { record: BackupRecord; restore: string } | undefined;
  if (settings.backup === 'required') {
    backup = await step(
      deps,
      'backup of the deployed etcd',
      () => deps.etcd.backup(deps.backupDir),
      (b) => `${b.record.bytes} bytes, revision ${b.record.revision}`,
    );
    report.backup = backup.record;
    report.restore = backup.restore;
  } else {
    report.backupSkipReason = settings.backupSkipReason;
    skipped(deps, 'backup of the deployed etcd', `skipped: ${settings.backupSkipReason}`);
  }
  await startUpgrade(deps, 'phase1', values.phase1, (st) => ({
    ...archiveAbortedRound(st),
    phase1: {
      status: 'started',
      startedAt: new Date().toISOString(),
      chartVersion: settings.chartVersion.text,
      helmRevisionBefore,
      valuesDigest: valuesDigest(values.phase1),
      before,
      backup: backup?.record,
      backupSkipReason: settings.backupSkipReason,
    },
    phase2: undefined,
  }));
}

/** What an earlier run of phase one recorded: the count before, the backup and, once applied, its values' digest. */
function reportEarlierPhaseOne(report: Evidence, state: StateRecord, applied: boolean): void {
  report.keysBefore = state.phase1?.before?.total;
  report.backup = state.phase1?.backup;
  if (!applied) return;
  report.values.push({
    label: 'Values phase one (already applied)',
    note: `Applied by an earlier run; the state record holds their digest ${state.phase1?.valuesDigest ?? '(none)'}.`,
  });
}

/** Phase one found applied (or its upgrade interrupted): the record is completed and the upgrade finished. */
async function resumePhaseOne(
  deps: PhaseDeps,
  decision: Extract<Decision, { kind: 'resume' }>,
  inspection: Inspection,
  state: StateRecord,
  values: PhaseValues,
): Promise<void> {
  reportEarlierPhaseOne(deps.report, state, decision.at !== 'interrupted-upgrade');
  if (!state.phase1) {
    await deps.store.update(
      (st) => ({
        ...st,
        phase1: {
          status: 'upgraded',
          startedAt: new Date().toISOString(),
          chartVersion: deps.settings.chartVersion.text,
          valuesDigest: valuesDigest(values.phase1),
        },
      }),
      'phase one found applied without a record',
    );
  }
  await resumeUpgrade(deps, 'phase1', decision, inspection, state.phase1?.valuesDigest);
}

/** vCluster's success line. A line lost with its pod is returned for the key counts to decide; any other failure stops. */
async function waitForLogLine(deps: PhaseDeps): Promise<LogGateError | undefined> {
  const { settings, report } = deps;
  const pod = objectNames(settings.release).embeddedPod;
  try {
    const seen = await step(
      deps,
      'wait for the success log line',
      () =>
        deps.kube.waitForSuccessLine({
          timeoutMs: settings.migrationTimeoutMs,
          progress: (m) => deps.log.info(m),
          copyPodUid: deps.store.state.phase1?.upgradedPodUid,
          knownLostPodUid: deps.store.state.phase1?.lostLinePodUid,
        }),
      (x) => `pod ${pod}, ${x.container} container`,
    );
    report.logLine = seen.line;
    await recordPhaseOne(
      deps,
      { logLine: seen.line, podUid: seen.podUid, loggedAt: seen.at, lostLogLine: undefined },
      'success log line seen',
    );
    return undefined;
  } catch (e) {
    if (!(e instanceof LogGateError)) throw e;
    report.details.push(...e.details);
    if (e.kind === 'log-lost') {
      // The line cannot be read any more; the key counts (verifyCopy) decide, and say so in bold.
      deps.log.warning(e.message);
      // Not a failure of the run: the step could not be done, and the census stands in for it.
      const waited = report.steps.at(-1);
      if (waited?.name === 'wait for the success log line') {
        waited.state = 'skipped';
        waited.note = 'the line is lost with the replaced pod; both etcds decide';
      }
      return e;
    }
    await recordPhaseOne(deps, { status: 'failed', failure: e.message.slice(0, 300) }, `log gate: ${e.kind}`);
    throw new PhaseStop(
      'failed',
      e.message,
      e.kind === 'timeout'
        ? `run migrate again to resume the wait (a larger migration-timeout gives a big etcd more time), or see why pod ${pod} has not logged the line: kubectl -n ${settings.namespace} logs ${pod}; finalize stays refused`
        : `fix what the log of pod ${pod} says (its last lines are below; kubectl -n ${settings.namespace} logs ${pod}${e.kind === 'crash-loop' ? ' --previous' : ''} shows all), then run migrate again; the deployed etcd still holds the data and finalize stays refused`,
    );
  }
}

/** Both etcds counted and compared right after the line: phase one is verified when no group lost keys and every group has the same keys and values. */
async function verifyCopy(
  deps: PhaseDeps,
  lostLine: LogGateError | undefined,
  controlPlaneReplicas: ClusterView['controlPlaneReplicas'],
): Promise<Outcome> {
  const { settings, report } = deps;
  // Both etcds counted right after the line, so the comparison is made at one moment.
  const [deployedNow, embedded] = await step(
    deps,
    'census of both etcds',
    () => Promise.all([deps.etcd.census('deployed'), deps.etcd.census('embedded')]),
    ([a, b]) => `deployed ${a.total} keys (rev ${a.revision}), embedded ${b.total} keys (rev ${b.revision})`,
  );
  const diff = diffCensus(deployedNow, embedded, settings.volatilePrefixes);
  report.diff = diff;
  report.keysBefore = deployedNow.total;
  report.keysAfter = embedded.total;
  // Equal counts do not prove a value was copied intact: every key and value is compared too.
  const content = await step(
    deps,
    'content of both etcds',
    () => deps.etcd.contentProof(settings.volatilePrefixes),
    (c) =>
      c.ok
        ? `same keys and values in every group (deployed rev ${c.deployedRevision}, embedded rev ${c.embeddedRevision})`
        : `${c.differing.length} group(s) differ`,
  );
  report.content = content;
  const verdict = copyVerdict({
    diff,
    content,
    lineLost: lostLine !== undefined,
    acceptLostLogLine: settings.acceptLostLogLine,
  });
  if (verdict.kind !== 'verified') {
    await stopOnBadCopy(deps, verdict, { deployedNow, embedded, diff, content, lostLine, controlPlaneReplicas });
  }
  const byCountsAlone = verdict.kind === 'verified' && verdict.byCountsAlone;
  if (byCountsAlone) report.lostLogLine = lostLine!.message;
  // Which PVC the embedded etcd the proof read lives on (phase one created it after this run's first look).
  const embeddedPvcUid = (await deps.kube.observe()).embeddedPvcs?.find(
    (p) => p.name === objectNames(settings.release).embeddedPvc,
  )?.uid;
  await recordPhaseOne(
    deps,
    {
      status: 'verified',
      verifiedAt: new Date().toISOString(),
      after: embedded,
      deployedAtSuccess: deployedNow,
      diff,
      contentBaseline: contentBaseline(content, embeddedPvcUid),
      failure: undefined,
      lostLogLine: lostLine?.message,
    },
    byCountsAlone ? 'phase one verified by key counts (success line lost with its pod)' : 'phase one verified',
  );
  return {
    status: 'succeeded',
    headline: `vCluster copied the deployed etcd into embedded etcd; ${embedded.total} keys, same keys and values in every group that is not volatile.`,
    next: `${deps.approvals.howToApprove(settings.approvalEnvironment)} (it removes the deployed etcd StatefulSet and Services; its PVCs stay)`,
  };
}

interface CopyEvidence {
  deployedNow: Census;
  embedded: Census;
  diff: CensusDiff;
  content: ContentDiff;
  lostLine: LogGateError | undefined;
  controlPlaneReplicas: ClusterView['controlPlaneReplicas'];
}

/** A copy that is not verified: the state record says why, and the run stops with the way on. */
async function stopOnBadCopy(
  deps: PhaseDeps,
  verdict: Exclude<CopyVerdict, { kind: 'verified' }>,
  e: CopyEvidence,
): Promise<never> {
  const { settings } = deps;
  if (verdict.kind === 'line-lost') {
    const lost = e.lostLine!;
    await recordPhaseOne(
      deps,
      { status: 'failed', failure: lost.message.slice(0, 300), lostLinePodUid: lost.podUid },
      'log gate: log-lost',
    );
    throw new PhaseStop(
      'failed',
      `${lost.message}. The key counts of both etcds are equal (${e.deployedNow.total} deployed, ${e.embedded.total} embedded, no group lost keys)`,
      'if you accept equal key counts per resource as the proof of the copy, run migrate again with accept-lost-log-line: true (the summary and PR comment will say so in bold); finalize stays refused until then',
    );
  }
  const keysLost = verdict.kind === 'keys-lost';
  await recordPhaseOne(
    deps,
    {
      status: 'failed',
      after: e.embedded,
      deployedAtSuccess: e.deployedNow,
      diff: e.diff,
      failure: `${keysLost ? 'groups lost keys' : 'content differs'}: ${verdict.groups.join(', ')}`.slice(0, 300),
      lostLinePodUid: e.lostLine?.podUid,
    },
    keysLost ? 'key counts differ' : 'contents differ',
  );
  const what = keysLost
    ? `the embedded etcd has fewer keys than the deployed etcd in ${e.diff.lost.length} group(s): ${lostGroupsText(e.diff)}`
    : `the embedded etcd's keys or values differ from the deployed etcd's in ${e.content.differing.length} group(s), although no group lost keys: ${e.content.differing.map((x) => `${x.group}: ${x.text}`).join('; ')}`;
  throw new PhaseStop('failed', what, recopyRemedy(settings.namespace, settings.release, e.controlPlaneReplicas));
}
