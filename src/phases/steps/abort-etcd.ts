// abort's work on the two etcds: the reader pod that serves the embedded etcd from its PVC while the
// control plane is stopped, the census and snapshot at the stop, the comparison that decides which
// etcd holds the truth when phase one was not verified, and the deployed etcd made equal to it.
import type { PhaseDeps } from './deps.ts';
import { skipped, step } from './deps.ts';
import { PhaseStop } from './outcome.ts';
import { recordAbortSource, recordAbortStep } from './record.ts';
import { objectNames, type ClusterView } from '../../core/migration/cluster-view.ts';
import { decideAbort, describeDiscard } from '../../core/migration/abort.ts';
import { readerPodManifest, readerPodName } from '../../core/migration/abort-reader.ts';
import { abortStepIsDone, type EqualizeRecord } from '../../core/migration/abort-record.ts';
import { abortCaseLines, forwardAgain } from '../../core/migration/abort-plan.ts';
import type { EtcdOps } from '../../adapters/etcd/ops.ts';
import type { Census } from '../../core/migration/census.ts';
import { sourceCensus } from '../../core/migration/keyspace-comparison.ts';
import { equalizeWay } from '../../core/migration/equalize-way.ts';
import type { KeyspaceProgress } from '../../adapters/etcd/equalize.ts';
import type { SinceOptions } from '../../adapters/etcd/equalize-since.ts';
import { statSync } from 'node:fs';

/** How often equalize's progress reaches the log. */
const PROGRESS_EVERY_MS = 5000;

/** The etcd operations with the embedded etcd served by the reader pod. */
const reader = (deps: PhaseDeps): EtcdOps => deps.etcd.withEmbeddedPod(readerPodName(deps.settings.release));

/** The reader pod on the embedded etcd's PVC, Ready (one a killed run left is used when it serves). */
export async function startReader(deps: PhaseDeps): Promise<void> {
  const { settings, kube } = deps;
  const objects = objectNames(settings.release);
  const pod = readerPodName(settings.release);
  await step(
    deps,
    'start the reader pod',
    async () => {
      const found = await kube.deployedEtcdImage();
      if (!found) {
        throw new Error(
          `StatefulSet ${objects.etcdSts} has no container etcd to take the image from; the reader pod runs the deployed etcd's image`,
        );
      }
      const existing = await kube.pod(pod);
      if (existing && (existing.deleting || existing.phase === 'Failed' || existing.phase === 'Succeeded')) {
        await kube.deletePod(pod, settings.timeoutMs);
      }
      const how = await kube.createPod(
        readerPodManifest({
          release: settings.release,
          namespace: settings.namespace,
          runId: deps.runId,
          image: found.image,
          imagePullSecrets: found.pullSecrets,
        }),
      );
      await kube.waitPodReady(pod, settings.timeoutMs);
      return how;
    },
    (how) =>
      `pod ${pod} ${how === 'created' ? 'created' : 'left by an earlier run'}, Ready, on PVC ${objects.embeddedPvc}`,
  );
}

export async function removeReader(deps: PhaseDeps): Promise<void> {
  await deps.kube.deletePod(readerPodName(deps.settings.release), deps.settings.timeoutMs);
}

/**
 * A verified snapshot of the embedded etcd (the way forward again) and, unless the embedded etcd is
 * already known to be the truth, both etcds counted at the stop. When it is (phase one verified), the
 * equalize's walk reads every key of both at the stop anyway: the census of the embedded etcd is taken
 * from that walk, key by key, instead of a second read of both keyspaces.
 */
export async function snapshotEmbedded(deps: PhaseDeps): Promise<void> {
  const { settings, report } = deps;
  const name = 'census and snapshot of the embedded etcd';
  const done = deps.store.state.abort!;
  if (abortStepIsDone(done, name)) {
    skipped(deps, name, 'done by an earlier run');
    if (done.snapshot) report.restore = forwardAgain(settings.release, done.snapshot.file);
    return;
  }
  if (done.source === 'embedded') {
    await step(
      deps,
      name,
      async () => {
        const { record: snapshot } = await reader(deps).backup(deps.backupDir, 'embedded');
        report.backup = snapshot;
        report.restore = forwardAgain(settings.release, snapshot.file);
        await recordAbortStep(deps, name, { snapshot });
        return snapshot;
      },
      (x) =>
        `snapshot ${x.bytes} bytes, ${x.keys} keys at revision ${x.revision}, verified; both etcds are counted, key by key, by the equalize's walk at that revision`,
    );
    return;
  }
  await step(
    deps,
    name,
    async () => {
      const embedded = reader(deps);
      // Nothing writes to either etcd now: the three reads agree however they interleave.
      const [embeddedAtStop, deployedAtStop, { record: snapshot }] = await Promise.all([
        embedded.census('embedded'),
        deps.etcd.census('deployed'),
        embedded.backup(deps.backupDir, 'embedded'),
      ]);
      report.backup = snapshot;
      report.restore = forwardAgain(settings.release, snapshot.file);
      await recordAbortStep(deps, name, { embeddedAtStop, deployedAtStop, snapshot });
      return { embeddedAtStop, deployedAtStop, snapshot };
    },
    (x) =>
      `embedded ${x.embeddedAtStop.total} keys at revision ${x.embeddedAtStop.revision}, deployed ${x.deployedAtStop.total} keys at revision ${x.deployedAtStop.revision}; snapshot ${x.snapshot.bytes} bytes, ${x.snapshot.keys} keys, verified`,
  );
}

/** Phase one not verified: which etcd holds the truth, from both keyspaces compared key by key. */
export async function compareAndDecide(deps: PhaseDeps, view: ClusterView): Promise<void> {
  const { settings, report } = deps;
  const verdict = await step(
    deps,
    'compare both etcds',
    async () => {
      const comparison = await reader(deps).compare(deps.store.state.abort!.embeddedAtStop?.revision);
      return decideAbort(deps.store.state, view, comparison, {
        abortSource: settings.abortSource,
        volatilePrefixes: settings.volatilePrefixes,
      });
    },
    (v) => (v.kind === 'abort' ? `keep the ${v.keep} etcd: ${v.why}` : v.kind === 'refuse' ? 'refused' : v.why),
  );
  if (verdict.kind === 'refuse') {
    throw new PhaseStop(
      'refused',
      `${verdict.which}: ${verdict.why}`,
      `${verdict.remedy}. The control plane stays stopped (StatefulSet ${settings.release} at 0 replicas) so that neither etcd changes while you choose; run abort again with abort-source set`,
    );
  }
  if (verdict.kind !== 'abort') throw new Error(`the comparison did not decide the abort: ${verdict.why}`);
  const a = await recordAbortSource(deps, verdict.keep, verdict.why);
  report.wayBack = { title: 'The way back', lines: abortCaseLines(a) };
  if (verdict.discard) {
    const lost = `Thrown away on request (abort-source: ${verdict.keep}): ${describeDiscard(verdict.discard)}`;
    report.warnings.push(lost);
    report.wayBack.lines.push(lost);
  }
}

/** The deployed etcd made to hold the truth, its revision above the embedded etcd's, history compacted. */
export async function equalizeDeployed(deps: PhaseDeps, view: ClusterView): Promise<void> {
  const name = 'equalize the deployed etcd';
  const a = deps.store.state.abort!;
  if (abortStepIsDone(a, name)) return skipped(deps, name, 'done by an earlier run');
  // Nothing writes to the embedded etcd since the stop: the snapshot's revision is the stop's.
  const at = a.embeddedAtStop?.revision ?? a.snapshot!.revision;
  await step(
    deps,
    name,
    async () => {
      if (a.source === 'deployed') {
        const result = await bumpOnly(deps, at);
        await recordAbortStep(deps, name, { equalize: result });
        return result;
      }
      const { result, embeddedAtStop } = await equalize(deps, view, at);
      await recordAbortStep(deps, name, { equalize: result, embeddedAtStop: a.embeddedAtStop ?? embeddedAtStop });
      return result;
    },
    (x) =>
      a.source === 'deployed'
        ? `kept as it is; revision ${x.revisionBefore} → ${x.revisionAfter} (above the embedded etcd's ${x.sourceRevision}), history compacted`
        : `${equalizeHow(x)}${x.put} keys written, ${x.deleted} deleted, ${x.unchanged} already equal; revision ${x.revisionBefore} → ${x.revisionAfter} (above the embedded etcd's ${x.sourceRevision}), history compacted`,
  );
}

async function bumpOnly(deps: PhaseDeps, at: number): Promise<EqualizeRecord> {
  const bump = await deps.etcd.bumpRevision(at);
  const unchanged = deps.store.state.abort!.deployedAtStop?.total ?? 0;
  return { sourceRevision: at, deleted: 0, put: 0, unchanged, revisionBefore: bump.before, revisionAfter: bump.after };
}

/** The equalize, and the census of the embedded etcd at `at`: only the changes since the proof when it still holds. */
async function equalize(
  deps: PhaseDeps,
  view: ClusterView,
  at: number,
): Promise<{ result: EqualizeRecord; embeddedAtStop: Census }> {
  let last = 0;
  const onProgress = (p: KeyspaceProgress) => {
    if (Date.now() - last < PROGRESS_EVERY_MS) return;
    last = Date.now();
    deps.log.info(`equalize: ${p.compared} keys compared, ${p.written} written, ${p.deleted} deleted`);
  };
  const since = sinceProof(deps, view, at);
  let whyKeyByKey = typeof since === 'string' ? since : '';
  if (typeof since !== 'string') {
    const x = await reader(deps).equalizeSince(since, onProgress);
    if (x.kind === 'equalized') {
      const embeddedAtStop = { ...x.source, store: 'embedded' as const, path: 'port-forward' as const, takenAt: now() };
      const result: EqualizeRecord = {
        sourceRevision: at,
        deleted: x.deleted,
        put: x.written,
        unchanged: Math.max(0, x.source.total - x.written),
        revisionBefore: x.before,
        revisionAfter: x.after,
        how: 'changes-since-proof',
        replayed: x.replayed,
      };
      return { result, embeddedAtStop };
    }
    whyKeyByKey = x.why;
  }
  deps.log.info(`equalize: both keyspaces are read key by key: ${whyKeyByKey}`);
  const x = await reader(deps).equalize(at, onProgress);
  const unchanged = x.comparison.groups.reduce((n, g) => n + g.same, 0);
  const result: EqualizeRecord = {
    sourceRevision: at,
    deleted: x.deleted,
    put: x.written,
    unchanged,
    revisionBefore: x.before,
    revisionAfter: x.after,
    how: 'key-by-key',
    whyKeyByKey,
  };
  const embeddedAtStop = sourceCensus(x.comparison, { store: 'embedded', path: 'port-forward', takenAt: now() });
  return { result, embeddedAtStop };
}

const now = () => new Date().toISOString();

/** How the step went, for its line in the summary. */
function equalizeHow(x: EqualizeRecord): string {
  if (x.how === 'changes-since-proof') return `${x.replayed} changes since phase one's content proof replayed: `;
  return x.whyKeyByKey ? `compared key by key (${x.whyKeyByKey}): ` : '';
}

/** What the changes-since-proof equalize needs, or why it cannot be used. */
function sinceProof(deps: PhaseDeps, view: ClusterView, at: number): Omit<SinceOptions, 'onProgress'> | string {
  const way = equalizeWay(deps.store.state, view, deps.report.backup);
  if (way.way === 'key-by-key') return way.why;
  const size = statSync(way.snapshot.file, { throwIfNoEntry: false })?.size;
  if (size !== way.snapshot.bytes) return `the snapshot ${way.snapshot.file} is not on this runner as it was written`;
  return { revision: at, snapshot: way.snapshot.file, baseline: way.baseline };
}
