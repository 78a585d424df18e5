// Phase abort: the way back before phase two. Stops the control plane, reads the embedded etcd
// through a reader pod on its PVC, makes the deployed etcd hold the truth (its revision above every
// one the embedded etcd handed out, its history compacted), clears vCluster's store annotations,
// upgrades the release to its values from before phase one and proves with a census that nothing
// was lost. Every step that lasts is recorded, so a run killed anywhere is resumed by the next.
import type { PhaseDeps } from './steps/deps.ts';
import { holdCensus, skipped, step } from './steps/deps.ts';
import { PhaseStop } from './steps/outcome.ts';
import { inspect, type Inspection } from './steps/inspect.ts';
import { preflightStop, underLock } from './steps/open.ts';
import { gitopsGate } from './steps/gitops-gate.ts';
import { checkApproval } from './steps/approval-gate.ts';
import { recordAbortFailed, recordAbortFinished, recordAbortStarted, recordAbortStep } from './steps/record.ts';
import { compareAndDecide, equalizeDeployed, removeReader, snapshotEmbedded, startReader } from './steps/abort-etcd.ts';
import { clearStoreAnnotations, upgradeBack, waitForControlPlane } from './steps/abort-release.ts';
import { failedChecks, type CheckName } from '../core/migration/preflight.ts';
import { objectNames } from '../core/migration/cluster-view.ts';
import { backingStoreOf } from '../core/migration/values.ts';
import { decideAbort, type AbortDecision } from '../core/migration/abort.ts';
import { abortStepIsDone, isAborted, type AbortRecord } from '../core/migration/abort-record.ts';
import { abortCaseLines, abortPlanLines, STORE_ANNOTATIONS } from '../core/migration/abort-plan.ts';
import type { StateRecord } from '../core/migration/state.ts';
import type { Outcome } from '../report/report.ts';

/** The checks that stop abort: the release is half-way by design, so only what abort itself needs. */
const BLOCKING_FOR_ABORT: CheckName[] = ['permissions', 'helm version'];

export async function abort(deps: PhaseDeps): Promise<Outcome> {
  const { settings } = deps;
  const inspection = await step(deps, 'preflight', () => inspect(deps));
  const state = await deps.store.load();
  if (isAborted(state)) return finished(deps, state.abort!, 'no-op');
  const first = decideAbort(state, inspection.view, undefined, {
    abortSource: settings.abortSource,
    volatilePrefixes: settings.volatilePrefixes,
  });
  if (first.kind === 'refuse') throw new PhaseStop('refused', `${first.which}: ${first.why}`, first.remedy);
  gitopsGate(deps, inspection.view, 'abort');
  const stops = failedChecks(inspection.checks).filter((c) => BLOCKING_FOR_ABORT.includes(c.name));
  if (stops.length > 0) throw preflightStop(stops, 'fix what the failed checks say; nothing was changed');
  await checkApproval(deps, 'the abort', 'abort');

  return underLock(deps, 'abort', state, async () => {
    try {
      return await runAbort(deps, inspection, first);
    } catch (e) {
      // The record says where it stopped; the next run resumes from there.
      await recordAbortFailed(deps, (e as Error).message).catch(() => undefined);
      await removeReader(deps).catch((x: Error) => deps.log.warning(`could not delete the reader pod: ${x.message}`));
      throw e;
    }
  });
}

type Allowed = Extract<AbortDecision, { kind: 'abort' | 'compare' }>;

async function runAbort(deps: PhaseDeps, inspection: Inspection, first: Allowed): Promise<Outcome> {
  const revision = await decide(deps, inspection, first);
  await stopWrites(deps);
  let a = deps.store.state.abort!;
  if (!abortStepIsDone(a, 'equalize the deployed etcd') || a.source === undefined) {
    await startReader(deps);
    await snapshotEmbedded(deps);
    if (deps.store.state.abort!.source === undefined) await compareAndDecide(deps, inspection.view);
    await equalizeDeployed(deps, inspection.view);
  } else {
    skipped(deps, 'census and snapshot of the embedded etcd', 'done by an earlier run');
    skipped(deps, 'equalize the deployed etcd', 'done by an earlier run');
  }
  await step(
    deps,
    'delete the reader pod',
    () => removeReader(deps),
    () => 'gone',
  );
  await clearStoreAnnotations(deps);
  await upgradeBack(deps, inspection, revision);
  await waitForControlPlane(deps);
  a = await verifyDeployed(deps);
  return finished(deps, a, 'succeeded');
}

/** The case, the etcd to keep when already known, the Helm revision to go back to; recorded as started. */
async function decide(deps: PhaseDeps, inspection: Inspection, first: Allowed): Promise<number> {
  const { settings, report } = deps;
  const state = deps.store.state;
  const revision = await step(
    deps,
    'decide',
    async () => {
      const revision = state.abort?.valuesRevision ?? (await revisionBeforePhaseOne(deps, state));
      if (backingStoreOf(await deps.helm.valuesAt(revision)) !== 'deployed') {
        throw new PhaseStop(
          'refused',
          `revision ${revision} of release ${settings.release}, the one phase one upgraded from, does not run on deployed etcd (its values have no controlPlane.backingStore.etcd.deploy.enabled: true)`,
          `check helm history ${settings.release} -n ${settings.namespace}: abort puts back the values of the last revision before phase one, and only onto a deployed etcd; nothing was changed`,
        );
      }
      const source = first.kind === 'abort' ? first.keep : undefined;
      const replicas = inspection.view.controlPlaneReplicas;
      await recordAbortStarted(
        deps,
        { case: first.case, source, why: first.why, valuesRevision: revision, replicas },
        state.abort !== undefined,
      );
      return revision;
    },
    (rev) => {
      const a = deps.store.state.abort!;
      const keep = a.source ? `keep the ${a.source} etcd` : 'compare both etcds';
      return `phase one ${a.case === 'verified' ? 'verified' : 'not verified'}; ${keep}; values of Helm revision ${rev}`;
    },
  );
  report.wayBack = { title: 'The way back', lines: abortCaseLines(deps.store.state.abort!) };
  if (state.abort)
    report.warnings.push(`Resumed: an earlier abort run stopped (${state.abort.failure ?? state.abort.status}).`);
  return revision;
}

/**
 * The revision phase one upgraded from. A record written before it was kept there has none: then
 * the newest revision whose values run on deployed etcd, read from Helm's history.
 */
async function revisionBeforePhaseOne(deps: PhaseDeps, state: StateRecord): Promise<number> {
  const { settings } = deps;
  const recorded = state.phase1?.helmRevisionBefore;
  if (recorded !== undefined) return recorded;
  const history = await deps.helm.history();
  for (const h of [...history].reverse()) {
    if (backingStoreOf(await deps.helm.valuesAt(h.revision)) === 'deployed') return h.revision;
  }
  throw new PhaseStop(
    'refused',
    `the state record does not say which Helm revision phase one upgraded from, and no revision in helm history ${settings.release} runs on deployed etcd (Helm keeps only its last revisions)`,
    `put the release's values from before phase one back by hand with helm upgrade (never --reuse-values) after clearing annotations ${STORE_ANNOTATIONS.join(' and ')} on Secret ${objectNames(settings.release).config}; nothing was changed`,
  );
}

/** The control plane scaled to 0 and its pod gone: nothing writes to the embedded etcd any more. */
async function stopWrites(deps: PhaseDeps): Promise<void> {
  const { settings } = deps;
  const objects = objectNames(settings.release);
  const name = 'stop writes';
  if (abortStepIsDone(deps.store.state.abort, name)) {
    // Nothing may have started it since: an earlier run stopped it and recorded so.
    skipped(deps, name, 'done by an earlier run');
    await deps.kube.waitPodGone(objects.embeddedPod, settings.timeoutMs);
    return;
  }
  await step(
    deps,
    name,
    async () => {
      const replicas = await deps.kube.scaleControlPlane(0);
      await deps.kube.waitPodGone(objects.embeddedPod, settings.timeoutMs);
      await recordAbortStep(deps, name, { replicas: deps.store.state.abort!.replicas ?? replicas });
      return replicas;
    },
    (replicas) =>
      replicas === undefined
        ? `StatefulSet ${objects.controlPlane} is gone; pod ${objects.embeddedPod} is gone`
        : `StatefulSet ${objects.controlPlane} scaled from ${replicas} to 0; pod ${objects.embeddedPod} is gone`,
  );
}

/** The deployed etcd counted and compared group by group with the etcd whose keyspace was kept. */
async function verifyDeployed(deps: PhaseDeps): Promise<AbortRecord> {
  const a = deps.store.state.abort!;
  const kept = a.source === 'deployed' ? a.deployedAtStop : a.embeddedAtStop;
  const now = await step(
    deps,
    'census of the deployed etcd',
    // Counted group by group against the etcd it was made equal to, when it holds no other group.
    () => deps.etcd.census('deployed', kept && Object.keys(kept.groups)),
    (c) => `${c.total} keys at revision ${c.revision}`,
  );
  if (kept) {
    holdCensus(
      deps,
      kept,
      now,
      (groups) =>
        new PhaseStop(
          'failed',
          `the deployed etcd now has fewer keys than the ${a.source} etcd had at the stop in ${groups}`,
          'the snapshot of the embedded etcd taken at the stop holds every key; find what removed them (the control plane log), then run abort again: it equalizes again',
        ),
    );
  }
  const leftover = ((await deps.kube.observe()).embeddedPvcs ?? []).map((p) => p.name);
  return step(
    deps,
    'record the abort',
    () => recordAbortFinished(deps, now, leftover),
    () => 'state aborted; the phase-one record stays in the history',
  );
}

/** A finished abort's outcome: the case, what was done and left, the snapshot. */
function finished(deps: PhaseDeps, a: AbortRecord, status: 'succeeded' | 'no-op'): Outcome {
  const { settings, report } = deps;
  report.wayBack = {
    title: 'The way back',
    lines: [...abortCaseLines(a), ...abortPlanLines(a, settings.release, settings.namespace)],
  };
  if (a.snapshot) report.backup = a.snapshot;
  const pvcs = a.leftoverPvcs ?? [];
  report.leftoverPvcs = pvcs;
  const next =
    pvcs.length > 0
      ? `PVC ${pvcs.join(', ')} still holds the old embedded etcd (the abort's snapshot has it too); migrate refuses while it exists: delete it with kubectl -n ${settings.namespace} delete pvc ${pvcs.join(' ')} (or run migrate with delete-stale-embedded-pvc: true) when you migrate again`
      : 'nothing; run plan and migrate when you want to migrate again';
  const revision = a.equalize?.revisionAfter;
  const headline =
    status === 'no-op'
      ? `Nothing to do: release ${settings.release} was put back on its deployed etcd at ${a.abortedAt}.`
      : a.source === 'deployed'
        ? `Release ${settings.release} runs on its deployed etcd again, which held the truth (phase one was not verified); revision ${revision} is above every one the embedded etcd handed out.`
        : `Release ${settings.release} runs on its deployed etcd again with the embedded etcd's ${a.embeddedAtStop?.total ?? '?'} keys; revision ${revision} is above every one the embedded etcd handed out, and old watches must relist.`;
  return { status, headline, next };
}
