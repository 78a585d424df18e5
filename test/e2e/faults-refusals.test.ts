// Faults that must stop the action before it changes anything, or stop it with a report that says
// what happened and a state record the next run continues from: deployed etcd down, keys lost in
// the copy, a token missing one RBAC verb, an embedded etcd PVC that cannot bind, and the approval
// gate of finalize against the GitHub REST stand-in. The built action runs on the local cluster.
import * as k8s from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { rbacObjects } from '../../sandbox/service-account.ts';
import { SUCCESS_LINE } from '../../sandbox/vcluster-standin.ts';
import { listKeys, seedKeys } from '../../sandbox/keyspace.ts';
import type { StateRecord } from '../../src/core/migration/state.ts';
import type { DiffRow } from '../../src/core/migration/census.ts';
import { startGitHubStandin, type GitHubStandin } from '../support/github-standin.ts';
import { recordScenario } from '../support/reliability.ts';
import { assertNoSecretLeak } from '../support/secret-scan.ts';
import {
  copyAgain,
  errorLine,
  exists,
  explain,
  fixtureChartAs,
  inputsFor,
  lostGroups,
  namespaceSnapshot,
  runAction,
  secretsOf,
  useSharedCluster,
  type ActionResult,
  type DemoVCluster,
} from './harness.ts';

const env = useSharedCluster();
const GROUP = 'Faults';

/** The summary as text: Markdown escapes removed. */
const plain = (md: string): string =>
  md
    .replace(/\\(.)/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\u200b/g, '')
    // A code span shows its text without the backticks.
    .replace(/`/g, '');

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

async function helmValues(d: DemoVCluster): Promise<unknown> {
  return JSON.parse(await d.helm(['get', 'values', d.release, '-n', d.namespace, '-o', 'json']));
}

async function helmRevision(d: DemoVCluster): Promise<number> {
  const h = JSON.parse(await d.helm(['history', d.release, '-n', d.namespace, '-o', 'json'])) as Array<{
    revision: number;
  }>;
  return Math.max(...h.map((x) => x.revision));
}

const stsExists = (d: DemoVCluster, name: string) =>
  exists(env().apps.readNamespacedStatefulSet({ name, namespace: d.namespace }));

const secs = (r: ActionResult) => `${(r.ms / 1000).toFixed(1)} s`;

describe('faults that stop the action before it changes anything, or with a way forward', () => {
  it('deployed etcd down before phase one: migrate changes nothing and names the etcd', async () => {
    const d = await env().demo({ namespace: 'e2e-f-etcddown', release: 'edown' });
    const secrets = secretsOf(d);
    const valuesBefore = await helmValues(d);
    const revisionBefore = await helmRevision(d);
    const stateBefore = await state(d);
    await d.standIn.stopDeployedEtcd();

    const r = await runAction(inputsFor(d, 'migrate', { timeout: '60s' }));
    assertNoSecretLeak(r, secrets);
    expect(r.code, explain(r)).not.toBe(0);
    expect(r.outputs.status, explain(r)).toBe('refused');
    // Nothing changed: values, revision, no phase-one record, no control-plane StatefulSet.
    expect(await helmValues(d)).toEqual(valuesBefore);
    expect(await helmRevision(d)).toBe(revisionBefore);
    const st = await state(d);
    expect(st?.phase1, JSON.stringify(st)).toBeUndefined();
    expect(st?.lock, 'the lock is released').toBeUndefined();
    expect(stateBefore?.phase1).toBeUndefined();
    expect(await stsExists(d, d.release)).toBe(false);
    expect(await stsExists(d, `${d.release}-etcd`)).toBe(true);
    // The message names the deployed etcd, its pod, and what to do.
    const msg = errorLine(r);
    expect(msg, explain(r)).toContain(
      `the deployed etcd (StatefulSet ${d.release}-etcd, pod ${d.release}-etcd-0) cannot be read`,
    );
    expect(msg).toMatch(/not reachable/);
    expect(msg).toContain('nothing was changed');
    expect(msg).toContain('then run migrate again');
    expect(plain(r.summary)).toContain(`StatefulSet ${d.release}-etcd`);

    recordScenario({
      group: GROUP,
      scenario: 'deployed etcd down before phase one',
      done: 'stand-in stopDeployedEtcd(): the etcd process of <release>-etcd-0 stops while its pod stays Ready; then phase migrate',
      action: `${r.outputs.status} in ${secs(r)}, exit 1, before any change (helm values and revision unchanged, no phase-one record, no StatefulSet <release>): "${errorLine(r).split('\n')[0]!.slice(0, 200)}"`,
      dataLost: 'none (nothing was changed; the deployed etcd data stays on its PVC)',
    });
  });

  it('a chart directory whose Chart.yaml is another version than chart-version: refused before any change, naming both', async () => {
    const d = await env().demo({ namespace: 'e2e-f-chartver', release: 'chartver' });
    const before = await namespaceSnapshot(env(), d.namespace);
    const revisionBefore = await helmRevision(d);
    // The release runs the fixture chart 0.27.0 (etcd 3.5); chart-version 0.28.0 stays on that line, the chart does not.
    const chart = fixtureChartAs(env().cluster.dir, '0.30.0');

    const r = await runAction(inputsFor(d, 'migrate', { chart, 'chart-version': '0.28.0' }));
    expect(r.code, explain(r)).not.toBe(0);
    expect(r.outputs.status, explain(r)).toBe('refused');
    const msg = errorLine(r);
    expect(msg).toContain(`chart ${chart} is version 0.30.0 (its Chart.yaml), not chart-version 0.28.0`);
    expect(msg).toContain('the release runs chart 0.27.0 (etcd 3.5) and 0.30.0 ships etcd 3.6');
    expect(msg).toContain('nothing was changed');
    expect(plain(r.summary)).toContain('is version 0.30.0 (its Chart.yaml), not chart-version 0.28.0');
    expect(await helmRevision(d)).toBe(revisionBefore);
    expect(await state(d)).toBeUndefined();
    expect(await namespaceSnapshot(env(), d.namespace)).toEqual(before);

    // The same directory named as what it is goes on to the preflight, which judges 0.30.0 by its line.
    const again = await runAction(inputsFor(d, 'plan', { chart, 'chart-version': '0.30.0' }));
    expect(again.outputs.status, explain(again)).toBe('refused');
    expect(errorLine(again)).toContain('etcd 3.5 to 3.6 line');
    expect(errorLine(again)).not.toContain('chart version (');

    recordScenario({
      group: 'Hostile input',
      scenario: 'input: chart a directory of another version than chart-version',
      done: 'a copy of the fixture chart with version 0.30.0 in its Chart.yaml as input chart, chart-version 0.28.0, on a release of chart 0.27.0; phase migrate',
      action: `refused in ${secs(r)}, exit 1, in the preflight before any change (no state record, helm revision and every object unchanged): "${msg.split('\n')[0]!.replace(chart, '<dir>').slice(0, 260)}"`,
      dataLost: 'none (nothing was changed)',
    });
  });

  it('keys dropped in the copy: phase one fails naming the groups and counts; finalize is refused; the re-copy commands it names end in a verified migration', async () => {
    const prefix = '/registry/configmaps/';
    const d = await env().demo({ namespace: 'e2e-f-drop', release: 'drop', faults: { dropPrefix: prefix } });
    const secrets = secretsOf(d);
    const deployedBefore = await d.standIn.keyCounts('deployed');
    const lostCount = deployedBefore.get('/registry/configmaps') ?? 0;
    expect(lostCount).toBeGreaterThan(0);

    const r = await runAction(inputsFor(d, 'migrate'));
    assertNoSecretLeak(r, secrets);
    expect(r.code, explain(r)).not.toBe(0);
    expect(r.outputs.status, explain(r)).toBe('failed');
    // The error, the summary and the key-diff output name the group and its before/after counts.
    const want = `/registry/configmaps/ (${lostCount} → 0)`;
    expect(errorLine(r), explain(r)).toContain(want);
    expect(plain(r.summary)).toContain(want);
    expect(r.summary).toMatch(/1 group\(s\) lost keys/);
    const rows = JSON.parse(r.outputs['key-diff'] ?? '[]') as DiffRow[];
    expect(rows.filter((x) => x.verdict === 'lost').map((x) => [x.group, x.before, x.after])).toEqual([
      ['/registry/configmaps/', lostCount, 0],
    ]);
    // The record says phase one failed, and why.
    const st = await state(d);
    expect(st?.phase1?.status).toBe('failed');
    expect(st?.phase1?.failure).toContain('/registry/configmaps');
    expect(st?.lock).toBeUndefined();

    const f = await runAction(inputsFor(d, 'finalize'));
    assertNoSecretLeak(f, secrets);
    expect(f.code, explain(f)).not.toBe(0);
    expect(f.outputs.status, explain(f)).toBe('refused');
    expect(errorLine(f)).toContain('/registry/configmaps');
    expect(await stsExists(d, `${d.release}-etcd`)).toBe(true);
    // The deployed etcd still has every key it had.
    expect(await d.standIn.keyCounts('deployed')).toEqual(deployedBefore);
    // Both refusals say how to copy again, with the commands.
    const recopy = `kubectl -n ${d.namespace} delete pvc data-${d.release}-0;`;
    expect(errorLine(r)).toContain(recopy);
    expect(errorLine(f)).toContain(recopy);

    // Follow those commands (through the API): the copy runs again, this time complete.
    d.standIn.setFaults({});
    const t0 = Date.now();
    await copyAgain(env(), d);
    const again = await runAction(inputsFor(d, 'migrate'));
    assertNoSecretLeak(again, secrets);
    expect(again.code, explain(again)).toBe(0);
    expect(again.outputs.status, explain(again)).toBe('succeeded');
    expect(JSON.parse(again.outputs['key-diff'] ?? '[]').filter((x: DiffRow) => x.verdict === 'lost')).toEqual([]);
    expect(await lostGroups(d, deployedBefore)).toEqual([]);
    expect((await state(d))?.phase1?.status).toBe('verified');
    const fin = await runAction(inputsFor(d, 'finalize'));
    expect(fin.code, explain(fin)).toBe(0);
    expect(await stsExists(d, `${d.release}-etcd`)).toBe(false);
    const recopied = (Date.now() - t0) / 1000;

    recordScenario({
      group: GROUP,
      scenario: 'keys lost in the copy to embedded etcd',
      done: `stand-in dropPrefix ${prefix}: the copy leaves out ${lostCount} ConfigMaps; then migrate, then finalize; then the refusal's re-copy commands (scale to 0, delete PVC data-<release>-0, scale to 1), migrate, finalize`,
      action: `migrate failed in ${secs(r)}, exit 1, naming "${want}" in the error, the summary and output key-diff, and the commands that make vCluster copy again; state phase1 failed; finalize refused, StatefulSet <release>-etcd kept; after the commands migrate verified equal counts and finalize succeeded (${recopied.toFixed(1)} s from the first command)`,
      dataLost: `none: the deployed etcd kept all ${[...deployedBefore.values()].reduce((a, b) => a + b, 0)} keys while finalize was refused, and the second copy holds every group's count`,
    });
  });

  it('a value changed in the copy (counts equal): phase one fails naming the group and the first differing key, never a value; finalize is refused', async () => {
    const prefix = '/registry/configmaps/';
    const d = await env().demo({
      namespace: 'e2e-f-corrupt',
      release: 'corrupt',
      faults: { corruptValueUnder: prefix },
    });
    const secrets = secretsOf(d);
    const deployedTls = d.standIn.etcdTls('deployed')!;
    const key = (await listKeys(deployedTls)).find((k) => k.startsWith(prefix))!;
    const original = seedKeys().find((k) => k.key === key)!.value;

    const r = await runAction(inputsFor(d, 'migrate'));
    assertNoSecretLeak(r, [...secrets, original]);
    expect(r.code, explain(r)).not.toBe(0);
    expect(r.outputs.status, explain(r)).toBe('failed');
    // Counts are equal: no group lost keys; the content proof names the group and the key.
    const rows = JSON.parse(r.outputs['key-diff'] ?? '[]') as Array<
      DiffRow & { content?: string; firstDifferingKey?: string }
    >;
    expect(rows.filter((x) => x.verdict === 'lost')).toEqual([]);
    const row = rows.find((x) => x.group === prefix)!;
    expect(row.before).toBe(row.after);
    expect(row.firstDifferingKey).toBe(key);
    expect(row.content).toContain(`1 value differs (first key: ${key})`);
    expect(rows.find((x) => x.group === '/registry/secrets/')?.content).toBe('same keys and values');
    expect(errorLine(r), explain(r)).toContain(`${prefix}: 1 value differs (first key: ${key})`);
    expect(plain(r.summary)).toContain(key);
    const st = await state(d);
    expect(st?.phase1?.status).toBe('failed');
    expect(st?.phase1?.failure).toContain(prefix);

    const f = await runAction(inputsFor(d, 'finalize'));
    assertNoSecretLeak(f, secrets);
    expect(f.outputs.status, explain(f)).toBe('refused');
    expect(await stsExists(d, `${d.release}-etcd`)).toBe(true);

    recordScenario({
      group: GROUP,
      scenario: 'a value changed in the copy to embedded etcd (key counts equal)',
      done: `stand-in corruptValueUnder ${prefix}: the copy writes the first ConfigMap with another value of the same length; then migrate, then finalize`,
      action: `migrate failed in ${secs(r)}, exit 1, counts equal in every group; the content proof named group ${prefix} and key ${key} (no value) in the error, the summary and output key-diff; finalize refused, StatefulSet <release>-etcd kept`,
      dataLost: 'none: the deployed etcd keeps the original value while finalize is refused',
    });
  });

  it('a token missing one RBAC verb is refused before any change, naming the verb and the resource', async () => {
    const d = await env().demo({ namespace: 'e2e-f-rbac', release: 'rbac' });
    const admin = k8s.KubernetesObjectApi.makeApiClient(env().cluster.kubeConfig);
    /** Replaces the action's Role with examples/rbac.yaml's minus one verb on one resource. */
    const withoutVerb = async (group: string, resource: string, verb: string) => {
      const role = rbacObjects(d.namespace).find((o) => o.kind === 'Role') as k8s.V1Role;
      const rules: k8s.V1PolicyRule[] = [];
      for (const rule of role.rules ?? []) {
        if (!(rule.apiGroups ?? []).includes(group) || !(rule.resources ?? []).includes(resource)) {
          rules.push(rule);
          continue;
        }
        const others = (rule.resources ?? []).filter((x) => x !== resource);
        if (others.length > 0) rules.push({ ...rule, resources: others });
        rules.push({ ...rule, resources: [resource], verbs: (rule.verbs ?? []).filter((v) => v !== verb) });
      }
      const cur = await admin.read({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: role.metadata!.name!, namespace: d.namespace },
      });
      await admin.replace({
        ...role,
        rules,
        metadata: { ...role.metadata, resourceVersion: cur.metadata?.resourceVersion },
      });
    };
    const cases = [
      { group: 'apps', resource: 'statefulsets', verb: 'delete', shown: 'delete statefulsets.apps' },
      { group: '', resource: 'configmaps', verb: 'update', shown: 'update configmaps' },
    ];
    const valuesBefore = await helmValues(d);
    const revisionBefore = await helmRevision(d);
    const before = await namespaceSnapshot(env(), d.namespace);
    for (const c of cases) {
      await withoutVerb(c.group, c.resource, c.verb);
      const r = await runAction(inputsFor(d, 'migrate'));
      assertNoSecretLeak(r, secretsOf(d));
      expect(r.code, explain(r)).not.toBe(0);
      expect(r.outputs.status, explain(r)).toBe('refused');
      const msg = errorLine(r);
      expect(msg, explain(r)).toContain(c.shown);
      expect(msg).toContain('permissions');
      // Only the one verb is reported missing.
      expect(msg.match(/may not ([^;]*?) in namespace/)?.[1], explain(r)).toBe(c.shown);
      expect(plain(r.summary)).toContain(c.shown);
      expect(await helmValues(d)).toEqual(valuesBefore);
      expect(await helmRevision(d)).toBe(revisionBefore);
      const after = await namespaceSnapshot(env(), d.namespace);
      // A refusal before the lock writes nothing, not even the state record.
      expect(after).toEqual(before);
      recordScenario({
        group: GROUP,
        scenario: `token without ${c.verb} on ${c.resource}`,
        done: `the action's Role is examples/rbac.yaml without '${c.verb}' on ${c.resource}; then phase migrate`,
        action: `refused in ${secs(r)}, exit 1, by the preflight's access reviews before any write: "${msg.split('\n')[0]!.slice(0, 200)}"`,
        dataLost: 'none (no object in the namespace changed)',
      });
    }
  });
});

describe('embedded etcd PVC that cannot bind', () => {
  it('fails within the helm timeout naming the Pending PVC and why; the next run finishes once it binds', async () => {
    const d = await env().demo({ namespace: 'e2e-f-pvc', release: 'pvc' });
    const secrets = secretsOf(d);
    const deployedBefore = await d.standIn.keyCounts('deployed');
    const pvc = `data-${d.release}-0`;
    // No pre-made PersistentVolume has 50Gi (the largest is 20Gi) and the class has no provisioner.
    const r = await runAction(inputsFor(d, 'migrate', { timeout: '60s', 'storage-size': '50Gi' }));
    assertNoSecretLeak(r, secrets);
    expect(r.code, explain(r)).not.toBe(0);
    expect(r.outputs.status, explain(r)).toBe('failed');
    expect(r.ms, 'fails within the helm timeout, not after a silent wait').toBeLessThan(180_000);
    const shown = `${errorLine(r)}\n${plain(r.summary)}`;
    expect(shown, explain(r)).toContain(pvc);
    expect(shown, explain(r)).toMatch(new RegExp(`${pvc}[^\\n]*Pending`));
    // Why: the PVC's events from the PV controller.
    expect(plain(r.summary), explain(r)).toMatch(new RegExp(`event PVC/${pvc}: .*(persistent ?volume|provision)`, 'i'));
    // The record says where the next run continues.
    const st = await state(d);
    expect(st?.phase1?.status, JSON.stringify(st?.phase1)).toBe('failed');
    expect(st?.phase1?.failure).toContain(pvc);
    expect(st?.lock).toBeUndefined();
    expect(await stsExists(d, `${d.release}-etcd`)).toBe(true);

    // The next run resumes at the wait for the success line while the pod is still unscheduled
    // (its log answers 204 then); a volume that fits appears during the wait, the claim binds,
    // the control plane starts and copies, and the run finishes.
    let added: Promise<void> | undefined;
    const again = await runAction(inputsFor(d, 'migrate', { timeout: '2m', 'migration-timeout': '3m' }), {
      onStdout: (chunk) => {
        if (!added && chunk.includes('::group::wait for the success log line')) {
          added = new Promise((res) => setTimeout(res, 4000)).then(() => env().cluster.addPersistentVolumes(['50Gi']));
        }
      },
    });
    await added;
    expect(added, 'the second run reached the log wait').toBeDefined();
    assertNoSecretLeak(again, secrets);
    expect(again.code, explain(again)).toBe(0);
    expect(again.outputs.status, explain(again)).toBe('succeeded');
    expect(again.outputs['log-line']).toContain(SUCCESS_LINE);
    expect(again.summary).toMatch(/Resumed/);
    expect((await state(d))?.phase1?.status).toBe('verified');
    expect(await lostGroups(d, deployedBefore)).toEqual([]);

    recordScenario({
      group: GROUP,
      scenario: 'embedded etcd PVC cannot bind',
      done: 'migrate with storage-size 50Gi (no PersistentVolume that large, class without provisioner) and timeout 60s; then migrate again, and a 50Gi PV appears while it waits',
      action: `failed in ${secs(r)}, exit 1: "${errorLine(r).split('\n')[0]!.slice(0, 160)}…", pod and PVC events in the summary; state phase1 failed; the next migrate resumed at the log wait, waited through the unscheduled pod and verified in ${secs(again)}`,
      dataLost:
        'none (every non-volatile group of the deployed etcd has the same count in the embedded etcd, read directly)',
    });
  });
});

describe('finalize approval gate against the GitHub REST stand-in', () => {
  let github: GitHubStandin | undefined;
  afterAll(async () => {
    await github?.close();
  });

  it('not yet approved: refused naming the missing approval, nothing changed; approved: finalize verifies', async () => {
    const OWNER = 'example';
    const REPO = 'platform';
    const RUN_ID = 77001;
    const token = `ghs_${'faultsRefusalsToken0123456789abcdefXYZ'}`;
    github = await startGitHubStandin();
    github.addEnvironment(OWNER, REPO, 'production', ['platform-lead']);
    github.addPending(OWNER, REPO, RUN_ID, { environment: 'production', reviewers: ['platform-lead'] });
    const ghEnv = {
      env: { GITHUB_API_URL: github.url, GITHUB_REPOSITORY: `${OWNER}/${REPO}`, GITHUB_RUN_ID: String(RUN_ID) },
    };
    const gated = (d: DemoVCluster) => inputsFor(d, 'finalize', { 'require-approval': 'true', 'github-token': token });

    const d = await env().demo({ namespace: 'e2e-f-approve', release: 'appr' });
    const secrets = secretsOf(d, [token]);
    const deployedBefore = await d.standIn.keyCounts('deployed');
    const m = await runAction(inputsFor(d, 'migrate'));
    assertNoSecretLeak(m, secrets);
    expect(m.outputs.status, explain(m)).toBe('succeeded');

    const before = await namespaceSnapshot(env(), d.namespace);
    const valuesBefore = await helmValues(d);
    const refused = await runAction(gated(d), ghEnv);
    assertNoSecretLeak(refused, secrets);
    expect(refused.code, explain(refused)).not.toBe(0);
    expect(refused.outputs.status, explain(refused)).toBe('refused');
    const msg = errorLine(refused);
    expect(msg, explain(refused)).toContain('not approved');
    expect(msg).toContain(`Run ${RUN_ID} is still waiting for a review of environment 'production'`);
    expect(msg).toContain('platform-lead');
    expect(await namespaceSnapshot(env(), d.namespace)).toEqual(before);
    expect(await helmValues(d)).toEqual(valuesBefore);
    expect(await stsExists(d, `${d.release}-etcd`)).toBe(true);
    expect((await state(d))?.phase2).toBeUndefined();
    expect(github.requests.map((x) => x.operationId)).toContain('actions/get-reviews-for-run');

    github.addReview(OWNER, REPO, RUN_ID, {
      environment: 'production',
      state: 'approved',
      login: 'platform-lead',
      comment: 'go',
    });
    const f = await runAction(gated(d), ghEnv);
    assertNoSecretLeak(f, secrets);
    expect(f.code, explain(f)).toBe(0);
    expect(f.outputs.status, explain(f)).toBe('succeeded');
    expect(f.summary).toContain('Approved by: `platform-lead`');
    expect(f.summary).not.toContain('WITHOUT a verified approval');
    expect(await stsExists(d, `${d.release}-etcd`)).toBe(false);
    const st = await state(d);
    expect(st?.phase2?.status).toBe('verified');
    expect(st?.phase2?.approvedBy).toEqual(['platform-lead']);
    expect(st?.phase2?.approvalBypassed).toBe(false);
    await d.standIn.waitForHistory((h) => h.some((l) => l.includes('embedded etcd started on migrated data')), 60_000);
    expect(await lostGroups(d, deployedBefore)).toEqual([]);
    expect(github.violations).toEqual([]);

    recordScenario({
      group: GROUP,
      scenario: 'finalize before the environment is approved',
      done: "finalize with require-approval: true against the GitHub REST stand-in: environment 'production' requires platform-lead, the run is still pending; then platform-lead approves and finalize runs again",
      action: `refused in ${secs(refused)} naming the pending review of 'production' by platform-lead, no object changed; after the approval finalize succeeded in ${secs(f)} (approved by platform-lead) and verified the deployed etcd gone`,
      dataLost:
        'none (every non-volatile group of the deployed etcd has the same count in the embedded etcd after the restart, read directly)',
    });
  });
});
