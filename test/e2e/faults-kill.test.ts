// The action killed (SIGKILL to it and helm, as a cancelled job's runner does) at each point of a
// phase's `helm upgrade`: before helm wrote the pending revision, after it but before any object
// changed, in the middle of the apply, and in the wait. helm is held at the point by a proxy in
// front of the API server that does not pass on the request of that point (sandbox/api-hold-proxy.ts),
// so the kill lands there however busy the machine is. The next run (once the dead run's lock is
// stale) must end verified with exactly the objects of the intended revision: nothing of the
// revision before left over (the deployed etcd after phase two; the old control-plane Deployment
// beside the new StatefulSet after phase one), nothing missing, and no key lost. Last, phase two's
// upgrade failing by itself mid-apply (the proxy refuses one of its writes): helm records that
// revision failed, and the next finalize upgrades again instead of waiting for removals helm never made.
import { describe, expect, it } from 'vitest';
import { isHelmRecord, isMutation, type HoldRule, type ProxiedRequest } from '../../sandbox/api-hold-proxy.ts';
import { LOCK_STALE_MS, type StateRecord } from '../../src/core/migration/state.ts';
import { recordScenario } from '../support/reliability.ts';
import { assertNoSecretLeak } from '../support/secret-scan.ts';
import {
  explain,
  holdProxy,
  inputsFor,
  lostGroups,
  proxiedRequests,
  runAction,
  secretsOf,
  secs,
  untilLocksStale,
  useSharedCluster,
  type ActionResult,
  type DemoVCluster,
} from './harness.ts';
import { helmHistory, releaseDrift, type HelmRevision } from './release-objects.ts';

const env = useSharedCluster();
const GROUP = 'Faults';

type Phase = 'migrate' | 'finalize';

interface KillPoint {
  key: string;
  /** For the Reliability row: where helm was when the kill landed. */
  where: string;
  rule: (release: string) => HoldRule;
  /** What the cluster must show at the kill, proving the point (undefined: nothing to add). */
  check: (d: DemoVCluster, phase: Phase, hist: HelmRevision[], revBefore: number) => Promise<void>;
}

const answered = (r: ProxiedRequest) => r.status !== undefined && r.status < 300;

/** The objects the phase's upgrade deletes (the previous revision's, not rendered by the intended one). */
const removedBy = (phase: Phase, release: string) =>
  (phase === 'migrate'
    ? [['deployments', release]]
    : [
        ['statefulsets', `${release}-etcd`],
        ['services', `${release}-etcd`],
        ['services', `${release}-etcd-headless`],
      ]) as Array<[string, string]>;

async function present(d: DemoVCluster, [resource, name]: [string, string]): Promise<boolean> {
  const e = env();
  const get =
    resource === 'deployments'
      ? e.apps.readNamespacedDeployment({ name, namespace: d.namespace })
      : resource === 'statefulsets'
        ? e.apps.readNamespacedStatefulSet({ name, namespace: d.namespace })
        : e.core.readNamespacedService({ name, namespace: d.namespace });
  return get.then(
    () => true,
    (err: { code?: number }) => {
      if (err.code === 404) return false;
      throw err;
    },
  );
}

const POINTS: KillPoint[] = [
  {
    key: 'before the pending revision',
    where: 'held on its create of the pending revision record (nothing written yet)',
    rule: () => (r) => r.method === 'POST' && isHelmRecord(r),
    check: async (_d, _p, hist, revBefore) => {
      expect(Math.max(...hist.map((h) => h.revision)), JSON.stringify(hist)).toBe(revBefore);
    },
  },
  {
    key: 'before the apply',
    where: 'held on its first change to an object, after it wrote the pending revision',
    rule: () => (r, before) =>
      isMutation(r) && !isHelmRecord(r) && before.some((b) => b.method === 'POST' && isHelmRecord(b) && answered(b)),
    check: async (d, phase, hist) => {
      expect(hist.at(-1)?.status, JSON.stringify(hist)).toBe('pending-upgrade');
      for (const o of removedBy(phase, d.release)) expect(await present(d, o), o.join('/')).toBe(true);
    },
  },
  {
    key: 'in the middle of the apply',
    where: 'held on its first delete: objects created and changed, none of the previous revision deleted',
    rule: () => (r) => r.method === 'DELETE',
    check: async (d, phase, hist) => {
      expect(hist.at(-1)?.status, JSON.stringify(hist)).toBe('pending-upgrade');
      for (const o of removedBy(phase, d.release)) expect(await present(d, o), o.join('/')).toBe(true);
      // Phase one created the new control plane beside the old one: two control planes until the resume.
      if (phase === 'migrate') expect(await present(d, ['statefulsets', d.release])).toBe(true);
    },
  },
  {
    key: 'in the wait',
    where: 'held in --wait on its poll of StatefulSet <release>, after every create, change and delete',
    rule: (release) => (r, before) =>
      r.method === 'GET' &&
      r.resource === 'statefulsets' &&
      r.name === release &&
      before.some((b) => b.method === 'DELETE' && b.status !== undefined),
    check: async (d, phase, hist) => {
      expect(hist.at(-1)?.status, JSON.stringify(hist)).toBe('pending-upgrade');
      for (const o of removedBy(phase, d.release)) expect(await present(d, o), o.join('/')).toBe(false);
    },
  },
];

async function state(d: DemoVCluster): Promise<StateRecord | undefined> {
  const cm = await env()
    .core.readNamespacedConfigMap({ name: `${d.release}-etcd-migration`, namespace: d.namespace })
    .catch(() => undefined);
  return cm ? (JSON.parse(cm.data?.['state.json'] ?? 'null') as StateRecord) : undefined;
}

interface Killed {
  point: KillPoint;
  d: DemoVCluster;
  deployed: Map<string, number>;
  secrets: string[];
  hist: HelmRevision[];
  held: ProxiedRequest;
  killedAt: StateRecord;
}

/** Runs `phase` with helm behind a hold proxy; kills the action once helm is held at `point`. */
async function killAt(
  phase: Phase,
  point: KillPoint,
  d: DemoVCluster,
): Promise<{ hist: HelmRevision[]; held: ProxiedRequest }> {
  const revBefore = Math.max(...(await helmHistory(d)).map((h) => h.revision));
  const proxy = await holdProxy(env());
  try {
    let held: ProxiedRequest | undefined;
    void proxy.hold(point.rule(d.release)).then((r) => {
      held = r;
    });
    const k = await runAction(inputsFor(d, phase), {
      env: proxy.env,
      killWhen: { stdout: /helm upgrade \S+ to chart .* --wait up to/, until: async () => held !== undefined },
    });
    expect(k.killed, `${point.key}: ${explain(k)}\nhelm's requests: ${proxiedRequests(proxy)}`).toBe(true);
    const hist = await helmHistory(d);
    await point.check(d, phase, hist, revBefore);
    return { hist, held: held! };
  } finally {
    await proxy.close();
  }
}

/** Kills one demo per point (in parallel: each run is held by its own proxy), waits once for the locks to go stale, runs the phase again on each. */
async function killAndResume(phase: Phase, tag: string): Promise<void> {
  const kills: Killed[] = await Promise.all(
    POINTS.map(async (point, i) => {
      const release = `k${tag}${i}`;
      const d = await env().demo({ namespace: `e2e-k-${release}`, release });
      const deployed = await d.standIn.keyCounts('deployed');
      if (phase === 'finalize') {
        const m = await runAction(inputsFor(d, 'migrate', { timeout: '5m', 'migration-timeout': '5m' }));
        expect(m.code, explain(m)).toBe(0);
      }
      const { hist, held } = await killAt(phase, point, d);
      const killedAt = (await state(d))!;
      expect(killedAt.lock?.runId, JSON.stringify(killedAt)).toBeDefined();
      return { point, d, deployed, secrets: secretsOf(d), hist, held, killedAt };
    }),
  );

  // The dead runs' locks are renewed no more; the next run may take them over once they are stale.
  await untilLocksStale(kills.map((k) => k.killedAt.lock!.renewedAt));

  const again: ActionResult[] = await Promise.all(
    kills.map((k) => runAction(inputsFor(k.d, phase, { timeout: '5m', 'migration-timeout': '5m' }))),
  );
  for (const [i, k] of kills.entries()) {
    const r = again[i]!;
    const what = `${phase} killed ${k.point.key}`;
    assertNoSecretLeak(r, k.secrets);
    expect(r.code, `${what}: ${explain(r)}`).toBe(0);
    expect(r.outputs.status, what).toBe('succeeded');
    const st = (await state(k.d))!;
    expect(phase === 'migrate' ? st.phase1?.status : st.phase2?.status, what).toBe('verified');
    expect(st.lock, what).toBeUndefined();
    const hist = await helmHistory(k.d);
    expect(hist.at(-1)!.status, `${what}: ${JSON.stringify(hist)}`).toBe('deployed');
    const pendingRev = k.hist.at(-1)!.status === 'pending-upgrade' ? k.hist.at(-1)!.revision : undefined;
    if (pendingRev !== undefined) {
      // The killed revision is in helm history as the failed upgrade it was, and the run said so.
      const h = hist.find((x) => x.revision === pendingRev)!;
      expect(h.status, `${what}: ${JSON.stringify(hist)}`).toBe('failed');
      expect(h.description).toContain('interrupted');
      expect(r.stdout).toContain(`Revision ${pendingRev} of ${k.d.release} is pending-upgrade`);
    }
    expect(r.stdout, what).not.toContain('helm rollback');
    expect(await releaseDrift(env(), k.d), what).toEqual([]);
    for (const o of removedBy(phase, k.d.release)) expect(await present(k.d, o), `${what}: ${o.join('/')}`).toBe(false);
    expect(await lostGroups(k.d, k.deployed), what).toEqual([]);
    const last = hist.at(-1)!;
    recordScenario({
      group: GROUP,
      scenario: `${phase} killed ${k.point.key}`,
      done: `SIGKILL to the action and helm while ${phase === 'migrate' ? "phase one's" : "phase two's"} helm upgrade was ${k.point.where} (${k.held.method} ${k.held.resource ?? k.held.path}${k.held.name ? `/${k.held.name.replace(k.d.release, '<release>')}` : ''}; helm left ${pendingRev !== undefined ? `revision ${pendingRev} pending-upgrade` : 'no new revision'}); ${phase} again once the lock was stale (${LOCK_STALE_MS / 1000} s)`,
      action: `took the lock over, ${pendingRev !== undefined ? `recorded revision ${pendingRev} as failed in helm history and ` : ''}ran the upgrade again from the last deployed revision (revision ${last.revision} deployed); the release's objects are exactly those of that revision (${removedBy(
        phase,
        '<release>',
      )
        .map((o) => o.join('/'))
        .join(', ')} gone); ${phase === 'migrate' ? 'phase one' : 'phase two'} verified in ${secs(r.ms)}`,
      dataLost: 'none (embedded etcd key counts equal the deployed etcd, read directly)',
    });
  }
}

describe("the action killed at each point of a phase's helm upgrade", () => {
  it('phase one (migrate): each kill point ends, on the next run, in exactly the objects of the intended revision', async () => {
    await killAndResume('migrate', 'm');
  });

  it('phase two (finalize): each kill point ends, on the next run, in exactly the objects of the intended revision', async () => {
    await killAndResume('finalize', 'f');
  });
});

describe("phase two's helm upgrade failing by itself mid-apply", () => {
  it('the API server refuses its patch of StatefulSet <release>: finalize fails, helm records the revision failed, the deployed etcd stays; the next finalize upgrades again and verifies', async () => {
    const d = await env().demo({ namespace: 'e2e-k-kapply', release: 'kapply' });
    const deployed = await d.standIn.keyCounts('deployed');
    const secrets = secretsOf(d);
    const m = await runAction(inputsFor(d, 'migrate', { timeout: '5m', 'migration-timeout': '5m' }));
    expect(m.code, explain(m)).toBe(0);
    const revBefore = Math.max(...(await helmHistory(d)).map((h) => h.revision));

    const proxy = await holdProxy(env(), 'refuse');
    let refused: ProxiedRequest | undefined;
    let failed: ActionResult;
    try {
      // Phase two changes StatefulSet <release> (its config hash): helm patches it before any delete.
      void proxy
        .refuse((r) => r.method === 'PATCH' && r.resource === 'statefulsets' && r.name === d.release)
        .then((r) => {
          refused = r;
        });
      failed = await runAction(inputsFor(d, 'finalize', { timeout: '5m' }), { env: proxy.env });
    } finally {
      await proxy.close();
    }
    assertNoSecretLeak(failed, secrets);
    expect(refused, `helm's requests: ${proxiedRequests(proxy)}`).toBeDefined();
    expect(failed.code, explain(failed)).not.toBe(0);
    expect(failed.outputs.status, explain(failed)).toBe('failed');
    expect(failed.errors[0], explain(failed)).toContain("refused by the test's fault proxy");
    const hist = await helmHistory(d);
    const failedRev = hist.at(-1)!;
    expect(failedRev.revision, JSON.stringify(hist)).toBe(revBefore + 1);
    expect(failedRev.status, JSON.stringify(hist)).toBe('failed');
    // helm stops its apply at the refused write: none of the deployed etcd's objects was deleted.
    for (const o of removedBy('finalize', d.release)) expect(await present(d, o), o.join('/')).toBe(true);
    const st = (await state(d))!;
    expect(st.phase2?.status, JSON.stringify(st.phase2)).toBe('failed');
    expect(st.lock).toBeUndefined();

    const again = await runAction(inputsFor(d, 'finalize', { timeout: '5m' }));
    assertNoSecretLeak(again, secrets);
    expect(again.code, explain(again)).toBe(0);
    expect(again.outputs.status, explain(again)).toBe('succeeded');
    expect(again.stdout, explain(again)).toContain(
      `Resuming: the phase-two helm upgrade (revision ${failedRev.revision}) failed`,
    );
    expect(again.stdout).not.toContain('helm rollback');
    const final = await helmHistory(d);
    expect(final.find((h) => h.revision === failedRev.revision)?.status, JSON.stringify(final)).toBe('failed');
    expect(final.at(-1), JSON.stringify(final)).toMatchObject({ revision: failedRev.revision + 1, status: 'deployed' });
    expect((await state(d))?.phase2?.status).toBe('verified');
    expect(await releaseDrift(env(), d)).toEqual([]);
    for (const o of removedBy('finalize', d.release)) expect(await present(d, o), o.join('/')).toBe(false);
    expect(await lostGroups(d, deployed)).toEqual([]);
    recordScenario({
      group: GROUP,
      scenario: "phase two's helm upgrade fails by itself mid-apply",
      done: `a proxy in front of the API server answered helm's PATCH of StatefulSet <release> with 500 InternalError (once); then finalize again`,
      action: `failed in ${secs(failed.ms)}, exit 1, naming the refused patch; helm recorded revision ${failedRev.revision} failed, StatefulSet <release>-etcd and its Services kept, state phase2 failed; the next finalize upgraded again with the recorded values (revision ${final.at(-1)!.revision} deployed), verified the deployed etcd gone: succeeded in ${secs(again.ms)}`,
      dataLost: 'none (embedded etcd key counts equal the deployed etcd before the migration, read directly)',
    });
  });
});
