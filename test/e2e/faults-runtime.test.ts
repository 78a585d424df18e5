// Faults while a migration runs: the kube-apiserver restarted during the log wait and during a
// census, the control-plane container restarted after logging success, the action killed while
// `helm upgrade --wait` runs, and two migrate runs at once. Each ends verified, or stopped with the
// state record (ConfigMap <release>-etcd-migration) saying what the next run does, and the next
// run finishing the job. The built action runs on the local cluster with the least-RBAC token.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NODE_NAME } from '../../sandbox/cluster.ts';
import { SUCCESS_LINE, type StandInFaults } from '../../sandbox/vcluster-standin.ts';
import { LOCK_STALE_MS, type StateRecord } from '../../src/core/migration/state.ts';
import { recordScenario } from '../support/reliability.ts';
import { assertNoSecretLeak } from '../support/secret-scan.ts';
import {
  errorLine,
  explain,
  inputsFor,
  lostGroups,
  runAction,
  secretsOf,
  secs,
  untilLocksStale,
  useSharedCluster,
  type ActionResult,
  type DemoVCluster,
} from './harness.ts';
import { releaseDrift } from './release-objects.ts';

const env = useSharedCluster();
const GROUP = 'Faults';

async function state(d: DemoVCluster): Promise<StateRecord | undefined> {
  try {
    const cm = await env().core.readNamespacedConfigMap({
      name: `${d.release}-etcd-migration`,
      namespace: d.namespace,
    });
    return JSON.parse(cm.data?.['state.json'] ?? 'null') as StateRecord;
  } catch (e) {
    if ((e as { code?: number }).code === 404) return undefined;
    throw e;
  }
}

async function helmHistory(d: DemoVCluster): Promise<Array<{ revision: number; status: string; description: string }>> {
  return JSON.parse(await d.helm(['history', d.release, '-n', d.namespace, '-o', 'json'])) as Array<{
    revision: number;
    status: string;
    description: string;
  }>;
}

/** A run plus a promise that resolves once its stdout matches `re` (rejects if the run ends first). */
function runWatching(
  inputs: Record<string, string>,
  re: RegExp,
  extraEnv: Record<string, string> = {},
): { done: Promise<ActionResult>; seen: Promise<void> } {
  let out = '';
  let hit: () => void = () => {};
  const seen = new Promise<void>((res) => {
    hit = res;
  });
  const done = runAction(inputs, {
    env: extraEnv,
    onStdout: (c) => {
      out += c;
      if (re.test(out)) hit();
    },
  });
  return {
    done,
    seen: Promise.race([
      seen,
      done.then((r) => {
        throw new Error(`the run ended before its log showed ${re}:\n${explain(r)}`);
      }),
    ]),
  };
}

const firstLine = (s: string) => s.split('\n')[0]!.slice(0, 400);

/** A demo vCluster in namespace e2e-f-<release>, the secrets no run may show, and its deployed etcd's counts before any run. */
async function faultDemo(release: string, faults?: StandInFaults) {
  const d = await env().demo({ namespace: `e2e-f-${release}`, release, faults });
  return { d, secrets: secretsOf(d), deployed: await d.standIn.keyCounts('deployed') };
}

/** Runs `fn` with the kwok node cordoned (a pod that restarts stays Pending), uncordoned after. */
async function whileCordoned<T>(fn: () => Promise<T>): Promise<T> {
  await setCordoned(true);
  try {
    return await fn();
  } finally {
    await setCordoned(false);
  }
}

/**
 * SIGKILL a run once helm is in its --wait: it has stored the new revision (history shows
 * pending-upgrade) and deleted what the revision before had and this one has not (`gone`; deletes
 * are the last step of helm's apply). The test keeps the wait from ending (a pod that cannot start),
 * so the kill lands in it however busy the machine is.
 */
function killInWait(d: DemoVCluster, gone: () => Promise<boolean>) {
  return {
    stdout: /helm upgrade \S+ to chart .* --wait up to/,
    until: async () => (await helmHistory(d)).at(-1)?.status === 'pending-upgrade' && (await gone()),
  };
}

const absent = (p: Promise<unknown>) =>
  p.then(
    () => false,
    (e: { code?: number }) => {
      if (e.code === 404) return true;
      throw e;
    },
  );

/** Cordons or uncordons the one kwok node (read, modify, replace; retried on a conflict with kwok's heartbeats). */
async function setCordoned(unschedulable: boolean): Promise<void> {
  for (let i = 0; ; i++) {
    const node = await env().core.readNode({ name: NODE_NAME });
    node.spec = { ...node.spec, unschedulable };
    try {
      await env().core.replaceNode({ name: NODE_NAME, body: node });
      return;
    } catch (e) {
      if ((e as { code?: number }).code !== 409 || i >= 10) throw e;
    }
  }
}

describe('faults while a migration runs', () => {
  it('two migrate runs at once: exactly one proceeds, the other is refused naming the lock holder', async () => {
    const { d, secrets, deployed } = await faultDemo('twice', { copyDelayMs: 8000 });
    const revBefore = Math.max(...(await helmHistory(d)).map((h) => h.revision));
    const ids = ['910000001', '910000002'];
    const [a, b] = await Promise.all(
      ids.map((id) => runAction(inputsFor(d, 'migrate'), { env: { GITHUB_RUN_ID: id } })),
    );
    for (const r of [a!, b!]) assertNoSecretLeak(r, secrets);
    const winner = a!.code === 0 ? a! : b!;
    const loser = winner === a! ? b! : a!;
    const winnerId = winner === a! ? ids[0]! : ids[1]!;
    expect(winner.code, explain(winner)).toBe(0);
    expect(winner.outputs.status, explain(winner)).toBe('succeeded');
    expect(loser.code, explain(loser)).not.toBe(0);
    expect(loser.outputs.status, explain(loser)).toBe('refused');
    expect(errorLine(loser), explain(loser)).toContain(`another run (${winnerId}`);
    expect(errorLine(loser)).toMatch(/holds the migration lock/);
    // Nothing done twice: one helm revision, one phase-one start, one census pair in the record.
    const history = await helmHistory(d);
    expect(Math.max(...history.map((h) => h.revision))).toBe(revBefore + 1);
    const st = (await state(d))!;
    // The lock holder is <run id>-<attempt>-<job>.
    expect(st.history.filter((h) => h.event === 'phase one started').map((h) => h.runId.split('-')[0])).toEqual([
      winnerId,
    ]);
    // The lock holder is <run id>-<attempt>-<job>.
    expect(st.history.filter((h) => h.event.startsWith('lock taken')).map((h) => h.runId.split('-')[0])).toEqual([
      winnerId,
    ]);
    expect(st.phase1?.status).toBe('verified');
    expect(st.lock).toBeUndefined();
    expect(await lostGroups(d, deployed)).toEqual([]);
    recordScenario({
      group: GROUP,
      scenario: 'two migrate runs at once',
      done: 'two migrate runs (different run ids) started together on one release',
      action: `one succeeded (verified in ${secs(winner.ms)}); the other was refused in ${secs(loser.ms)}, exit 1, before any change: "${firstLine(errorLine(loser))}"; one helm revision, one phase-one start in the state record`,
      dataLost: 'none (embedded etcd key counts equal the deployed etcd, read directly)',
    });
  });

  it('control-plane container restarted after logging success: the line is found in the previous log', async () => {
    const { d, secrets, deployed } = await faultDemo('podrestart', { restartAfterSuccess: true });
    const r = await runAction(inputsFor(d, 'migrate'));
    assertNoSecretLeak(r, secrets);
    expect(r.code, explain(r)).toBe(0);
    expect(r.outputs.status, explain(r)).toBe('succeeded');
    expect(r.outputs['log-line']).toContain(SUCCESS_LINE);
    expect(r.summary, 'the report says where the line was found').toContain('previous container');
    // The restart really happened: same pod, restart count 1, and the current log lacks the line.
    expect(d.standIn.history.some((l) => l.includes('container restarted after the success line'))).toBe(true);
    const pod = await env().core.readNamespacedPod({ name: `${d.release}-0`, namespace: d.namespace });
    expect(pod.status?.containerStatuses?.[0]?.restartCount).toBe(1);
    expect(readFileSync(d.standIn.logFiles().current, 'utf8')).not.toContain(SUCCESS_LINE);
    expect(readFileSync(d.standIn.logFiles().previous, 'utf8')).toContain(SUCCESS_LINE);
    expect((await state(d))?.phase1?.status).toBe('verified');
    expect(await lostGroups(d, deployed)).toEqual([]);
    recordScenario({
      group: GROUP,
      scenario: 'control-plane container restarted after the success line',
      done: 'stand-in restarts container syncer of <release>-0 right after it logs the success line (same pod, restart count 1; the line is only in the previous log)',
      action: `succeeded in ${secs(r.ms)}: read the previous container's log, found the line, key counts equal, phase one verified`,
      dataLost: 'none (embedded etcd key counts equal the deployed etcd, read directly)',
    });
  });

  it('action killed during helm upgrade --wait: the next run is refused until the lock is stale, then finishes', async () => {
    const { d, secrets, deployed } = await faultDemo('kill');
    // helm's wait must still be running when the kill lands, however fast the machine: the control
    // plane asks for 50Gi, which no PersistentVolume has yet, so its pod cannot start. SIGKILL to the
    // action's process group (helm too, as a cancelled job's runner does) once helm has stored the new
    // revision, deleted the old control-plane Deployment (the end of its apply) and is waiting.
    const inputs = inputsFor(d, 'migrate', { 'storage-size': '50Gi' });
    const k = await runAction(inputs, {
      killWhen: killInWait(d, () =>
        absent(env().apps.readNamespacedDeployment({ name: d.release, namespace: d.namespace })),
      ),
    });
    expect(k.killed, explain(k)).toBe(true);
    const hist = await helmHistory(d);
    const last = hist.at(-1)!;
    expect(last.status, JSON.stringify(hist)).toBe('pending-upgrade');
    const afterKill = (await state(d))!;
    expect(afterKill.phase1?.status, JSON.stringify(afterKill)).toBe('started');
    expect(afterKill.lock?.runId).toBeDefined();

    // At once: the dead run's lock is still fresh.
    const early = await runAction(inputs);
    assertNoSecretLeak(early, secrets);
    expect(early.code, explain(early)).not.toBe(0);
    expect(early.outputs.status, explain(early)).toBe('refused');
    expect(errorLine(early), explain(early)).toContain(`another run (${afterKill.lock!.runId}`);
    expect(errorLine(early)).toMatch(/run again after 90 seconds/);
    expect((await state(d))?.phase1?.status).toBe('started');

    // A volume that fits appears; after LOCK_STALE_MS without renewal the next run takes the lock
    // over and finishes phase one.
    await env().cluster.addPersistentVolumes(['50Gi']);
    await untilLocksStale([afterKill.lock!.renewedAt]);
    const again = await runAction(inputs);
    assertNoSecretLeak(again, secrets);
    expect(again.code, explain(again)).toBe(0);
    expect(again.outputs.status, explain(again)).toBe('succeeded');
    // It recorded the interrupted revision as failed and upgraded again from the last deployed one, then verified.
    expect(again.stdout, explain(again)).toContain(`Revision ${last.revision} of ${d.release} is pending-upgrade`);
    const st = (await state(d))!;
    expect(st.phase1?.status).toBe('verified');
    expect(
      st.history.some((h) => h.event.startsWith(`lock taken over from run ${afterKill.lock!.runId}`)),
      JSON.stringify(st.history),
    ).toBe(true);
    expect(st.lock).toBeUndefined();
    // Helm is left deployed (not pending-upgrade), so finalize's upgrade can run.
    const final = await helmHistory(d);
    expect(final.at(-1)!.status, JSON.stringify(final)).toBe('deployed');
    // Exactly the phase-one revision's objects: no control-plane Deployment beside the new StatefulSet.
    expect(await releaseDrift(env(), d)).toEqual([]);
    expect(await lostGroups(d, deployed)).toEqual([]);
    recordScenario({
      group: GROUP,
      scenario: 'action killed during helm upgrade --wait',
      done: `SIGKILL to the action and helm while phase one's helm upgrade --wait waited for a 50Gi volume, its apply done (helm left revision ${last.revision} ${last.status}; record: phase one started, lock held); migrate at once; a 50Gi volume appeared; migrate again once the lock was stale (${LOCK_STALE_MS / 1000} s)`,
      action: `at once: refused, exit 1, "${firstLine(errorLine(early))}"; after ${LOCK_STALE_MS / 1000} s: took the lock over, recorded revision ${last.revision} as failed and upgraded again from the last deployed revision (revision ${final.at(-1)!.revision} deployed), found the line, key counts equal: succeeded in ${secs(again.ms)}`,
      dataLost: 'none (embedded etcd key counts equal the deployed etcd, read directly)',
    });
  });

  it("action killed during finalize's helm upgrade --wait: the next finalize applies that revision again and verifies", async () => {
    const { d, secrets, deployed } = await faultDemo('killfin');
    const m = await runAction(inputsFor(d, 'migrate'));
    expect(m.code, explain(m)).toBe(0);
    // Phase two restarts <release>-0 (its config hash changes). With the node cordoned the new pod
    // cannot be scheduled, so helm is provably still waiting when the kill lands; the kill waits for
    // the deletes (the end of helm's apply), so it lands in the wait, not in the apply (that case,
    // and the others, are in faults-kill.test.ts).
    const [k, hist] = await whileCordoned(async () => {
      const run = await runAction(inputsFor(d, 'finalize'), {
        killWhen: killInWait(
          d,
          async () =>
            (await absent(
              env().apps.readNamespacedStatefulSet({ name: `${d.release}-etcd`, namespace: d.namespace }),
            )) &&
            (await absent(
              env().core.readNamespacedService({ name: `${d.release}-etcd-headless`, namespace: d.namespace }),
            )) &&
            (await absent(env().core.readNamespacedService({ name: `${d.release}-etcd`, namespace: d.namespace }))),
        ),
      });
      return [run, await helmHistory(d)] as const;
    });
    expect(k.killed, explain(k)).toBe(true);
    const last = hist.at(-1)!;
    expect(last.status, JSON.stringify(hist)).toBe('pending-upgrade');
    const afterKill = (await state(d))!;
    expect(afterKill.phase2?.status, JSON.stringify(afterKill)).toBe('started');
    expect(afterKill.lock?.runId).toBeDefined();

    await untilLocksStale([afterKill.lock!.renewedAt]);
    const again = await runAction(inputsFor(d, 'finalize'));
    assertNoSecretLeak(again, secrets);
    expect(again.code, explain(again)).toBe(0);
    expect(again.outputs.status, explain(again)).toBe('succeeded');
    expect(again.stdout, explain(again)).toContain(`Revision ${last.revision} of ${d.release} is pending-upgrade`);
    const st = (await state(d))!;
    expect(st.phase2?.status).toBe('verified');
    expect(st.lock).toBeUndefined();
    const final = await helmHistory(d);
    expect(final.at(-1)!.status, JSON.stringify(final)).toBe('deployed');
    const stsGone = await env()
      .apps.readNamespacedStatefulSet({ name: `${d.release}-etcd`, namespace: d.namespace })
      .then(
        () => false,
        () => true,
      );
    expect(stsGone).toBe(true);
    expect(await releaseDrift(env(), d)).toEqual([]);
    expect(await lostGroups(d, deployed)).toEqual([]);
    recordScenario({
      group: GROUP,
      scenario: "action killed during finalize's helm upgrade --wait",
      done: `node cordoned so the restarted control-plane pod stays Pending; SIGKILL to the action and helm while phase two's helm upgrade --wait waited, its apply done (helm left revision ${last.revision} ${last.status}; record: phase two started, lock held); node uncordoned; finalize again once the lock was stale (${LOCK_STALE_MS / 1000} s)`,
      action: `took the lock over, recorded revision ${last.revision} as failed and upgraded again from the last deployed revision (revision ${final.at(-1)!.revision} deployed), verified StatefulSet ${d.release}-etcd and its Services gone: succeeded in ${secs(again.ms)}`,
      dataLost: 'none (embedded etcd key counts equal the deployed etcd before the migration, read directly)',
    });
  });

  it("phase two's helm upgrade cannot finish (restarted pod unschedulable): fails naming the pod and why; the next finalize verifies", async () => {
    const { d, secrets, deployed } = await faultDemo('p2wait');
    const m = await runAction(inputsFor(d, 'migrate'));
    expect(m.code, explain(m)).toBe(0);
    const r = await whileCordoned(() => runAction(inputsFor(d, 'finalize', { timeout: '30s' })));
    assertNoSecretLeak(r, secrets);
    expect(r.code, explain(r)).not.toBe(0);
    expect(r.outputs.status, explain(r)).toBe('failed');
    const shown = `${errorLine(r)}\n${r.summary}`;
    expect(errorLine(r), explain(r)).toContain(`pod ${d.release}-0 is not Ready`);
    // Why: the scheduler's event on the pod.
    expect(shown, explain(r)).toMatch(/FailedScheduling|unschedulable/i);
    // Only the waiting pod's own events: the pods it replaced (same name) were scheduled.
    expect(shown, explain(r)).not.toMatch(/Successfully assigned/);
    // The evidence is in the job log too, not only in the summary.
    expect(r.stdout, explain(r)).toMatch(new RegExp(`^pod ${d.release}-0: Pending`, 'm'));
    const st = (await state(d))!;
    expect(st.phase2?.status, JSON.stringify(st.phase2)).toBe('failed');
    expect(st.phase2?.failure).toContain(`${d.release}-0`);
    expect(st.lock).toBeUndefined();

    const again = await runAction(inputsFor(d, 'finalize'));
    assertNoSecretLeak(again, secrets);
    expect(again.code, explain(again)).toBe(0);
    expect(again.outputs.status, explain(again)).toBe('succeeded');
    // helm ended that upgrade as failed (its --wait timed out): upgraded again, not only waited for.
    expect(again.summary).toMatch(/Resumed: the phase-two helm upgrade \(revision \d+\) failed/);
    expect((await state(d))?.phase2?.status).toBe('verified');
    const final = await helmHistory(d);
    expect(final.at(-1)!.status, JSON.stringify(final)).toBe('deployed');
    expect(await lostGroups(d, deployed)).toEqual([]);
    recordScenario({
      group: GROUP,
      scenario: "phase two's helm upgrade cannot finish",
      done: 'node cordoned, so the control-plane pod that phase two restarts stays Pending; finalize with timeout 30s; node uncordoned; finalize again',
      action: `failed in ${secs(r.ms)}, exit 1: "${firstLine(errorLine(r)).slice(0, 200)}"; state phase2 failed, lock released, helm recorded the revision failed; the next finalize upgraded again from the last deployed revision and verified in ${secs(again.ms)}`,
      dataLost: 'none (embedded etcd key counts equal the deployed etcd before the migration, read directly)',
    });
  });

  it('control-plane pod replaced after logging success: migrate says the line is lost within seconds; with accept-lost-log-line equal key counts verify phase one', async () => {
    const { d, secrets, deployed } = await faultDemo('replaced', { copyDelayMs: 20_000, replacePodAfterSuccess: true });
    // The first run gives up before the copy ends (a runner cancelled or timed out); meanwhile the
    // pod logs the line and is deleted, and its replacement starts on the migrated data.
    const first = await runAction(inputsFor(d, 'migrate', { 'migration-timeout': '10s' }));
    expect(first.outputs.status, explain(first)).toBe('failed');
    await d.standIn.waitForHistory((h) => h.some((l) => l.includes('embedded etcd started on migrated data')), 90_000);

    const lost = await runAction(inputsFor(d, 'migrate', { 'migration-timeout': '5m' }));
    assertNoSecretLeak(lost, secrets);
    expect(lost.code, explain(lost)).not.toBe(0);
    expect(lost.outputs.status, explain(lost)).toBe('failed');
    const copyPod = (await state(d))!.phase1?.upgradedPodUid;
    expect(copyPod, 'the record names the pod helm waited for').toBeDefined();
    expect(errorLine(lost), explain(lost)).toMatch(
      new RegExp(
        `pod ${d.release}-0 \\(uid [0-9a-f-]+, created .*\\) is not the pod the phase-one upgrade ended with \\(uid ${copyPod}\\)`,
      ),
    );
    expect(errorLine(lost)).toContain('The key counts of both etcds are equal');
    expect(errorLine(lost)).toContain('accept-lost-log-line: true');
    expect(lost.stdout).toContain(`pod ${d.release}-0 was replaced since the upgrade (uid `);
    expect(lost.ms, 'says so soon after the replacement is Ready, not after migration-timeout').toBeLessThan(90_000);
    let st = (await state(d))!;
    expect(st.phase1?.status).toBe('failed');
    expect(st.lock).toBeUndefined();
    const replacement = (await env().core.readNamespacedPod({ name: `${d.release}-0`, namespace: d.namespace }))
      .metadata?.uid;
    expect(st.phase1?.lostLinePodUid, 'the record names the replacement found without the line').toBe(replacement);
    const refused = await runAction(inputsFor(d, 'finalize'));
    expect(refused.outputs.status, explain(refused)).toBe('refused');

    const accepted = await runAction(inputsFor(d, 'migrate', { 'accept-lost-log-line': 'true' }));
    assertNoSecretLeak(accepted, secrets);
    expect(accepted.code, explain(accepted)).toBe(0);
    expect(accepted.outputs.status, explain(accepted)).toBe('succeeded');
    expect(accepted.outputs['log-line']).toBe('');
    expect(accepted.stdout, 'no second grace for the replacement the last run already found').toContain(
      `pod ${d.release}-0 (uid ${replacement}) is the replacement the last run already found Ready without the line; no second grace`,
    );
    expect(accepted.stdout).not.toContain('to log a copy of its own');
    expect(accepted.summary).toContain('**The success log line was not read: the pod that ran the copy was replaced');
    st = (await state(d))!;
    expect(st.phase1?.status).toBe('verified');
    expect(st.phase1?.lostLogLine).toContain('was replaced');
    expect(st.phase1?.diff?.ok).toBe(true);
    expect(await lostGroups(d, deployed)).toEqual([]);
    const fin = await runAction(inputsFor(d, 'finalize'));
    expect(fin.outputs.status, explain(fin)).toBe('succeeded');
    expect(fin.summary, 'the finalize report carries the same bold note').toContain(
      '**The success log line was not read',
    );
    recordScenario({
      group: GROUP,
      scenario: 'control-plane pod replaced after the success line',
      done: "stand-in deletes pod <release>-0 right after it logs the success line (copy takes 20 s; the first migrate gave up after 10 s); the StatefulSet's new pod starts on the migrated data without the line; migrate; migrate with accept-lost-log-line: true; finalize",
      action: `migrate failed in ${secs(lost.ms)} (not after migration-timeout 5m): "${firstLine(errorLine(lost)).slice(0, 220)}…"; with accept-lost-log-line: equal key counts verified phase one in ${secs(accepted.ms)}, said in bold; finalize succeeded`,
      dataLost: 'none (embedded etcd key counts equal the deployed etcd, read directly)',
    });
  });

  it('kube-apiserver restarted during the log wait: phase one still ends verified', async () => {
    const { d, secrets, deployed } = await faultDemo('apiwait', { copyDelayMs: 25_000 });
    const run = runWatching(
      inputsFor(d, 'migrate', { 'migration-timeout': '3m' }),
      /::group::wait for the success log line/,
    );
    await run.seen;
    await d.standIn.waitForHistory((h) => h.some((l) => l.includes('copy takes')), 60_000);
    const t0 = Date.now();
    await env().cluster.restartApiServer(6000);
    const outage = Date.now() - t0;
    const r = await run.done;
    assertNoSecretLeak(r, secrets);
    let how = `succeeded in ${secs(r.ms)} without a second run`;
    let final = r;
    if (r.code !== 0) {
      // Allowed: a clear failure that says what happened, and a next run that resumes and verifies.
      expect(r.outputs.status, explain(r)).toBe('failed');
      expect(errorLine(r), explain(r)).toMatch(/API server|apiserver|ECONNREFUSED|connect/i);
      const st = await state(d);
      expect(st?.phase1?.status, JSON.stringify(st)).not.toBe('verified');
      final = await runAction(inputsFor(d, 'migrate', { 'migration-timeout': '3m' }));
      if (final.code !== 0) console.log(`first run:\n${explain(r)}`);
      assertNoSecretLeak(final, secrets);
      how = `failed in ${secs(r.ms)} ("${firstLine(errorLine(r))}"); the next migrate resumed at the log wait and succeeded in ${secs(final.ms)}`;
    }
    expect(final.code, explain(final)).toBe(0);
    expect(final.outputs.status, explain(final)).toBe('succeeded');
    expect(final.outputs['log-line']).toContain(SUCCESS_LINE);
    expect((await state(d))?.phase1?.status).toBe('verified');
    expect(await lostGroups(d, deployed)).toEqual([]);
    recordScenario({
      group: GROUP,
      scenario: 'kube-apiserver restarted during the log wait',
      done: `kube-apiserver stopped for 6 s and started again, then the controller manager, scheduler and kwok (${secs(outage)} until all were ready) while migrate waited for the success line (copy takes 25 s)`,
      action: how,
      dataLost: 'none (embedded etcd key counts equal the deployed etcd, read directly)',
    });
  });

  it('kube-apiserver restarted during the census after the success line: verified, or a clear failure the next run finishes', async () => {
    const { d, secrets, deployed } = await faultDemo('apicensus');
    const run = runWatching(inputsFor(d, 'migrate'), /::group::census of both etcds/);
    await run.seen;
    const t0 = Date.now();
    await env().cluster.restartApiServer(3000);
    const outage = Date.now() - t0;
    const r = await run.done;
    assertNoSecretLeak(r, secrets);
    let how = `succeeded in ${secs(r.ms)} (census retries carried it through)`;
    let final = r;
    if (r.code !== 0) {
      expect(r.outputs.status, explain(r)).toBe('failed');
      const st = (await state(d))!;
      // The record keeps the line it saw and says phase one is not verified; the lock is released.
      expect(st.phase1?.logLine, JSON.stringify(st)).toContain(SUCCESS_LINE);
      expect(st.phase1?.status).not.toBe('verified');
      final = await runAction(inputsFor(d, 'migrate'));
      if (final.code !== 0) console.log(`first run:\n${explain(r)}`);
      assertNoSecretLeak(final, secrets);
      how = `failed in ${secs(r.ms)} ("${firstLine(errorLine(r))}"), record: phase one ${st.phase1?.status}, line seen; the next migrate resumed and succeeded in ${secs(final.ms)}`;
    }
    expect(final.code, explain(final)).toBe(0);
    expect(final.outputs.status, explain(final)).toBe('succeeded');
    expect((await state(d))?.phase1?.status).toBe('verified');
    expect(await lostGroups(d, deployed)).toEqual([]);
    recordScenario({
      group: GROUP,
      scenario: 'kube-apiserver restarted during the census after the success line',
      done: `kube-apiserver stopped for 3 s and started again, then the controller manager, scheduler and kwok (${secs(outage)} until all were ready) as migrate began counting both etcds`,
      action: how,
      dataLost: 'none (embedded etcd key counts equal the deployed etcd, read directly)',
    });
  });

  it("kube-apiserver restarted during plan's census: plan changes nothing and says what failed, or reports", async () => {
    const { d, secrets } = await faultDemo('apiplan');
    const revBefore = Math.max(...(await helmHistory(d)).map((h) => h.revision));
    const run = runWatching(inputsFor(d, 'plan'), /::group::census of the deployed etcd/);
    await run.seen;
    await env().cluster.restartApiServer(3000);
    const r = await run.done;
    assertNoSecretLeak(r, secrets);
    if (r.code === 0) expect(r.outputs.status, explain(r)).toBe('planned');
    else {
      expect(r.outputs.status, explain(r)).toBe('failed');
      expect(errorLine(r).length, explain(r)).toBeGreaterThan(20);
    }
    expect(Math.max(...(await helmHistory(d)).map((h) => h.revision))).toBe(revBefore);
    expect((await state(d))?.phase1).toBeUndefined();
    const again = await runAction(inputsFor(d, 'plan'));
    expect(again.code, explain(again)).toBe(0);
    expect(again.outputs.status).toBe('planned');
    recordScenario({
      group: GROUP,
      scenario: 'kube-apiserver restarted during plan',
      done: 'kube-apiserver stopped for 3 s and started again, then the controller manager, scheduler and kwok, as plan began counting the deployed etcd',
      action:
        r.code === 0
          ? `planned in ${secs(r.ms)} (census retries carried it through); nothing changed`
          : `failed in ${secs(r.ms)}: "${firstLine(errorLine(r))}"; nothing changed; plan again: planned`,
      dataLost: 'none (plan changes nothing: helm revision and state record unchanged)',
    });
  });
});
