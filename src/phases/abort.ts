// Phase abort: the way back before phase two. Stops the control plane, reads the embedded etcd
// through a short-lived reader pod on its PVC, makes the deployed etcd's keyspace equal to the one
// that holds the truth (with a revision above every one the embedded etcd handed out and its history
// compacted, so old watches relist), clears vCluster's store annotations, upgrades the release to its
// values from before phase one and proves with a census that nothing was lost. Every step that lasts
// is recorded, so a run killed anywhere is resumed by the next.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from './steps/deps.ts';
import { step, skipped, PhaseStop } from './steps/deps.ts';
import { gather, type Gathered } from './steps/gather.ts';
import { preflightStop, underLock } from './steps/open.ts';
import { gitopsGate } from './steps/gitops-gate.ts';
import { checkApproval } from './steps/approval-gate.ts';
import { failedChecks } from '../core/migration/preflight.ts';
import { names } from '../core/migration/cluster-view.ts';
import { diffCensus } from '../core/migration/census.ts';
import { backingStoreOf, valuesDigest, valuesYaml, type Values } from '../core/migration/values.ts';
import { decideAbort, describeDiscard, type AbortDecision } from '../core/migration/abort.ts';
import { readerPodManifest, readerPodName } from '../core/migration/abort-reader.ts';
import {
  abortFailed,
  abortFinished,
  abortSourceDecided,
  abortStarted,
  abortStepDone,
  abortStepIsDone,
  isAborted,
  type AbortRecord,
  type AbortStep,
} from '../core/migration/abort-record.ts';
import { abortPlanLines, STORE_ANNOTATIONS } from '../core/migration/abort-plan.ts';
import {
  clearSecretAnnotations,
  controlPlanePodLines,
  createPod,
  deletePodAndWait,
  deploymentReadiness,
  pollUntil,
  scaleStatefulSet,
  statefulSetExists,
  statefulSetImage,
  waitPodGone,
  waitPodReady,
} from '../adapters/kube/workloads.ts';
import { compareKeyspaces, equalizeKeyspace, bumpRevision } from '../adapters/etcd/equalize.ts';
import { helmDriver } from '../adapters/helm/record.ts';
import { settlePendingAsFailed } from '../adapters/helm/storage.ts';
import type { Census } from '../core/types.ts';
import type { StateRecord } from '../core/migration/state.ts';
import type { V1Pod } from '@kubernetes/client-node';

export async function abort(d: Deps): Promise<void> {
  const s = d.settings;
  const r = d.report;
  const g = await step(d, 'preflight', () => gather(d));
  const state = await d.store.load();
  if (isAborted(state)) {
    r.status = 'no-op';
    r.headline = `Nothing to do: release ${s.release} was put back on its deployed etcd at ${state.abort!.abortedAt}.`;
    r.next = nextAfterAbort(d, state.abort!);
    showFinished(d, state.abort!);
    return;
  }
  const first = decideAbort(state, g.view, undefined, {
    abortSource: s.abortSource,
    volatilePrefixes: s.volatilePrefixes,
  });
  if (first.kind === 'refuse') throw new PhaseStop('refused', `${first.which}: ${first.why}`, first.remedy);
  const stops = failedChecks(g.checks).filter((c) => ['permissions', 'helm version'].includes(c.name));
  if (stops.length > 0) throw preflightStop(stops, 'fix what the failed checks say; nothing was changed');
  gitopsGate(d, g.view, 'abort');
  await checkApproval(d, 'the abort', 'abort');

  await underLock(d, 'abort', state, async () => {
    try {
      await runAbort(d, g, first);
    } catch (e) {
      // The record says where it stopped; the next run resumes from there.
      const msg = e instanceof Error ? e.message : String(e);
      await d.store.update((st) => (st.abort ? abortFailed(st, msg) : st), 'abort failed').catch(() => undefined);
      await removeReader(d).catch((x: Error) => d.log.warning(`could not delete the reader pod: ${x.message}`));
      throw e;
    }
  });
}

type Decided = Extract<AbortDecision, { kind: 'abort' | 'compare' }>;

async function runAbort(d: Deps, g: Gathered, first: Decided): Promise<void> {
  const s = d.settings;
  const r = d.report;
  const n = names(s.release);
  const before = await decide(d, g, first);
  let a = d.store.state.abort!;

  if (done(d, a, 'stop writes')) {
    // Nothing may have started it since: an earlier run stopped it and recorded so.
    await waitPodGone(d.kube, s.namespace, n.embeddedPod, s.timeoutMs);
  } else {
    await step(
      d,
      'stop writes',
      async () => {
        const replicas = await scaleStatefulSet(d.kube, s.namespace, n.controlPlane, 0);
        await waitPodGone(d.kube, s.namespace, n.embeddedPod, s.timeoutMs);
        await record(d, 'stop writes', { replicas: a.replicas ?? replicas });
        return replicas;
      },
      (x) =>
        x === undefined
          ? `StatefulSet ${n.controlPlane} is gone; pod ${n.embeddedPod} is gone`
          : `StatefulSet ${n.controlPlane} scaled from ${x} to 0; pod ${n.embeddedPod} is gone`,
    );
  }

  a = d.store.state.abort!;
  const needReader = !abortStepIsDone(a, 'equalize the deployed etcd') || a.source === undefined;
  if (needReader) {
    await startReader(d);
    await censusAndSnapshot(d);
    if (d.store.state.abort!.source === undefined) await compareAndDecide(d, g);
    await equalize(d);
  } else {
    showRecordedSnapshot(d, a);
    skipped(d, 'census and snapshot of the embedded etcd', 'done by an earlier run');
    skipped(d, 'equalize the deployed etcd', 'done by an earlier run');
  }
  await step(
    d,
    'delete the reader pod',
    () => removeReader(d),
    () => `pod ${readerPodName(s.release)} is gone`,
  );
  await clearAnnotations(d);
  await upgradeBack(d, g, before);
  await waitForControlPlane(d);
  await verifyDeployed(d);
  r.status = 'succeeded';
}

/** The revision and values the release goes back to, and the record that abort started. */
async function decide(d: Deps, g: Gathered, first: Decided): Promise<{ revision: number; values: Values }> {
  const s = d.settings;
  const state = d.store.state;
  return step(
    d,
    'decide',
    async () => {
      const revision = state.abort?.valuesRevision ?? (await revisionBeforePhaseOne(d, state));
      const values = await d.helm.valuesAt(s.release, s.namespace, revision);
      if (backingStoreOf(values) !== 'deployed') {
        throw new PhaseStop(
          'refused',
          `revision ${revision} of release ${s.release}, the one phase one upgraded from, does not run on deployed etcd (its values have no controlPlane.backingStore.etcd.deploy.enabled: true)`,
          `check helm history ${s.release} -n ${s.namespace}: abort puts back the values of the last revision before phase one, and only onto a deployed etcd; nothing was changed`,
        );
      }
      const source = first.kind === 'abort' ? first.keep : undefined;
      await d.store.update(
        (st) =>
          abortStarted(
            st,
            {
              case: first.case,
              source,
              why: first.why,
              valuesRevision: revision,
              replicas: g.view.controlPlaneReplicas,
            },
            new Date(),
          ),
        state.abort ? 'abort resumed' : 'abort started',
      );
      const a = d.store.state.abort!;
      d.report.wayBack = { title: 'The way back', lines: caseLines(a) };
      if (state.abort)
        d.report.warnings.push(`Resumed: an earlier abort run stopped (${state.abort.failure ?? state.abort.status}).`);
      return { revision, values };
    },
    (x) => {
      const a = d.store.state.abort!;
      return `${a.case === 'verified' ? 'phase one verified' : 'phase one not verified'}; ${a.source ? `keep the ${a.source} etcd` : 'compare both etcds'}; values of Helm revision ${x.revision}`;
    },
  );
}

/**
 * The revision phase one upgraded from. Records written before it was kept there have none: then
 * the newest revision whose values run on deployed etcd, read from Helm's history.
 */
async function revisionBeforePhaseOne(d: Deps, state: StateRecord): Promise<number> {
  const s = d.settings;
  const recorded = state.phase1?.helmRevisionBefore;
  if (recorded !== undefined) return recorded;
  const history = await d.helm.history(s.release, s.namespace);
  for (const h of [...history].reverse()) {
    const v = await d.helm.valuesAt(s.release, s.namespace, h.revision);
    if (backingStoreOf(v) === 'deployed') return h.revision;
  }
  throw new PhaseStop(
    'refused',
    `the state record does not say which Helm revision phase one upgraded from, and no revision in helm history ${s.release} runs on deployed etcd (Helm keeps only its last revisions)`,
    `put the release's values from before phase one back by hand with helm upgrade (never --reuse-values) after clearing annotations ${STORE_ANNOTATIONS.join(' and ')} on Secret ${names(s.release).config}; nothing was changed`,
  );
}

function done(d: Deps, a: AbortRecord, name: AbortStep): boolean {
  if (!abortStepIsDone(a, name)) return false;
  skipped(d, name, 'done by an earlier run');
  return true;
}

async function record(d: Deps, name: AbortStep, patch: Partial<AbortRecord> = {}): Promise<void> {
  await d.store.update((st) => abortStepDone(st, name, patch), `abort: ${name}`);
}

/** The reader pod on the embedded etcd's PVC, Ready (one left by a killed run is used when it serves). */
async function startReader(d: Deps): Promise<void> {
  const s = d.settings;
  const n = names(s.release);
  const pod = readerPodName(s.release);
  await step(
    d,
    'start the reader pod',
    async () => {
      const found = await statefulSetImage(d.kube, s.namespace, n.etcdSts, 'etcd');
      if (!found) {
        throw new Error(
          `StatefulSet ${n.etcdSts} has no container etcd to take the image from; the reader pod runs the deployed etcd's image`,
        );
      }
      const existing = await d.kube.pod(s.namespace, pod);
      if (existing && (existing.deleting || existing.phase === 'Failed' || existing.phase === 'Succeeded')) {
        await deletePodAndWait(d.kube, s.namespace, pod, s.timeoutMs);
      }
      const manifest = readerPodManifest({
        release: s.release,
        namespace: s.namespace,
        runId: d.runId,
        image: found.image,
        imagePullSecrets: found.pullSecrets,
      });
      const how = await createPod(d.kube, s.namespace, manifest as unknown as V1Pod);
      await waitPodReady(d.kube, s.namespace, pod, s.timeoutMs);
      return how;
    },
    (how) => `pod ${pod} ${how === 'created' ? 'created' : 'left by an earlier run'}, Ready, on PVC ${n.embeddedPvc}`,
  );
}

async function removeReader(d: Deps): Promise<void> {
  await deletePodAndWait(d.kube, d.settings.namespace, readerPodName(d.settings.release), d.settings.timeoutMs);
}

/** The etcd ops with the embedded etcd served by the reader pod. */
const readerOps = (d: Deps) => d.etcd.withEmbeddedPod(readerPodName(d.settings.release));

/** Both etcds counted at the stop, and a verified snapshot of the embedded one: the way forward again. */
async function censusAndSnapshot(d: Deps): Promise<void> {
  const a = d.store.state.abort!;
  if (done(d, a, 'census and snapshot of the embedded etcd')) {
    showRecordedSnapshot(d, a);
    return;
  }
  const r = d.report;
  await step(
    d,
    'census and snapshot of the embedded etcd',
    async () => {
      const ops = readerOps(d);
      const [embeddedAtStop, deployedAtStop] = await Promise.all([ops.census('embedded'), d.etcd.census('deployed')]);
      const snap = await ops.backup(d.backupDir, 'embedded');
      r.backup = snap.record;
      r.restore = forwardAgain(d, snap.record.file);
      await record(d, 'census and snapshot of the embedded etcd', {
        embeddedAtStop,
        deployedAtStop,
        snapshot: snap.record,
      });
      return { embeddedAtStop, deployedAtStop, snap };
    },
    (x) =>
      `embedded ${x.embeddedAtStop.total} keys at revision ${x.embeddedAtStop.revision}, deployed ${x.deployedAtStop.total} keys at revision ${x.deployedAtStop.revision}; snapshot ${x.snap.record.bytes} bytes, ${x.snap.record.keys} keys, verified`,
  );
}

function showRecordedSnapshot(d: Deps, a: AbortRecord): void {
  if (!a.snapshot) return;
  d.report.backup = a.snapshot;
  d.report.restore = forwardAgain(d, a.snapshot.file);
}

/** How the snapshot of the embedded etcd serves again: it holds the keyspace as of the stop. */
function forwardAgain(d: Deps, file: string): string {
  const name = file.split(/[\\/]/).pop()!;
  return [
    `The snapshot \`${name}\` holds the embedded etcd as the abort stopped it (the workflow's artifact keeps it).`,
    'It is the way forward again if the abort turns out wrong: restore it with',
    '`etcdutl snapshot restore ' + name + ' --bump-revision 1000000000 --mark-compacted --data-dir <new dir>`',
    `into an empty embedded etcd PVC data-${d.settings.release}-0 before a new phase one starts its control plane.`,
  ].join(' ');
}

/** Phase one not verified: which etcd holds the truth, from both keyspaces compared key by key. */
async function compareAndDecide(d: Deps, g: Gathered): Promise<void> {
  const s = d.settings;
  const verdict = await step(
    d,
    'compare both etcds',
    async () => {
      const [src, dst] = await Promise.all([readerOps(d).open('embedded'), d.etcd.open('deployed')]);
      try {
        const comparison = await compareKeyspaces(src.client, dst.client, {
          revision: d.store.state.abort!.embeddedAtStop?.revision,
        });
        return decideAbort(d.store.state, g.view, comparison, {
          abortSource: s.abortSource,
          volatilePrefixes: s.volatilePrefixes,
        });
      } finally {
        await Promise.all([src.close(), dst.close()]);
      }
    },
    (v) => (v.kind === 'abort' ? `keep the ${v.keep} etcd: ${v.why}` : v.kind === 'refuse' ? 'refused' : v.why),
  );
  if (verdict.kind === 'refuse') {
    throw new PhaseStop(
      'refused',
      `${verdict.which}: ${verdict.why}`,
      `${verdict.remedy}. The control plane stays stopped (StatefulSet ${s.release} at 0 replicas) so that neither etcd changes while you choose; run abort again with abort-source set`,
    );
  }
  if (verdict.kind !== 'abort') throw new Error(`the comparison did not decide the abort: ${verdict.why}`);
  await d.store.update(
    (st) => abortSourceDecided(st, verdict.keep, verdict.why),
    `abort keeps the ${verdict.keep} etcd`,
  );
  d.report.wayBack = { title: 'The way back', lines: caseLines(d.store.state.abort!) };
  if (verdict.discard) {
    const lost = `Thrown away on request (abort-source: ${verdict.keep}): ${describeDiscard(verdict.discard)}`;
    d.report.warnings.push(lost);
    d.report.wayBack.lines.push(lost);
  }
}

/** The deployed etcd made equal to the truth, its revision above the embedded etcd's, history compacted. */
async function equalize(d: Deps): Promise<void> {
  const a = d.store.state.abort!;
  if (done(d, a, 'equalize the deployed etcd')) return;
  const at = a.embeddedAtStop!;
  await step(
    d,
    'equalize the deployed etcd',
    async () => {
      const dst = await d.etcd.open('deployed');
      try {
        if (a.source === 'deployed') {
          const bump = await bumpRevision(dst.client, { above: at.revision });
          const result = {
            sourceRevision: at.revision,
            deleted: 0,
            put: 0,
            unchanged: a.deployedAtStop?.total ?? 0,
            revisionBefore: bump.before,
            revisionAfter: bump.after,
          };
          await record(d, 'equalize the deployed etcd', { equalize: result });
          return result;
        }
        const src = await readerOps(d).open('embedded');
        try {
          let last = 0;
          const x = await equalizeKeyspace(src.client, dst.client, {
            revision: at.revision,
            onProgress: (p) => {
              if (Date.now() - last < 5000) return;
              last = Date.now();
              d.log.info(`equalize: ${p.compared} keys compared, ${p.written} written, ${p.deleted} deleted`);
            },
          });
          const same = x.comparison.groups.reduce((n, g) => n + g.same, 0);
          const result = {
            sourceRevision: at.revision,
            deleted: x.deleted,
            put: x.written,
            unchanged: same,
            revisionBefore: x.before,
            revisionAfter: x.after,
          };
          await record(d, 'equalize the deployed etcd', { equalize: result });
          return result;
        } finally {
          await src.close();
        }
      } finally {
        await dst.close();
      }
    },
    (x) =>
      a.source === 'deployed'
        ? `kept as it is; revision ${x.revisionBefore} → ${x.revisionAfter} (above the embedded etcd's ${x.sourceRevision}), history compacted`
        : `${x.put} keys written, ${x.deleted} deleted, ${x.unchanged} already equal; revision ${x.revisionBefore} → ${x.revisionAfter} (above the embedded etcd's ${x.sourceRevision}), history compacted`,
  );
}

/** vCluster refuses at start a switch from embedded back to deployed etcd while these say embedded. */
async function clearAnnotations(d: Deps): Promise<void> {
  const s = d.settings;
  const n = names(s.release);
  if (done(d, d.store.state.abort!, "clear vCluster's store annotations")) return;
  await step(
    d,
    "clear vCluster's store annotations",
    async () => {
      const was = await clearSecretAnnotations(d.kube, s.namespace, n.config, [...STORE_ANNOTATIONS]);
      await record(d, "clear vCluster's store annotations");
      return was;
    },
    (was) =>
      was === undefined
        ? `Secret ${n.config} does not exist (the upgrade writes it)`
        : Object.keys(was).length === 0
          ? `Secret ${n.config} had none`
          : `removed ${Object.entries(was)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')} from Secret ${n.config}`,
  );
}

/**
 * helm upgrade with the values of the revision before phase one (explicit values, no --reuse-values,
 * no rollback). An upgrade of ours a killed run left pending is recorded as failed and run again.
 */
async function upgradeBack(d: Deps, g: Gathered, before: { revision: number; values: Values }): Promise<void> {
  const s = d.settings;
  const name = 'helm upgrade to the values before phase one';
  if (done(d, d.store.state.abort!, name)) return;
  const rel = g.view.release!;
  const ours = valuesDigest(g.userValues) === valuesDigest(before.values);
  if (ours && rel.status === 'deployed') {
    // A killed run finished the upgrade but not its record.
    await record(d, name);
    skipped(d, name, `revision ${rel.revision} already has the values of revision ${before.revision}`);
    return;
  }
  if (rel.status.startsWith('pending') || rel.status === 'failed') {
    if (!ours) {
      throw new PhaseStop(
        'refused',
        `release ${s.release} is ${rel.status} at revision ${rel.revision} with values this abort did not apply`,
        `someone else's Helm operation was interrupted: inspect helm history ${s.release} -n ${s.namespace}, finish or roll it back, then run abort again`,
      );
    }
    if (rel.status === 'pending-upgrade') await settle(d, rel.revision);
  }
  await step(
    d,
    name,
    async () => {
      const file = join(d.workDir, `${s.release}-abort-values.yaml`);
      writeFileSync(file, valuesYaml(before.values), { mode: 0o600 });
      await d.helm.upgrade({
        release: s.release,
        namespace: s.namespace,
        chart: s.chart,
        version: s.chartVersion.text,
        valuesFile: file,
        timeoutMs: s.timeoutMs,
      });
      await record(d, name);
    },
    () => `values of revision ${before.revision}, chart ${s.chartVersion.text}`,
  );
}

async function settle(d: Deps, revision: number): Promise<void> {
  const s = d.settings;
  const driver = helmDriver(process.env.HELM_DRIVER);
  if (!driver) {
    throw new PhaseStop(
      'refused',
      `release ${s.release} is pending-upgrade at revision ${revision} and HELM_DRIVER=${process.env.HELM_DRIVER} keeps Helm's records where this action cannot settle them`,
      `mark revision ${revision} failed in Helm's storage by hand (or unset HELM_DRIVER if the release is stored in Secrets), then run abort again`,
    );
  }
  await step(d, `record the interrupted abort upgrade (revision ${revision}) as failed`, () =>
    settlePendingAsFailed(
      d.kube,
      driver,
      s.namespace,
      s.release,
      revision,
      `Upgrade "${s.release}" failed: interrupted (the process running it was killed); recorded as failed by vcluster-etcd-migrate run ${d.runId}, which upgrades again`,
    ),
  );
}

/** The control plane runs on the deployed etcd again: its Deployment ready, its StatefulSet gone. */
async function waitForControlPlane(d: Deps): Promise<void> {
  const s = d.settings;
  const n = names(s.release);
  await step(
    d,
    'wait for the control plane on deployed etcd',
    async () => {
      try {
        return await pollUntil(
          async () => {
            const dep = await deploymentReadiness(d.kube, s.namespace, n.controlPlane);
            const sts = await statefulSetExists(d.kube, s.namespace, n.controlPlane);
            return dep && !sts && dep.ready >= dep.replicas && dep.updated >= dep.replicas ? dep : undefined;
          },
          s.timeoutMs,
          () => `the control plane (Deployment ${n.controlPlane}) did not become ready on the deployed etcd`,
        );
      } catch (e) {
        const lines = await controlPlanePodLines(d.kube, s.namespace, s.release).catch(() => []);
        d.report.details.push(...lines);
        throw new PhaseStop(
          'failed',
          `${(e as Error).message} within ${Math.round(s.timeoutMs / 1000)} s`,
          `read its log (kubectl -n ${s.namespace} logs deploy/${n.controlPlane}; the last lines are below). The deployed etcd holds the data; run abort again once it starts: it resumes at this wait`,
        );
      }
    },
    (x) => `Deployment ${n.controlPlane}: ${x.ready}/${x.replicas} ready`,
  );
}

/** The deployed etcd counted and compared group by group with the etcd whose keyspace was kept. */
async function verifyDeployed(d: Deps): Promise<void> {
  const s = d.settings;
  const r = d.report;
  const a = d.store.state.abort!;
  const ref: Census | undefined = a.source === 'deployed' ? a.deployedAtStop : a.embeddedAtStop;
  const now = await step(
    d,
    'census of the deployed etcd',
    () => d.etcd.census('deployed'),
    (c) => `${c.total} keys at revision ${c.revision}`,
  );
  if (ref) {
    const diff = diffCensus(ref, now, s.volatilePrefixes);
    r.diff = diff;
    r.keysBefore = ref.total;
    r.keysAfter = now.total;
    if (!diff.ok) {
      await d.store.update((st) => abortFailed(st, `groups lost keys: ${diff.lost.map((x) => x.group).join(', ')}`));
      throw new PhaseStop(
        'failed',
        `the deployed etcd now has fewer keys than the ${a.source} etcd had at the stop in ${diff.lost.map((x) => `${x.group} (${x.before} → ${x.after})`).join(', ')}`,
        `the snapshot of the embedded etcd taken at the stop holds every key; find what removed them (the control plane's log), then run abort again: it equalizes again`,
      );
    }
  }
  const view = await d.kube.observe(s.namespace, s.release);
  const leftover = (view.embeddedPvcs ?? []).map((p) => p.name);
  await step(
    d,
    'record the abort',
    () =>
      d.store.update(
        (st) => abortFinished({ ...st, abort: { ...st.abort!, deployedAfter: now } }, leftover, new Date()),
        'aborted',
      ),
    () => 'state aborted; the phase-one record stays in the history',
  );
  const done = d.store.state.abort!;
  showFinished(d, done);
  r.headline =
    done.source === 'deployed'
      ? `Release ${s.release} runs on its deployed etcd again, which held the truth (phase one was not verified); revision ${done.equalize?.revisionAfter} is above every one the embedded etcd handed out.`
      : `Release ${s.release} runs on its deployed etcd again with the embedded etcd's ${ref?.total ?? '?'} keys; revision ${done.equalize?.revisionAfter} is above every one the embedded etcd handed out, and old watches must relist.`;
  r.next = nextAfterAbort(d, done);
}

/** A finished abort in the report: the case, what was done and left, the snapshot. */
function showFinished(d: Deps, a: AbortRecord): void {
  const s = d.settings;
  d.report.wayBack = { title: 'The way back', lines: [...caseLines(a), ...abortPlanLines(a, s.release, s.namespace)] };
  showRecordedSnapshot(d, a);
}

function caseLines(a: AbortRecord): string[] {
  return [
    a.case === 'verified'
      ? 'Case: phase one was verified, so the embedded etcd held the truth.'
      : 'Case: phase one was never verified.',
    a.source ? `Kept: the ${a.source} etcd. ${a.why}` : `Not yet decided: ${a.why}`,
  ];
}

function nextAfterAbort(d: Deps, a: AbortRecord): string {
  const s = d.settings;
  const pvcs = a.leftoverPvcs ?? [];
  return pvcs.length > 0
    ? `PVC ${pvcs.join(', ')} still holds the old embedded etcd (the abort's snapshot has it too); migrate refuses while it exists: delete it with kubectl -n ${s.namespace} delete pvc ${pvcs.join(' ')} (or run migrate with delete-stale-embedded-pvc: true) when you migrate again`
    : 'nothing; run plan and migrate when you want to migrate again';
}
