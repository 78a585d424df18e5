// phase: abort killed (SIGKILL to the action and helm, as a cancelled job's runner does) at each of
// its steps, after phase one and a write through the virtual cluster that only the embedded etcd
// has. The run is held at the step by a proxy in front of the API server that does not pass on the
// step's request (the action's own client and helm both go through it), so the kill lands there
// however busy the machine is. The next run, once the dead run's lock is stale, must resume and end
// aborted: the release back on its deployed etcd (the control plane a Deployment again, the store
// check passed, the objects exactly those of the deployed Helm revision), the deployed etcd holding
// every key the embedded etcd had, the late write included, its revision above the embedded etcd's.
// The steps after equalize share releases: a release's next run is killed at its next point, so one
// wait for a stale lock serves two points. A second abort started while an abort runs is
// refused by the lock, a migrate by the record (an abort under way); neither changes anything.
import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { isHelmRecord, isMutation, type HoldRule, type ProxiedRequest } from '../../sandbox/api-hold-proxy.ts';
import { gateway, lostGroups } from '../../sandbox/keyspace.ts';
import { LOCK_STALE_MS } from '../../src/core/migration/state.ts';
import { recordScenario } from '../support/reliability.ts';
import { assertNoSecretLeak } from '../support/secret-scan.ts';
import {
  exists,
  explain,
  holdProxy,
  inputsFor,
  proxiedRequests,
  runAction,
  secretsOf,
  secs,
  untilLocksStale,
  useSharedCluster,
  type DemoVCluster,
} from './harness.ts';
import { helmHistory, releaseDrift } from './release-objects.ts';

const env = useSharedCluster();
const GROUP = 'Faults';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const LATE_KEY = '/registry/configmaps/default/written-after-phase-one';

/** The abort part of the state record, as the tests read it (JSON of ConfigMap <release>-etcd-migration). */
interface AbortSeen {
  status: string;
  done: string[];
  equalize?: { revisionAfter: number; sourceRevision: number };
}
interface RecordSeen {
  lock?: { runId: string; renewedAt: string };
  abort?: AbortSeen;
}

async function record(d: DemoVCluster): Promise<RecordSeen | undefined> {
  const cm = await env()
    .core.readNamespacedConfigMap({ name: `${d.release}-etcd-migration`, namespace: d.namespace })
    .catch(() => undefined);
  return cm ? (JSON.parse(cm.data?.['state.json'] ?? 'null') as RecordSeen) : undefined;
}

const answered = (r: ProxiedRequest) => r.status !== undefined && r.status < 400;
const readerPod = (release: string) => `${release}-embedded-etcd-reader`;
const stateWrite = (r: ProxiedRequest, release: string) =>
  isMutation(r) && r.resource === 'configmaps' && r.name === `${release}-etcd-migration`;

interface KillPoint {
  key: string;
  /** For the Reliability row: where the run was when the kill landed. */
  where: string;
  rule: (release: string) => HoldRule;
  /** What the cluster shows at the kill, proving the point. */
  check: (d: DemoVCluster, r: RecordSeen | undefined) => Promise<void>;
  /** What the next run does beyond resuming, for the Reliability row, and its proof once the abort is done. */
  resumed?: { says: string; verify: (d: DemoVCluster) => Promise<void> };
}

async function podOf(d: DemoVCluster, name: string): Promise<k8s.V1Pod | undefined> {
  return env()
    .core.readNamespacedPod({ name, namespace: d.namespace })
    .catch(() => undefined);
}

const POINTS: KillPoint[] = [
  {
    key: 'stopping writes',
    where: 'held on its first request after it scaled StatefulSet <release> to 0 (the wait for pod <release>-0 to go)',
    rule: (release) => (r, before) =>
      r.resource === 'pods' &&
      before.some((b) => isMutation(b) && b.resource === 'statefulsets' && b.name === release && answered(b)),
    check: async (d, r) => {
      const sts = await env().apps.readNamespacedStatefulSet({ name: d.release, namespace: d.namespace });
      expect(sts.spec?.replicas).toBe(0);
      expect(r?.abort?.done ?? []).not.toContain('stop writes');
    },
  },
  {
    key: 'starting the reader pod',
    where: 'held on its first request after it created the reader pod (the wait for it to be Ready)',
    rule: (release) => (r, before) =>
      r.resource === 'pods' &&
      before.some((b) => b.method === 'POST' && b.resource === 'pods' && b.name === readerPod(release) && answered(b)),
    check: async (d, r) => {
      expect(await podOf(d, readerPod(d.release))).toBeDefined();
      expect(r?.abort?.done).toContain('stop writes');
    },
  },
  {
    key: 'reading the embedded etcd',
    where: 'held on its port-forward to the Ready reader pod (census and snapshot of the embedded etcd)',
    rule: (release) => (r) => r.resource === 'pods' && r.name === readerPod(release) && r.path.endsWith('/portforward'),
    check: async (d, r) => {
      const pod = await podOf(d, readerPod(d.release));
      expect(pod?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(r?.abort?.done ?? []).not.toContain('census and snapshot of the embedded etcd');
    },
  },
  {
    key: 'equalizing the deployed etcd',
    where: 'held on its write of the state record after the deployed etcd was made equal (equalized, not yet recorded)',
    rule: (release) => (r) => stateWrite(r, release) && r.body.includes('revisionAfter'),
    check: async (d, r) => {
      expect(r?.abort?.done).toContain('census and snapshot of the embedded etcd');
      expect(r?.abort?.done ?? []).not.toContain('equalize the deployed etcd');
      expect(await valueIn(d, 'deployed', LATE_KEY)).toBe('late');
    },
  },
];

const UPGRADE_STEP = 'helm upgrade to the values before phase one';

/** After equalize; each pair is one release's kill points, in the order its runs reach them. */
const LATER_POINTS: KillPoint[][] = [
  [
    {
      key: "clearing vCluster's store annotations",
      where:
        'held on its patch of Secret vc-config-<release> that removes the store annotations (the deployed etcd equalized and recorded)',
      rule: (release) => (r) => isMutation(r) && r.resource === 'secrets' && r.name === `vc-config-${release}`,
      check: async (d, r) => {
        expect(r?.abort?.done).toContain('equalize the deployed etcd');
        expect(r?.abort?.done ?? []).not.toContain("clear vCluster's store annotations");
        const s = await env().core.readNamespacedSecret({ name: `vc-config-${d.release}`, namespace: d.namespace });
        expect(s.metadata?.annotations?.['vcluster.loft.sh/store']).toBe('embedded-etcd');
      },
    },
    {
      key: 'waiting for the control plane on deployed etcd',
      where: 'held on its poll of Deployment <release> after the upgrade was recorded',
      rule: (release) => (r, before) =>
        r.method === 'GET' &&
        r.resource === 'deployments' &&
        r.name === release &&
        before.some((b) => stateWrite(b, release) && answered(b) && b.body.includes(UPGRADE_STEP)),
      check: async (d, r) => {
        expect(r?.abort?.done).toContain(UPGRADE_STEP);
        expect(r?.abort?.status).toBe('started');
        expect((await helmHistory(d)).at(-1)!.status).toBe('deployed');
      },
    },
  ],
  [
    {
      key: 'inside the helm upgrade',
      where:
        "held on helm's first delete of the upgrade, after it wrote the pending revision (objects created and changed, none of phase one's deleted)",
      rule: () => (r, before) =>
        r.method === 'DELETE' && before.some((b) => b.method === 'POST' && isHelmRecord(b) && answered(b)),
      check: async (d, r) => {
        expect(r?.abort?.done).toContain("clear vCluster's store annotations");
        expect(r?.abort?.done ?? []).not.toContain(UPGRADE_STEP);
        expect((await helmHistory(d)).at(-1)!.status).toBe('pending-upgrade');
      },
      resumed: {
        says: 'recorded the revision the killed upgrade left pending-upgrade as failed in helm history and upgraded again',
        verify: async (d) => {
          const failed = (await helmHistory(d)).filter((h) => h.status === 'failed');
          expect(failed.map((h) => h.description).join('\n')).toContain('interrupted');
        },
      },
    },
    {
      key: 'recording the abort',
      where: 'held on its write of the state record as aborted, after the census of the deployed etcd',
      rule: (release) => (r) => stateWrite(r, release) && r.body.includes('deployedAfter'),
      check: async (d, r) => {
        expect(r?.abort?.done).toContain(UPGRADE_STEP);
        expect(r?.abort?.status).toBe('started');
        const dep = await env().apps.readNamespacedDeployment({ name: d.release, namespace: d.namespace });
        expect(dep.status?.readyReplicas).toBe(dep.spec?.replicas);
      },
    },
  ],
];

async function valueIn(d: DemoVCluster, which: 'deployed' | 'embedded', key: string): Promise<string | undefined> {
  const r = await gateway<{ kvs?: Array<{ value: string }> }>(d.standIn.etcdTls(which)!, '/v3/kv/range', {
    key: b64(key),
  });
  const v = r.kvs?.[0]?.value;
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString();
}

/** The deployed etcd's current revision, read directly. */
async function revisionOf(d: DemoVCluster, which: 'deployed' | 'embedded'): Promise<number> {
  const r = await gateway<{ header: { revision: string } }>(d.standIn.etcdTls(which)!, '/v3/kv/range', {
    key: b64('/'),
    count_only: true,
  });
  return Number(r.header.revision);
}

/** Phase one through the action, then a write through the virtual cluster that only the embedded etcd has. */
interface BeforeAbort {
  embedded: Map<string, number>;
  embeddedRevision: number;
  /** Where the stand-in's history stood when the abort began. */
  historyFrom: number;
}

async function migratedWithLateWrite(d: DemoVCluster): Promise<BeforeAbort> {
  const m = await runAction(inputsFor(d, 'migrate', { timeout: '5m', 'migration-timeout': '5m' }));
  expect(m.code, explain(m)).toBe(0);
  await gateway(d.standIn.etcdTls('embedded')!, '/v3/kv/put', { key: b64(LATE_KEY), value: b64('late') });
  return {
    embedded: await d.standIn.keyCounts('embedded'),
    embeddedRevision: await revisionOf(d, 'embedded'),
    historyFrom: d.standIn.history.length,
  };
}

/** The end every resumed or undisturbed abort must reach; `what` names the run in messages. */
async function expectAborted(d: DemoVCluster, before: BeforeAbort, what: string): Promise<AbortSeen> {
  const { embedded, embeddedRevision, historyFrom } = before;
  const st = (await record(d))!;
  expect(st.abort?.status, what).toBe('aborted');
  expect(st.lock, what).toBeUndefined();
  const hist = await helmHistory(d);
  expect(hist.at(-1)!.status, what).toBe('deployed');
  // An upgrade a killed run left pending is in the history as the failed upgrade it was.
  expect(
    hist.filter((h) => h.status.startsWith('pending')),
    what,
  ).toEqual([]);
  const e = env();
  expect(await releaseDrift(e, d), what).toEqual([]);
  expect(await exists(e.apps.readNamespacedStatefulSet({ name: d.release, namespace: d.namespace })), what).toBe(false);
  expect(await exists(e.apps.readNamespacedDeployment({ name: d.release, namespace: d.namespace })), what).toBe(true);
  expect(await podOf(d, readerPod(d.release)), what).toBeUndefined();
  // The control plane that came back passed vCluster's store check on the deployed etcd.
  const passed = new RegExp(`store check passed for ${d.release}-(?!0\\b).*deployed-etcd`);
  await d.standIn.waitForHistory((h) => h.slice(historyFrom).some((l) => passed.test(l)), 120_000);
  expect(d.standIn.history.slice(historyFrom).join('\n'), what).not.toContain(`store check refused the start of`);
  // Nothing lost: every group of the embedded etcd at the stop is in the deployed etcd, the late write too.
  expect(lostGroups(embedded, await d.standIn.keyCounts('deployed')), what).toEqual([]);
  expect(await valueIn(d, 'deployed', LATE_KEY), what).toBe('late');
  expect(await revisionOf(d, 'deployed'), what).toBeGreaterThan(embeddedRevision);
  // The embedded etcd's PVC stays for a person to delete.
  expect(
    await exists(e.core.readNamespacedPersistentVolumeClaim({ name: `data-${d.release}-0`, namespace: d.namespace })),
    what,
  ).toBe(true);
  return st.abort!;
}

interface Killed {
  point: KillPoint;
  held: ProxiedRequest;
  killedAt: RecordSeen;
}

/** One abort on `d` held at `point` by its own proxy and killed there; the cluster checked at the kill. */
async function killAt(d: DemoVCluster, point: KillPoint): Promise<Killed> {
  const proxy = await holdProxy(env());
  try {
    let held: ProxiedRequest | undefined;
    void proxy.hold(point.rule(d.release)).then((r) => {
      held = r;
    });
    const inputs = inputsFor(d, 'abort', { kubeconfig: proxy.kubeconfigVia(d.kubeconfig), timeout: '5m' });
    const k = await runAction(inputs, {
      env: proxy.env,
      killWhen: { stdout: /\S/, until: async () => held !== undefined },
    });
    const requests = proxiedRequests(proxy);
    expect(k.killed, `${point.key}: ${explain(k)}\nrequests: ${requests}`).toBe(true);
    const killedAt = await record(d);
    await point.check(d, killedAt);
    expect(killedAt?.lock?.runId, JSON.stringify(killedAt)).toBeDefined();
    return { point, held: held!, killedAt: killedAt! };
  } finally {
    await proxy.close();
  }
}

/**
 * One release per chain of kill points (in parallel, each run held by its own proxy): its runs are
 * killed at the chain's points in turn, each resuming what the one before left, once its lock is
 * stale; a last run on each must then finish the abort.
 */
async function killAndResume(chains: KillPoint[][], tag: string): Promise<void> {
  const releases = await Promise.all(
    chains.map(async (chain, i) => {
      const release = `a${tag}${i}`;
      const d = await env().demo({ namespace: `e2e-ka-${release}`, release });
      return { chain, d, before: await migratedWithLateWrite(d), secrets: secretsOf(d), kills: [] as Killed[] };
    }),
  );
  for (let n = 0; n < Math.max(...chains.map((c) => c.length)); n++) {
    const round = releases.filter((x) => x.chain[n]);
    const kills = await Promise.all(
      round.map(async (x) => {
        const k = await killAt(x.d, x.chain[n]!);
        x.kills.push(k);
        return k;
      }),
    );
    // The dead runs' locks are renewed no more; the next run may take them over once they are stale.
    await untilLocksStale(kills.map((k) => k.killedAt.lock!.renewedAt));
  }

  const again = await Promise.all(releases.map((x) => runAction(inputsFor(x.d, 'abort', { timeout: '5m' }))));
  for (const [i, x] of releases.entries()) {
    const r = again[i]!;
    const what = `abort killed ${x.kills.map((k) => k.point.key).join(', then ')}`;
    assertNoSecretLeak(r, x.secrets);
    expect(r.code, `${what}: ${explain(r)}`).toBe(0);
    expect(r.outputs.status, what).toBe('succeeded');
    expect(r.stdout, what).not.toContain('helm rollback');
    const a = await expectAborted(x.d, x.before, what);
    for (const [j, k] of x.kills.entries()) {
      await k.point.resumed?.verify(x.d);
      const next = x.kills[j + 1];
      recordScenario({
        group: GROUP,
        scenario: `abort killed ${k.point.key}`,
        done: `SIGKILL to the action and helm while abort was ${k.point.where} (${k.held.method} ${k.held.resource ?? k.held.path}${k.held.name ? `/${k.held.name.replace(x.d.release, '<release>')}` : ''}; steps recorded done: ${k.killedAt.abort?.done.join(', ') || 'none'}); abort again once the lock was stale (${LOCK_STALE_MS / 1000} s)`,
        action: `took the lock over and resumed after the recorded steps${k.point.resumed ? `, ${k.point.resumed.says}` : ''}${next ? ` (that run was killed in turn ${next.point.key}, and the run after it resumed from there)` : ''}; the release runs on its deployed etcd again (Deployment <release>, store check passed, exactly the objects of the deployed Helm revision), revision ${a.equalize?.revisionAfter ?? '?'} above the embedded etcd's ${x.before.embeddedRevision}; the last run aborted in ${secs(r.ms)}`,
        dataLost:
          'none (every group of the embedded etcd at the stop, and the write made after phase one, in the deployed etcd, read directly)',
      });
    }
  }
}

describe('phase abort killed at each of its steps', () => {
  it('stop writes, the reader pod, the embedded etcd read, equalize: the next run resumes and converges', async () => {
    await killAndResume(
      POINTS.map((p) => [p]),
      'e',
    );
  });

  it('the store annotations, the helm upgrade, the wait for the control plane, the record: each next run resumes, the last converges', async () => {
    await killAndResume(LATER_POINTS, 'l');
  });

  it('a second abort and a migrate started while an abort runs are refused by the lock', async () => {
    const d = await env().demo({ namespace: 'e2e-abort-lock', release: 'al' });
    const before = await migratedWithLateWrite(d);
    // The first abort waits for its reader pod, which the stand-in holds back.
    d.standIn.setFaults({ holdReader: true });
    const first = runAction(inputsFor(d, 'abort', { timeout: '5m' }));
    await d.standIn.waitForHistory(
      (h) => h.some((l) => l.includes(`reader pod ${readerPod(d.release)} waits: held by the stand-in`)),
      300_000,
    );
    const locked = (await record(d))!.lock;
    expect(locked?.runId).toBeDefined();
    const snapshotBefore = JSON.stringify(await record(d));

    const [second, migrate] = await Promise.all([
      runAction(inputsFor(d, 'abort', { timeout: '5m' })),
      runAction(inputsFor(d, 'migrate', { timeout: '5m', 'migration-timeout': '5m' })),
    ]);
    // The second abort meets the lock; migrate already refuses from the record, which says an abort is under way.
    const lockHeld = new RegExp(
      `holds the migration lock of ${d.release} .*this run stopped without changing anything`,
    );
    const abortUnderWay = new RegExp(`an abort of release ${d.release} is under way`);
    for (const [what, r, why] of [
      ['second abort', second, lockHeld],
      ['migrate', migrate, new RegExp(`${lockHeld.source}|${abortUnderWay.source}`)],
    ] as const) {
      expect(r.code, `${what}: ${explain(r)}`).not.toBe(0);
      expect(r.outputs.status, `${what}: ${explain(r)}`).toBe('refused');
      expect(r.errors.join('\n'), what).toMatch(why);
    }
    // The refused runs changed nothing: the record (but the lock's renewal) and the held step are as they were.
    const now = (await record(d))!;
    expect(now.lock?.runId).toBe(locked!.runId);
    expect(JSON.stringify({ ...now, lock: undefined })).toBe(
      JSON.stringify({ ...(JSON.parse(snapshotBefore) as RecordSeen), lock: undefined }),
    );

    d.standIn.setFaults({});
    const r = await first;
    expect(r.code, explain(r)).toBe(0);
    expect(r.outputs.status).toBe('succeeded');
    await expectAborted(d, before, 'the first abort');
    recordScenario({
      group: GROUP,
      scenario: 'a second abort and a migrate while an abort runs',
      done: 'abort held at its reader pod (the stand-in held the pod back); a second abort and a migrate started meanwhile',
      action:
        'the second abort refused by the migration lock ("another run … holds the migration lock"), migrate by the record ("an abort … is under way"), neither changing anything; the first abort then finished',
      dataLost: 'none (the deployed etcd holds every key the embedded etcd had, read directly)',
    });
  });
});
