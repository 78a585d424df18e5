// The example workflows, unmodified, run by a real workflow engine (nektos/act, on this host) on the
// local cluster: what a workflow says (action.yml defaults, `${{ }}` expressions, step outputs, job
// outputs across `needs`, a matrix, a pull request's payload) must reach the action and come back as
// the examples assume. The action comes from a folder with only action.yml and dist/, the chart from
// the chart repository stand-in at action.yml's default `chart-repo`, GitHub from its stand-in.
// Each example is a row of CHECKS below, its set-up a row of EXAMPLES (sandbox/example-workflows.ts).
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandin, type GitHubStandin } from '../support/github-standin.ts';
import { startChartRepoStandin, type ChartRepoStandin } from '../../sandbox/chart-repo-standin.ts';
import {
  APPROVAL_ENVIRONMENT,
  CHART_VERSION,
  EXAMPLES,
  LATE_WRITE,
  OWNER,
  REPO,
  WAVES,
  exampleByFile,
  wavesOf,
  type ExampleContext,
  type PreparedExample,
} from '../../sandbox/example-workflows.ts';
import { describeRun, runWorkflow, type EngineJob, type WorkflowRun } from '../../sandbox/workflow-engine.ts';
import type { DemoVCluster } from '../../sandbox/vcluster-release.ts';
import { copyAgain, exists, FIXTURE_CHART, lostGroups, namespaceSnapshot, useSharedCluster } from './harness.ts';
import { gateway, lostGroups as lostGroupsBetween } from '../../sandbox/keyspace.ts';
import { REPO_ROOT } from '../../sandbox/action-runner.ts';

const env = useSharedCluster();
let github: GitHubStandin;
let charts: ChartRepoStandin;
let scratch: string;
let nextRunId = 9100;
/** Seconds each example took under the engine, printed at the end (the note of issue 12 quotes them). */
const timings: string[] = [];

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'vem-engine-'));
  github = await startGitHubStandin();
  charts = await startChartRepoStandin(join(scratch, 'charts'), [FIXTURE_CHART]);
});

afterAll(async () => {
  if (timings.length) console.log(`engine runs:\n${timings.join('\n')}`);
  await charts?.close();
  await github?.close();
  rmSync(scratch, { recursive: true, force: true });
});

function context(extra: Partial<ExampleContext> = {}): ExampleContext {
  const runId = nextRunId++;
  return {
    cluster: env().cluster,
    github,
    demo: (o) => env().demo(o),
    dir: join(scratch, `repo-${runId}`),
    runId,
    ...extra,
  };
}

async function run(prepared: PreparedExample, label: string): Promise<WorkflowRun> {
  const r = await runWorkflow({ ...prepared.spec, processEnv: charts.env });
  timings.push(`${label}: ${r.seconds.toFixed(1)} s, ${describeRun(r).replace(/\n/g, '; ')}`);
  return r;
}

/** A run's jobs and log tail, for assertion messages. */
function explain(r: WorkflowRun): string {
  return (
    `act exit ${r.code}\n${describeRun(r)}\n--- log (tail)\n${r.jobs
      .flatMap((j) => j.log.map((l) => `[${j.name}] ${l}`))
      .slice(-80)
      .join('\n')}` +
    `\n--- stand-ins: chart repo ${JSON.stringify(charts.requests)} refused ${JSON.stringify(charts.refused)}; GitHub violations ${JSON.stringify(github.violations)}`
  );
}

function job(r: WorkflowRun, id: string, matrix?: Record<string, unknown>): EngineJob {
  const found = r.jobs.filter(
    (j) => j.id === id && (!matrix || Object.entries(matrix).every(([k, v]) => j.matrix[k] === v)),
  );
  expect(found, `job ${id} ${JSON.stringify(matrix ?? {})}\n${explain(r)}`).toHaveLength(1);
  return found[0]!;
}

const stepOutputs = (j: EngineJob, stepId: string) => j.steps.find((s) => s.id === stepId)?.outputs ?? {};

/** Secrets never reach the engine's log (act masks what it knows; the action masks the rest). */
/** The snapshot artifact the workflow uploaded: one file, kept 7 days, the file the action verified (its sha256). */
function expectSnapshotArtifact(r: WorkflowRun, runId: number, name: string, sha256: string | undefined): void {
  const artifact = join(r.artifactsDir, String(runId), name);
  expect(existsSync(artifact), `artifact ${name}\n${explain(r)}`).toBe(true);
  const meta = JSON.parse(readFileSync(join(artifact, '.artifact.json'), 'utf8')) as {
    retentionDays: number;
    files: string[];
  };
  expect(meta.retentionDays).toBe(7);
  expect(meta.files).toHaveLength(1);
  const sha = createHash('sha256')
    .update(readFileSync(join(artifact, meta.files[0]!)))
    .digest('hex');
  expect(sha).toBe(sha256);
}

function expectNoSecrets(r: WorkflowRun, prepared: PreparedExample): void {
  for (const kubeconfig of prepared.kubeconfig ? [prepared.kubeconfig] : prepared.demos.map((d) => d.kubeconfig)) {
    const token = /token: (\S+)/.exec(kubeconfig)?.[1] ?? '';
    expect(token.length).toBeGreaterThan(40);
    // The engine's debug record of an ::add-mask:: command carries the value being masked; GitHub's log never
    // shows a workflow command, so that record is not text a person sees.
    const seen = r.raw
      .split('\n')
      .filter((line) => !line.includes('"command":"add-mask"'))
      .join('\n');
    expect(seen).not.toContain(token.slice(-40));
  }
}

const etcdExists = (d: DemoVCluster) =>
  exists(env().apps.readNamespacedStatefulSet({ name: `${d.release}-etcd`, namespace: d.namespace }));

interface Check {
  file: string;
  test(): Promise<void>;
}

const CHECKS: Check[] = [
  {
    file: 'migrate.yml',
    async test() {
      const ctx = context();
      const prepared = await exampleByFile('migrate.yml').prepare(ctx);
      const [d] = prepared.demos;
      const deployed = await d!.standIn.keyCounts('deployed');
      const r = await run(prepared, 'migrate.yml (workflow_dispatch, no approval)');
      expect(r.code, explain(r)).not.toBe(0);

      const migrate = job(r, 'migrate');
      expect(migrate.result, explain(r)).toBe('success');
      const out = stepOutputs(migrate, 'migrate');
      expect(out.status, explain(r)).toBe('succeeded');
      expect(Number(out['keys-before'])).toBe(d!.standIn.seededKeys());
      expect(await lostGroups(d!, deployed)).toEqual([]);
      // The chart came from action.yml's default repository (the examples set no chart).
      expect(charts.requests).toContain('/index.yaml');
      expect(charts.requests).toContain(`/vcluster-0.27.0.tgz`);

      // The snapshot artifact: named as the workflow names it, the file the action verified, the retention asked for.
      const name = `etcd-snapshot-${d!.namespace}-${d!.release}-${ctx.runId}`;
      expectSnapshotArtifact(r, ctx.runId, name, out['backup-sha256']);

      // The job output crossed `needs`: finalize ran (its `if:` reads needs.migrate.outputs.status),
      // and the action refused it, as act does not hold the job for the environment's reviewers.
      const finalize = job(r, 'finalize');
      expect(finalize.result, explain(r)).toBe('failure');
      expect(finalize.summary, explain(r)).toMatch(/approv/i);
      expect(
        github.requests.some((q) => q.path === `/repos/${OWNER}/${REPO}/actions/runs/${ctx.runId}/approvals`),
      ).toBe(true);
      expect(
        await exists(env().apps.readNamespacedStatefulSet({ name: `${d!.release}-etcd`, namespace: d!.namespace })),
      ).toBe(true);
      expect(migrate.summary).toContain(d!.release);
      expectNoSecrets(r, prepared);

      // A reviewer approves; the person runs the workflow again. Phase one is a no-op (verified
      // before) and finalize goes through: the path the example's `if:` comment describes.
      const runId = nextRunId++;
      github.addReview(OWNER, REPO, runId, {
        environment: APPROVAL_ENVIRONMENT,
        state: 'approved',
        login: 'platform-lead',
        comment: 'go',
      });
      const second = await run(
        { ...prepared, spec: { ...prepared.spec, env: { ...prepared.spec.env, GITHUB_RUN_ID: String(runId) } } },
        'migrate.yml again after approval',
      );
      expect(second.code, explain(second)).toBe(0);
      expect(stepOutputs(job(second, 'migrate'), 'migrate').status).toBe('no-op');
      expect(job(second, 'finalize').result, explain(second)).toBe('success');
      expect(
        await exists(env().apps.readNamespacedStatefulSet({ name: `${d!.release}-etcd`, namespace: d!.namespace })),
      ).toBe(false);
      expect(github.violations).toEqual([]);
    },
  },
  {
    file: 'plan-on-pr.yml',
    async test() {
      const ctx = context();
      const prepared = await exampleByFile('plan-on-pr.yml').prepare(ctx);
      const [d] = prepared.demos;
      const before = await namespaceSnapshot(env(), d!.namespace);
      const r = await run(prepared, 'plan-on-pr.yml (pull_request)');
      expect(r.code, explain(r)).toBe(0);
      // The changed request file travelled from git diff through the job output into the matrix.
      const file = `migrations/${d!.release}.yaml`;
      expect(stepOutputs(job(r, 'requests'), 'changed').files).toBe(JSON.stringify([file]));
      const plan = job(r, 'plan', { file });
      expect(plan.result, explain(r)).toBe('success');
      expect(stepOutputs(plan, 'request')).toEqual({
        release: d!.release,
        namespace: d!.namespace,
        'chart-version': '0.27.0',
      });
      expect(plan.summary).toContain(d!.release);
      expect(await namespaceSnapshot(env(), d!.namespace)).toEqual(before);
      const comments = github.commentsOf(OWNER, REPO, prepared.pr!);
      expect(comments, explain(r)).toHaveLength(1);
      expect(comments[0]!.body).toContain(d!.release);

      // A second push to the pull request: the one status comment is updated, not repeated.
      const again = await run(
        { ...prepared, spec: { ...prepared.spec, env: { ...prepared.spec.env, GITHUB_RUN_ID: String(nextRunId++) } } },
        'plan-on-pr.yml again',
      );
      expect(again.code, explain(again)).toBe(0);
      expect(github.commentsOf(OWNER, REPO, prepared.pr!)).toHaveLength(1);
      expect(github.count('issues/update-comment')).toBeGreaterThanOrEqual(1);
      expect(github.violations).toEqual([]);
      expectNoSecrets(r, prepared);
    },
  },
  {
    file: 'status-schedule.yml',
    async test() {
      const prepared = await exampleByFile('status-schedule.yml').prepare(context());
      const [a, b] = prepared.demos;
      const r = await run(prepared, 'status-schedule.yml (schedule, matrix of 2)');
      expect(r.code, explain(r)).toBe(0);
      const ja = job(r, 'status', { release: a!.release });
      const jb = job(r, 'status', { release: b!.release });
      expect([ja.result, jb.result], explain(r)).toEqual(['success', 'success']);
      expect(stepOutputs(ja, 'status')['leftover-pvcs']).toBe('[]');
      expect(JSON.parse(stepOutputs(jb, 'status')['leftover-pvcs'] ?? '[]')).toEqual([`data-${b!.release}-etcd-0`]);
      // The step that reads the output ran only where there is something to flag.
      expect(ja.log.join('\n')).not.toContain('deployed etcd PVCs still present');
      expect(jb.log.join('\n')).toContain(`deployed etcd PVCs still present: ["data-${b!.release}-etcd-0"]`);
      expect(ja.summary).toContain(a!.release);
      expect(jb.summary).toMatch(/migration complete/);
      expectNoSecrets(r, prepared);
    },
  },
  {
    file: 'fleet.yml',
    async test() {
      const ctx = context({ approve: true });
      const prepared = await exampleByFile('fleet.yml').prepare(ctx);
      const [a, b, flux] = prepared.demos;
      const eligible = [a!, b!];
      const deployed = await Promise.all(eligible.map((d) => d.standIn.keyCounts('deployed')));
      const fluxBefore = await flux!.standIn.keyCounts('deployed');
      const r = await run(prepared, 'fleet.yml (workflow_dispatch, 3 releases in 2 namespaces, approved)');
      expect(r.code, explain(r)).toBe(0);
      const key = (m: { namespace?: unknown; release?: unknown }) => `${String(m.namespace)}/${String(m.release)}`;
      const want = eligible.map(key).sort();
      type Entry = { release: string; namespace: string; state: string };
      const states = (json?: string) =>
        Object.fromEntries((JSON.parse(json ?? '[]') as Entry[]).map((e) => [key(e), e.state]));

      // discover: the releases of the two namespaces, classified; its matrix output is the migrate job's matrix.
      const found = stepOutputs(job(r, 'discover'), 'discover');
      expect(states(found.fleet), explain(r)).toEqual({
        [key(a!)]: 'deployed',
        [key(b!)]: 'deployed',
        [key(flux!)]: 'not-eligible',
      });
      const matrix = (JSON.parse(found.matrix ?? '{}') as { include: Entry[] }).include;
      expect(matrix.map(key).sort()).toEqual(want);
      expect(found['releases-left']).toBe('0');
      expect(job(r, 'discover').summary).toContain(flux!.release);

      // migrate: one job per matrix entry (each release once, the GitOps one not at all), each verified, each snapshot kept.
      const migrates = r.jobs.filter((j) => j.id === 'migrate');
      expect(migrates.map((j) => key(j.matrix)).sort(), explain(r)).toEqual(want);
      for (const d of eligible) {
        const m = job(r, 'migrate', { release: d.release, namespace: d.namespace });
        expect(m.result, explain(r)).toBe('success');
        expect(m.matrix['chart-version']).toBe(CHART_VERSION);
        const out = stepOutputs(m, 'migrate');
        expect(out.status, explain(r)).toBe('succeeded');
        expect(Number(out['keys-before'])).toBe(d.standIn.seededKeys());
        const name = `etcd-snapshot-${d.namespace}-${d.release}-${ctx.runId}`;
        expect(existsSync(join(r.artifactsDir, String(ctx.runId), name)), `artifact ${name}\n${explain(r)}`).toBe(true);
      }

      // verified: discover again lists both as verified; the one approve gate; finalize over exactly those.
      const verified = stepOutputs(job(r, 'verified'), 'discover');
      expect((JSON.parse(verified.matrix ?? '{}') as { include: Entry[] }).include.map(key).sort(), explain(r)).toEqual(
        want,
      );
      const approve = job(r, 'approve');
      expect(approve.result, explain(r)).toBe('success');
      expect(approve.log.join('\n')).toContain('Phase two approved for 2 releases.');
      const finalizes = r.jobs.filter((j) => j.id === 'finalize');
      expect(finalizes.map((j) => key(j.matrix)).sort(), explain(r)).toEqual(want);
      for (const f of finalizes) {
        expect(f.result, explain(r)).toBe('success');
        expect(f.summary).toContain(String(f.matrix.release));
      }
      expect(
        github.requests.some((q) => q.path === `/repos/${OWNER}/${REPO}/actions/runs/${ctx.runId}/approvals`),
      ).toBe(true);

      // report: both embedded, the GitOps release untouched; no key lost (read from the etcds, not through the action).
      const report = job(r, 'report');
      expect(report.result, explain(r)).toBe('success');
      const end = stepOutputs(report, 'discover');
      expect(states(end.fleet), explain(r)).toEqual({
        [key(a!)]: 'embedded',
        [key(b!)]: 'embedded',
        [key(flux!)]: 'not-eligible',
      });
      expect(end['matrix-size']).toBe('0');
      for (const d of prepared.demos) expect(report.summary, explain(r)).toContain(d.release);
      expect(report.log.join('\n')).not.toContain('did not fit into this run');
      for (const [i, d] of eligible.entries()) {
        await d.standIn.waitForHistory(
          (h) => h.some((l) => l.includes('embedded etcd started on migrated data')),
          60_000,
        );
        expect(await lostGroups(d, deployed[i]!), d.release).toEqual([]);
        expect(
          await exists(env().apps.readNamespacedStatefulSet({ name: `${d.release}-etcd`, namespace: d.namespace })),
        ).toBe(false);
      }
      expect(
        await exists(
          env().apps.readNamespacedStatefulSet({ name: `${flux!.release}-etcd`, namespace: flux!.namespace }),
        ),
      ).toBe(true);
      expect(await flux!.standIn.keyCounts('deployed')).toEqual(fluxBefore);
      expect(github.violations).toEqual([]);
      expectNoSecrets(r, prepared);
    },
  },
  {
    file: 'abort.yml',
    async test() {
      const ctx = context({ approve: true });
      const prepared = await exampleByFile('abort.yml').prepare(ctx);
      const [d] = prepared.demos;
      const embedded = await d!.standIn.keyCounts('embedded');
      const r = await run(prepared, 'abort.yml (workflow_dispatch, approval environment, approved)');
      expect(r.code, explain(r)).toBe(0);
      const abort = job(r, 'abort');
      expect(abort.result, explain(r)).toBe('success');
      const out = stepOutputs(abort, 'abort');
      expect(out.status, explain(r)).toBe('succeeded');
      // The approval was checked through the API for this run.
      expect(
        github.requests.some((q) => q.path === `/repos/${OWNER}/${REPO}/actions/runs/${ctx.runId}/approvals`),
      ).toBe(true);

      // The snapshot of the embedded etcd at the stop: the artifact is the file the action verified.
      const name = `embedded-etcd-snapshot-${d!.namespace}-${d!.release}-${ctx.runId}`;
      expectSnapshotArtifact(r, ctx.runId, name, out['backup-sha256']);

      // Back on the deployed etcd: the control plane a Deployment again, every key of the embedded etcd there.
      expect(await exists(env().apps.readNamespacedStatefulSet({ name: d!.release, namespace: d!.namespace }))).toBe(
        false,
      );
      expect(await exists(env().apps.readNamespacedDeployment({ name: d!.release, namespace: d!.namespace }))).toBe(
        true,
      );
      expect(lostGroupsBetween(embedded, await d!.standIn.keyCounts('deployed'))).toEqual([]);
      const late = await gateway<{ kvs?: Array<{ value: string }> }>(d!.standIn.etcdTls('deployed')!, '/v3/kv/range', {
        key: Buffer.from(LATE_WRITE.key).toString('base64'),
      });
      expect(Buffer.from(late.kvs?.[0]?.value ?? '', 'base64').toString()).toBe(LATE_WRITE.value);
      expect(abort.summary).toContain(d!.release);
      expect(github.violations).toEqual([]);
      expectNoSecrets(r, prepared);
    },
  },
  {
    file: 'fleet-waves.yml',
    async test() {
      const ctx = context({ approve: true });
      const prepared = await exampleByFile('fleet-waves.yml').prepare(ctx);
      const key = (m: { namespace?: unknown; release?: unknown }) => `${String(m.namespace)}/${String(m.release)}`;
      const demo = new Map(prepared.demos.map((d) => [key(d), d]));
      const before = new Map(
        await Promise.all(prepared.demos.map(async (d) => [key(d), await d.standIn.keyCounts('deployed')] as const)),
      );
      const [canary, second, third] = wavesOf().map((w) => w.map(key));
      const faulty = second![0]!;
      type Entry = { release: string; namespace: string };
      const matrixOf = (j: EngineJob) =>
        (JSON.parse(stepOutputs(j, 'discover').matrix ?? '{"include":[]}') as { include: Entry[] }).include
          .map(key)
          .sort();
      const ran = (r: WorkflowRun, id: string) => r.jobs.filter((j) => j.id === id);

      // The first run: the canary, then the second wave, whose faulty release stops the campaign.
      const r = await run(
        prepared,
        `fleet-waves.yml (7 releases, waves ${WAVES.waves}, a copy that loses keys in wave 2)`,
      );
      expect(r.code, explain(r)).not.toBe(0);
      expect(stepOutputs(job(r, 'plan-1'), 'discover'), explain(r)).toMatchObject({
        campaign: 'running',
        wave: '1',
        batch: '1',
      });
      expect(matrixOf(job(r, 'plan-1'))).toEqual(canary);
      expect(job(r, 'finalize-1', { release: canary![0]!.split('/')[1] }).result, explain(r)).toBe('success');
      expect(stepOutputs(job(r, 'plan-2'), 'discover')).toMatchObject({ campaign: 'running', wave: '2', batch: '2' });
      expect(matrixOf(job(r, 'plan-2'))).toEqual([...second!].sort());
      for (const k of second!) {
        const m = job(r, 'migrate-2', { namespace: k.split('/')[0], release: k.split('/')[1] });
        expect(m.result, `${k}\n${explain(r)}`).toBe(k === faulty ? 'failure' : 'success');
      }
      // The approval gate of wave 2 held the verified releases only; the faulty one never reached finalize.
      expect(matrixOf(job(r, 'verified-2'))).toEqual(second!.filter((k) => k !== faulty).sort());
      expect(job(r, 'approve-2').log.join('\n')).toContain('Phase two of wave 2 approved for 2 releases.');
      expect(
        ran(r, 'finalize-2')
          .map((j) => key(j.matrix))
          .sort(),
      ).toEqual(second!.filter((k) => k !== faulty).sort());
      // The budget (max-failures 0) is spent: the third wave never starts.
      const stopped = stepOutputs(job(r, 'plan-3'), 'discover');
      expect(stopped, explain(r)).toMatchObject({ campaign: 'stopped', batch: '', 'matrix-size': '0', failures: '1' });
      expect(
        ran(r, 'migrate-3').filter((j) => j.result !== 'skipped'),
        explain(r),
      ).toEqual([]);
      const report = job(r, 'report');
      expect(report.result, explain(r)).toBe('failure');
      expect(stepOutputs(report, 'discover').campaign, explain(r)).toBe('stopped');
      const summary = report.summary.replaceAll('\\', '').replaceAll('`', '');
      expect(summary.indexOf('**Campaign stopped:**'), summary).toBeGreaterThan(0);
      expect(summary.indexOf('**Campaign stopped:**')).toBeLessThan(summary.indexOf('| wave | releases |'));
      expect(summary).toContain(`${faulty} (wave 2, failed)`);
      expect(summary).toContain('run this workflow again: wave 2 resumes with it');
      // The run fails at the report's last step, after the fleet file was kept.
      expect(report.steps.find((st) => st.name.includes('Fail the run'))?.result, explain(r)).toBe('failure');
      const artifact = join(r.artifactsDir, String(ctx.runId), `vcluster-fleet-${ctx.runId}`);
      expect(existsSync(artifact), explain(r)).toBe(true);
      for (const k of third!) expect(await etcdExists(demo.get(k)!), k).toBe(true);
      for (const k of [...third!, faulty])
        expect(await demo.get(k)!.standIn.keyCounts('deployed'), k).toEqual(before.get(k));

      // A person follows the refusal's commands for the faulty release and runs the workflow again:
      // the campaign resumes the second wave with that release alone, then runs the third.
      demo.get(faulty)!.standIn.setFaults({});
      await copyAgain(env(), demo.get(faulty)!);
      const runId = nextRunId++;
      github.addReview(OWNER, REPO, runId, {
        environment: APPROVAL_ENVIRONMENT,
        state: 'approved',
        login: 'platform-lead',
        comment: 'go',
      });
      const again = await run(
        { ...prepared, spec: { ...prepared.spec, env: { ...prepared.spec.env, GITHUB_RUN_ID: String(runId) } } },
        'fleet-waves.yml again after the fix',
      );
      expect(again.code, explain(again)).toBe(0);
      expect(stepOutputs(job(again, 'plan-1'), 'discover')).toMatchObject({
        campaign: 'running',
        wave: '2',
        batch: '2',
      });
      // Finished releases are not redone: the resumed wave holds the faulty release alone.
      expect(matrixOf(job(again, 'plan-1'))).toEqual([faulty]);
      expect(ran(again, 'migrate-1').map((j) => key(j.matrix))).toEqual([faulty]);
      expect(matrixOf(job(again, 'plan-2'))).toEqual([...third!].sort());
      expect(
        ran(again, 'finalize-2')
          .map((j) => key(j.matrix))
          .sort(),
      ).toEqual([...third!].sort());
      for (const j of [
        ...ran(again, 'migrate-1'),
        ...ran(again, 'finalize-1'),
        ...ran(again, 'migrate-2'),
        ...ran(again, 'finalize-2'),
      ])
        expect(j.result, `${j.name}\n${explain(again)}`).toBe('success');
      expect(stepOutputs(job(again, 'plan-3'), 'discover')).toMatchObject({ campaign: 'complete', batch: '' });
      const end = stepOutputs(job(again, 'report'), 'discover');
      expect(end.campaign).toBe('complete');
      expect(job(again, 'report').summary).toContain('**Campaign complete:**');

      // Every release embedded, no key lost anywhere (read from the etcds, not through the action).
      for (const d of prepared.demos) {
        await d.standIn.waitForHistory(
          (h) => h.some((l) => l.includes('embedded etcd started on migrated data')),
          60_000,
        );
        expect(await etcdExists(d), key(d)).toBe(false);
        expect(await lostGroups(d, before.get(key(d))!), key(d)).toEqual([]);
      }
      expect(github.violations).toEqual([]);
      expectNoSecrets(r, prepared);
      expectNoSecrets(again, prepared);
    },
  },
];

describe('example workflows under a real workflow engine (nektos/act)', () => {
  it('every workflow in examples/ has an engine set-up and checks', () => {
    const files = readdirSync(join(REPO_ROOT, 'examples')).filter(
      (f) => /\.ya?ml$/.test(f) && /^\s*on:/m.test(readFileSync(join(REPO_ROOT, 'examples', f), 'utf8')),
    );
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(EXAMPLES.map((e) => e.file).sort()).toEqual(files.sort());
    expect(CHECKS.map((c) => c.file).sort()).toEqual(files.sort());
  });

  for (const c of CHECKS) it(c.file, c.test, 20 * 60_000);
});
