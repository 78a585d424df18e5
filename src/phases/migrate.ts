// Phase one: backup, census, the upgrade that starts the copy, vCluster's success line, and
// the per-group key counts of both etcds at one moment. Resumes where a dead run stopped.
import type { Deps } from './steps/deps.ts';
import { censusStep, step, skipped, PhaseStop } from './steps/deps.ts';
import { decideMigrate, type Decision } from '../core/migration/decide.ts';
import { valuesDigest, type PhaseValues } from '../core/migration/values.ts';
import { waitForSuccessLine, LogGateError } from '../adapters/kube/log-gate.ts';
import { diffCensus } from '../core/migration/census.ts';
import type { Gathered } from './steps/gather.ts';
import { checkRenderedDataVolume } from './steps/render-check.ts';
import { recordPhase, resumeUpgrade, startUpgrade } from './steps/upgrade.ts';
import { names } from '../core/migration/cluster-view.ts';
import { recopyRemedy } from '../core/migration/recopy.ts';
import { openPhase, underLock } from './steps/open.ts';
import type { BackupRecord } from '../core/types.ts';
import type { StateRecord } from '../core/migration/state.ts';
import type { ClusterView } from '../core/migration/cluster-view.ts';

export async function migrate(d: Deps): Promise<void> {
  const opened = await openPhase(
    d,
    'migrate',
    decideMigrate,
    // On resume the release already has the phase-one values; only a broken cluster stops us.
    (failed, decision) => (decision.kind === 'start' ? failed : failed.filter((c) => c.name === 'permissions')),
  );
  if (!opened) return;
  const { g, state, decision } = opened;
  const values = g.values as PhaseValues;
  if (decision.kind === 'start') await checkRenderedDataVolume(d, values);

  await underLock(d, 'migrate', state, async () => {
    if (decision.kind === 'start') await startPhaseOne(d, values);
    else await resumePhaseOne(d, decision, g, state, values);
    const lostLine = await waitForLogLine(d);
    await verifyCopy(d, lostLine, g.view.controlPlaneReplicas);
  });
}

/** Census and backup of the deployed etcd, the record that phase one started, and the upgrade that starts the copy. */
async function startPhaseOne(d: Deps, values: PhaseValues): Promise<void> {
  const s = d.settings;
  const r = d.report;
  const n = names(s.release);
  const before = await censusStep(d, 'deployed').catch((e: unknown) => {
    // Nothing was changed yet: a deployed etcd that cannot be read is a precondition, not a half-done step.
    throw new PhaseStop(
      'refused',
      `the deployed etcd (StatefulSet ${n.etcdSts}, pod ${n.etcdPod0}) cannot be read, so phase one did not start: ${(e as Error).message}`,
      `nothing was changed; make the deployed etcd answer again (kubectl -n ${s.namespace} logs ${n.etcdPod0}; it must be Running and serving on 2379), then run migrate again`,
    );
  });
  r.keysBefore = before.total;
  let backup: { record: BackupRecord; restore: string } | undefined;
  if (s.backup === 'required') {
    backup = await step(
      d,
      'backup of the deployed etcd',
      () => d.etcd.backup(d.backupDir),
      (b) => `${b.record.bytes} bytes, revision ${b.record.revision}`,
    );
    r.backup = backup.record;
    r.restore = backup.restore;
  } else {
    r.backupSkipReason = s.backupSkipReason;
    skipped(d, 'backup of the deployed etcd', `skipped: ${s.backupSkipReason}`);
  }
  await startUpgrade(d, 'phase one', values.phase1, (st) => ({
    ...st,
    phase1: {
      status: 'started',
      startedAt: new Date().toISOString(),
      chartVersion: s.chartVersion.text,
      valuesDigest: valuesDigest(values.phase1),
      before,
      backup: backup?.record,
      backupSkipReason: s.backupSkipReason,
    },
    phase2: undefined,
  }));
}

/** What an earlier run of phase one recorded: the count before, the backup and, once applied, its values' digest. */
function reportEarlierPhaseOne(r: Deps['report'], state: StateRecord, applied: boolean): void {
  r.keysBefore = state.phase1?.before?.total;
  r.backup = state.phase1?.backup;
  if (!applied) return;
  r.values.push({
    label: 'Values phase one (already applied)',
    note: `Applied by an earlier run; the state record holds their digest ${state.phase1?.valuesDigest ?? '(none)'}.`,
  });
}

/** Phase one found applied (or its upgrade interrupted): the record is completed and the upgrade finished. */
async function resumePhaseOne(
  d: Deps,
  decision: Extract<Decision, { kind: 'resume' }>,
  g: Gathered,
  state: StateRecord,
  values: PhaseValues,
): Promise<void> {
  const s = d.settings;
  reportEarlierPhaseOne(d.report, state, decision.at !== 'interrupted-upgrade');
  if (!state.phase1) {
    await d.store.update(
      (st) => ({
        ...st,
        phase1: {
          status: 'upgraded',
          startedAt: new Date().toISOString(),
          chartVersion: s.chartVersion.text,
          valuesDigest: valuesDigest(values.phase1),
        },
      }),
      'phase one found applied without a record',
    );
  }
  await resumeUpgrade(d, 'phase one', decision, g, state.phase1?.valuesDigest);
}

/** vCluster's success line. A line lost with its pod is returned for the key counts to decide; any other failure stops. */
async function waitForLogLine(d: Deps): Promise<LogGateError | undefined> {
  const s = d.settings;
  const r = d.report;
  const pod = names(s.release).embeddedPod;
  let lostLine: LogGateError | undefined;
  try {
    const seen = await step(
      d,
      'wait for the success log line',
      () =>
        waitForSuccessLine(d.kube, {
          namespace: s.namespace,
          pod,
          timeoutMs: s.migrationTimeoutMs,
          progress: (m) => d.log.info(m),
          copyPodUid: d.store.state.phase1?.upgradedPodUid,
          knownLostPodUid: d.store.state.phase1?.lostLinePodUid,
        }),
      (x) => `pod ${pod}, ${x.container} container`,
    );
    r.logLine = seen.line;
    await recordPhase(
      d,
      'phase one',
      { logLine: seen.line, podUid: seen.podUid, loggedAt: seen.at, lostLogLine: undefined },
      'success log line seen',
    );
  } catch (e) {
    if (!(e instanceof LogGateError)) throw e;
    r.details.push(...e.details);
    if (e.kind === 'log-lost') {
      // The line cannot be read any more; the key counts (verifyCopy) decide, and say so in bold.
      lostLine = e;
      d.log.warning(e.message);
    } else {
      await recordPhase(d, 'phase one', { status: 'failed', failure: e.message.slice(0, 300) }, `log gate: ${e.kind}`);
      throw new PhaseStop(
        'failed',
        e.message,
        e.kind === 'timeout'
          ? `run migrate again to resume the wait (a larger migration-timeout gives a big etcd more time), or see why pod ${pod} has not logged the line: kubectl -n ${s.namespace} logs ${pod}; finalize stays refused`
          : `fix what the log of pod ${pod} says (its last lines are below; kubectl -n ${s.namespace} logs ${pod}${e.kind === 'crash-loop' ? ' --previous' : ''} shows all), then run migrate again; the deployed etcd still holds the data and finalize stays refused`,
      );
    }
  }
  return lostLine;
}

/** Both etcds counted right after the line: phase one is verified when no group lost keys. */
async function verifyCopy(
  d: Deps,
  lostLine: LogGateError | undefined,
  controlPlaneReplicas: ClusterView['controlPlaneReplicas'],
): Promise<void> {
  const s = d.settings;
  const r = d.report;
  // Both etcds counted right after the line, so the comparison is made at one moment.
  const [deployedNow, embedded] = await step(
    d,
    'census of both etcds',
    () => Promise.all([d.etcd.census('deployed'), d.etcd.census('embedded')]),
    ([a, b]) => `deployed ${a.total} keys (rev ${a.revision}), embedded ${b.total} keys (rev ${b.revision})`,
  );
  const diff = diffCensus(deployedNow, embedded, s.volatilePrefixes);
  r.diff = diff;
  r.keysBefore = deployedNow.total;
  r.keysAfter = embedded.total;
  // Lost keys are reported below as always; equal counts stand in for a lost line only when asked.
  if (lostLine && diff.ok && !s.acceptLostLogLine) {
    await recordPhase(
      d,
      'phase one',
      { status: 'failed', failure: lostLine.message.slice(0, 300), lostLinePodUid: lostLine.podUid },
      'log gate: log-lost',
    );
    throw new PhaseStop(
      'failed',
      `${lostLine.message}. The key counts of both etcds are equal (${deployedNow.total} deployed, ${embedded.total} embedded, no group lost keys)`,
      'if you accept equal key counts per resource as the proof of the copy, run migrate again with accept-lost-log-line: true (the summary and PR comment will say so in bold); finalize stays refused until then',
    );
  }
  if (!diff.ok) {
    await recordPhase(
      d,
      'phase one',
      {
        status: 'failed',
        after: embedded,
        deployedAtSuccess: deployedNow,
        diff,
        failure: `groups lost keys: ${diff.lost.map((x) => x.group).join(', ')}`,
        lostLinePodUid: lostLine?.podUid,
      },
      'key counts differ',
    );
    throw new PhaseStop(
      'failed',
      `the embedded etcd has fewer keys than the deployed etcd in ${diff.lost.length} group(s): ${diff.lost.map((x) => `${x.group} (${x.before} → ${x.after})`).join(', ')}`,
      recopyRemedy(s.namespace, s.release, controlPlaneReplicas),
    );
  }
  if (lostLine) r.lostLogLine = lostLine.message;
  await recordPhase(
    d,
    'phase one',
    {
      status: 'verified',
      verifiedAt: new Date().toISOString(),
      after: embedded,
      deployedAtSuccess: deployedNow,
      diff,
      failure: undefined,
      lostLogLine: lostLine?.message,
    },
    lostLine ? 'phase one verified by key counts (success line lost with its pod)' : 'phase one verified',
  );
  r.status = 'succeeded';
  r.headline = `vCluster copied the deployed etcd into embedded etcd; ${embedded.total} keys, no group lost keys.`;
  const approve =
    s.door === 'cli'
      ? 'run phase finalize with --approved-by <name> to run phase two'
      : `approve the '${s.approvalEnvironment ?? 'approval'}' environment so the finalize job runs phase two`;
  r.next = `${approve} (it removes the deployed etcd StatefulSet and Services; its PVCs stay)`;
}
