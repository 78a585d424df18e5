// `npm run sandbox`: builds what is missing, starts the local cluster, installs a demo vCluster on
// deployed etcd (fixture chart + vCluster stand-in), runs the action's plan, migrate and finalize
// as GitHub runs it with a least-privilege ServiceAccount, prints the summaries, and stops
// everything. `npm run sandbox -- --keep` leaves the cluster running until Ctrl-C.
import { startGitHubStandin, type GitHubStandin } from '../test/support/github-standin.ts';
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binDir, type BinName } from './bins.ts';
import { ACTION_ENTRY, REPO_ROOT, runAction, type ActionResult } from './action-runner.ts';
import { startCluster, type Cluster } from './cluster.ts';
import { logTail } from './processes.ts';
import { FIXTURE_CHART, installDemoVCluster, type DemoVCluster } from './vcluster-release.ts';
import { lostGroups } from './keyspace.ts';
import { runExampleWorkflow } from './run-workflow.ts';
import * as k8s from '@kubernetes/client-node';

const keep = process.argv.includes('--keep');
const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
const say = (s: string) => process.stdout.write(`[sandbox ${secs()}s] ${s}\n`);

const BINS: BinName[] = [
  'etcd',
  'etcdctl',
  'etcdutl',
  'kwok',
  'helm',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'act',
];

async function buildMissing(logDir: string): Promise<void> {
  const missing = BINS.filter((b) => !existsSync(join(binDir(), b)));
  const hasGo = spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
  // build.sh also rebuilds a binary whose version stamp changed; without Go, built binaries are used as they are.
  if (missing.length === 0 && !hasGo) return;
  if (missing.length > 0)
    say(
      `building ${missing.join(', ')} from Go modules (cold: about 15 minutes on 2 cores; full log in ${join(logDir, 'build.log')})`,
    );
  const log = createWriteStream(join(logDir, 'build.log'));
  const code = await new Promise<number>((resolve) => {
    const child = spawn('bash', [join(REPO_ROOT, 'sandbox', 'build.sh')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    const onData = (c: Buffer) => {
      log.write(c);
      buf += c.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith('[build')) process.stdout.write(`  ${line}\n`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('close', (c) => resolve(c ?? 1));
  });
  log.end();
  if (code !== 0)
    throw new Error(`sandbox/build.sh failed (exit ${code}). Last lines:\n${logTail(join(logDir, 'build.log'), 25)}`);
}

// The GitHub side runs against the GitHub REST stand-in (test/support): environment 'production'
// has a required reviewer who approved this run, so finalize goes through the real approval gate,
// and the PR status comment is written there.
const OWNER = 'sandbox';
const REPO = 'platform';
const RUN_ID = 4242;
const PR = 7;
let github: GitHubStandin | undefined;

async function startGitHub(): Promise<GitHubStandin> {
  const g = await startGitHubStandin();
  g.addEnvironment(OWNER, REPO, 'production', ['platform-lead']);
  g.addReview(OWNER, REPO, RUN_ID, {
    environment: 'production',
    state: 'approved',
    login: 'platform-lead',
    comment: 'sandbox approval',
  });
  return g;
}

function inputs(d: DemoVCluster, phase: string): Record<string, string> {
  return {
    release: d.release,
    namespace: d.namespace,
    'chart-version': '0.27.0',
    chart: FIXTURE_CHART,
    kubeconfig: d.kubeconfig,
    phase,
    'approval-environment': 'production',
    'github-token': 'sandbox-token-not-secret',
    'pr-number': String(PR),
    timeout: '3m',
    'migration-timeout': '5m',
  };
}

function githubEnv(): Record<string, string> {
  return {
    GITHUB_API_URL: github!.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_RUN_ID: String(RUN_ID),
    GITHUB_EVENT_NAME: 'workflow_dispatch',
  };
}

async function phase(d: DemoVCluster, name: string): Promise<ActionResult> {
  say(`action phase=${name}`);
  const r = await runAction(inputs(d, name), {
    env: githubEnv(),
    onStdout: (chunk) => {
      for (const line of chunk.split('\n')) if (line.trim()) process.stdout.write(`  | ${line}\n`);
    },
  });
  say(`phase=${name} exit=${r.code} status=${r.outputs.status ?? '(none)'} in ${(r.ms / 1000).toFixed(1)}s`);
  return r;
}

const succeeded = (r: ActionResult | undefined) =>
  r?.code === 0 && (r.outputs.status === 'succeeded' || r.outputs.status === 'no-op');

function lostKeys(r: ActionResult | undefined): number {
  try {
    const rows = JSON.parse(r?.outputs['key-diff'] ?? '[]') as Array<{
      before: number;
      after: number;
      verdict: string;
    }>;
    return rows.filter((x) => x.verdict === 'lost').reduce((n, x) => n + Math.max(0, x.before - x.after), 0);
  } catch {
    return 0;
  }
}

async function main(): Promise<number> {
  const dir = join(REPO_ROOT, '.sandbox', `run-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  let cluster: Cluster | undefined;
  let demo: DemoVCluster | undefined;
  let p1: ActionResult | undefined;
  let p2: ActionResult | undefined;
  let ok1 = false;
  let ok2 = false;
  try {
    await buildMissing(dir);
    if (!existsSync(ACTION_ENTRY))
      throw new Error(`${ACTION_ENTRY} is missing: build the action first (npm run build).`);
    github = await startGitHub();
    say('starting the local cluster (etcd, kube-apiserver, controller manager, scheduler, kwok)');
    cluster = await startCluster({ dir: join(dir, 'cluster'), removeOnStop: false });
    say(`cluster ready; installing demo vCluster (fixture chart, deployed etcd) in namespace vcluster-demo`);
    demo = await installDemoVCluster(cluster, { namespace: 'vcluster-demo', release: 'demo' });
    say(
      `demo ready: deployed etcd holds ${demo.standIn.seededKeys()} keys; the action runs as ServiceAccount vcluster-etcd-migrate`,
    );
    const deployedCounts = await demo.standIn.keyCounts('deployed');
    const plan = await phase(demo, 'plan');
    if (plan.code === 0) p1 = await phase(demo, 'migrate');
    if (succeeded(p1)) {
      const loss = lostGroups(deployedCounts, await demo.standIn.keyCounts('embedded'));
      if (loss.length) say(`the stand-in's embedded etcd differs from the deployed etcd: ${loss.join('; ')}`);
      ok1 = loss.length === 0;
    }
    if (ok1) p2 = await phase(demo, 'finalize');
    if (succeeded(p2)) {
      const apps = cluster.kubeConfig.makeApiClient(k8s.AppsV1Api);
      const gone = await apps.readNamespacedStatefulSet({ name: 'demo-etcd', namespace: 'vcluster-demo' }).then(
        () => false,
        () => true,
      );
      if (!gone) say('StatefulSet demo-etcd still exists after finalize');
      ok2 = gone;
    }
    for (const [name, r] of [
      ['migrate', p1],
      ['finalize', p2],
    ] as const) {
      if (r?.summary) process.stdout.write(`\n===== job summary: ${name} =====\n${r.summary}\n`);
    }
    const comment = github?.commentsOf(OWNER, REPO, PR).at(-1);
    if (comment) process.stdout.write(`\n===== PR #${PR} status comment (GitHub stand-in) =====\n${comment.body}\n`);
    if (github?.violations.length)
      say(
        `GitHub stand-in: requests or responses outside GitHub's OpenAPI description: ${github.violations.join('; ')}`,
      );
    for (const [name, r] of [
      ['plan', plan],
      ['migrate', p1],
      ['finalize', p2],
    ] as const) {
      if (r && !succeeded(r) && r.outputs.status !== 'planned' && !r.summary) {
        process.stdout.write(
          `\n===== ${name} output (exit ${r.code}) =====\n${r.stdout.slice(-3000)}${r.stderr.slice(-2000)}\n`,
        );
      }
    }
    if (keep) {
      const saFile = join(dir, 'action-serviceaccount.kubeconfig');
      writeFileSync(saFile, demo.kubeconfig, { mode: 0o600 });
      process.stdout.write(
        `\ncluster kept running (Ctrl-C stops it)\n  admin kubeconfig:  ${cluster.adminKubeconfig}\n  action kubeconfig: ${saFile}\n  logs:              ${join(cluster.dir, 'logs')}\n`,
      );
    }
  } catch (e) {
    process.stdout.write(`\nsandbox failed: ${e instanceof Error ? e.message : String(e)}\nlogs kept in ${dir}\n`);
  } finally {
    const ok = ok1 && ok2;
    const line =
      `sandbox phase1=${ok1 ? 'ok' : 'failed'} phase2=${ok2 ? 'ok' : 'failed'} ` +
      `keys_before=${Number(p1?.outputs['keys-before'] ?? 0)} keys_after=${Number(p1?.outputs['keys-after'] ?? 0)} ` +
      `lost=${lostKeys(p1)} seconds=${Math.round((Date.now() - t0) / 1000)}`;
    if (keep && cluster) {
      process.stdout.write(`${line}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await demo?.standIn.stop();
      await cluster.stop();
      await github?.close();
    } else {
      await demo?.standIn.stop();
      await cluster?.stop();
      await github?.close();
      if (ok) rmSync(dir, { recursive: true, force: true });
      process.stdout.write(`${line}\n`);
    }
  }
  return ok1 && ok2 ? 0 : 1;
}

// `--workflow examples/<file>.yml`: one example workflow under nektos/act instead (sandbox/run-workflow.ts).
const workflowArg = process.argv.indexOf('--workflow');
process.exitCode =
  workflowArg >= 0 ? await runExampleWorkflow(process.argv[workflowArg + 1] ?? '', buildMissing) : await main();
