// What each workflow in examples/ needs before a person would run it, set up on the local cluster:
// the vClusters it names, a repository (with a pull request where the event is one), the event's
// payload and inputs, the KUBECONFIG secret (the action's least-RBAC ServiceAccount) and the GitHub
// stand-in's state. The e2e test (test/e2e/workflows-engine.test.ts) and `npm run sandbox --
// --workflow` both run the examples from this table. A new example is one more entry here.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { GitHubStandin } from '../test/support/github-standin.ts';
import { REPO_ROOT, runAction } from './action-runner.ts';
import type { Cluster } from './cluster.ts';
import { fleetKubeconfig, rbacObjects } from './service-account.ts';
import { gateway } from './keyspace.ts';
import { FIXTURE_CHART, type DemoOptions, type DemoVCluster } from './vcluster-release.ts';
import type { WorkflowSpec } from './workflow-engine.ts';
import { campaignOrder } from '../src/core/fleet/waves.ts';

export const OWNER = 'example';
export const REPO = 'platform';
/** The fixture chart's version: what the chart repository stand-in serves. */
export const CHART_VERSION = '0.27.0';
/** The environment migrate.yml's finalize job and abort.yml's job name. */
export const APPROVAL_ENVIRONMENT = 'vcluster-etcd-approval';

export interface ExampleContext {
  cluster: Cluster;
  github: GitHubStandin;
  demo(o: DemoOptions): Promise<DemoVCluster>;
  /** Scratch folder for the repository. */
  dir: string;
  /** GitHub's run id of the next run. */
  runId: number;
  /** A reviewer approved the run in the GitHub stand-in (migrate.yml's finalize needs it). */
  approve?: boolean;
}

/** abort.yml's run: a key the virtual cluster wrote after phase one, only in the embedded etcd until the abort. */
export const LATE_WRITE = { key: '/registry/configmaps/default/written-after-phase-one', value: 'late' } as const;

/** fleet.yml's run: two namespaces, each with a release on deployed etcd; one of them also holds a GitOps-managed release. */
export const FLEET = {
  namespaces: ['wf-fleet-a', 'wf-fleet-b'],
  eligible: [
    { namespace: 'wf-fleet-a', release: 'vc-fleet-a' },
    { namespace: 'wf-fleet-b', release: 'vc-fleet-b' },
  ],
  gitops: { namespace: 'wf-fleet-b', release: 'vc-fleet-flux' },
} as const;
/**
 * fleet-waves.yml's run: seven releases, the canary in a namespace labelled as input `canary` says,
 * then waves of three and the rest. The first release of the second wave loses keys in its copy
 * (stand-in dropPrefix), which stops the third wave.
 */
export const WAVES = {
  canaryNamespace: 'wf-waves-canary',
  namespaces: ['wf-waves-canary', 'wf-waves-a', 'wf-waves-b'],
  canaryLabel: { key: 'vcluster-etcd-migrate/canary', value: 'true' },
  waves: '3,rest',
  dropPrefix: '/registry/configmaps/',
  releases: [
    { namespace: 'wf-waves-canary', release: 'vc-canary' },
    { namespace: 'wf-waves-a', release: 'vc-a1' },
    { namespace: 'wf-waves-a', release: 'vc-a2' },
    { namespace: 'wf-waves-a', release: 'vc-a3' },
    { namespace: 'wf-waves-b', release: 'vc-b1' },
    { namespace: 'wf-waves-b', release: 'vc-b2' },
    { namespace: 'wf-waves-b', release: 'vc-b3' },
  ],
} as const;

/** The waves the campaign chooses for WAVES (the action's own order): canary, second wave, third wave. */
export function wavesOf(): { namespace: string; release: string }[][] {
  const isCanary = (r: { namespace: string }) => r.namespace === WAVES.canaryNamespace;
  const ordered = campaignOrder([...WAVES.releases], isCanary);
  return [ordered.slice(0, 1), ordered.slice(1, 4), ordered.slice(4)];
}

/** Flux's helm-controller labels what it applies; Helm keeps labels it did not set. */
const FLUX_LABELS = { 'helm.toolkit.fluxcd.io/name': 'gitops', 'helm.toolkit.fluxcd.io/namespace': 'flux-system' };

export interface PreparedExample {
  spec: WorkflowSpec;
  demos: DemoVCluster[];
  /** The pull request the run belongs to, when the event is one. */
  pr?: number;
  /** The KUBECONFIG secret, where it is not the first demo's (fleet.yml: examples/rbac-fleet.yaml's ServiceAccount). */
  kubeconfig?: string;
}

export interface ExampleWorkflow {
  file: string;
  event: WorkflowSpec['event'];
  prepare(ctx: ExampleContext): Promise<PreparedExample>;
}

export const exampleFile = (file: string) => join(REPO_ROOT, 'examples', file);

/** git in `dir` as octocat (a scratch repository's commits need an author). */
export const git = (dir: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'octocat',
      GIT_AUTHOR_EMAIL: 'octocat@example.invalid',
      GIT_COMMITTER_NAME: 'octocat',
      GIT_COMMITTER_EMAIL: 'octocat@example.invalid',
    },
  }).trim();

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

export interface ExampleRepo {
  dir: string;
  base: string;
  head?: string;
  merge?: string;
}

/**
 * The user's repository: a `main` commit, and with `pr` a branch that adds files, merged into
 * refs/pull/<n>/merge as GitHub does for a pull_request run (the work tree is left at that commit).
 */
export function makeRepo(
  dir: string,
  pr?: { number: number; branch: string; files: Record<string, string> },
): ExampleRepo {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  // The checkout stand-in fetches single commits by SHA, as actions/checkout does from GitHub.
  git(dir, 'config', 'uploadpack.allowAnySHA1InWant', 'true');
  git(dir, 'remote', 'add', 'origin', `https://github.com/${OWNER}/${REPO}.git`);
  writeFiles(dir, { 'README.md': '# platform\n' });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'platform repository');
  const base = git(dir, 'rev-parse', 'HEAD');
  if (!pr) return { dir, base };
  git(dir, 'checkout', '-q', '-b', pr.branch);
  writeFiles(dir, pr.files);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', `request ${Object.keys(pr.files).join(', ')}`);
  const head = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'checkout', '-q', '--detach', base);
  git(dir, 'merge', '-q', '--no-ff', '-m', `Merge ${head} into ${base}`, head);
  const merge = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'update-ref', `refs/pull/${pr.number}/head`, head);
  git(dir, 'update-ref', `refs/pull/${pr.number}/merge`, merge);
  return { dir, base, head, merge };
}

/** The GitHub context act gives the run, pointing at the GitHub stand-in. */
function githubEnv(ctx: ExampleContext, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_REPOSITORY_OWNER: OWNER,
    GITHUB_RUN_ID: String(ctx.runId),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_API_URL: ctx.github.url,
    GITHUB_SERVER_URL: 'https://github.com',
    ...extra,
  };
}

/** The approval environment with its required reviewer, who approved this run when ctx.approve. */
/** `file` dispatched on main for one release (its inputs), the approval environment set up for its gated job. */
function dispatchOnMain(ctx: ExampleContext, d: DemoVCluster, file: string): PreparedExample {
  approvalEnvironment(ctx);
  const repo = makeRepo(ctx.dir);
  return {
    demos: [d],
    spec: {
      workflow: exampleFile(file),
      event: 'workflow_dispatch',
      repoDir: repo.dir,
      inputs: { release: d.release, namespace: d.namespace, 'chart-version': CHART_VERSION },
      secrets: { KUBECONFIG: d.kubeconfig, GITHUB_TOKEN: TOKEN },
      env: githubEnv(ctx, { GITHUB_REF: 'refs/heads/main' }),
    },
  };
}

function approvalEnvironment(ctx: ExampleContext): void {
  ctx.github.addEnvironment(OWNER, REPO, APPROVAL_ENVIRONMENT, ['platform-lead']);
  if (!ctx.approve) return;
  ctx.github.addReview(OWNER, REPO, ctx.runId, {
    environment: APPROVAL_ENVIRONMENT,
    state: 'approved',
    login: 'platform-lead',
    comment: 'go',
  });
}

/** A GITHUB_TOKEN for act's github.token; the stand-in checks only that one is sent. */
const TOKEN = 'ghs_engine-test-token-not-a-secret';

/**
 * One KUBECONFIG for several namespaces, as a person would set it up for status-schedule.yml: the
 * ServiceAccount of the first namespace, bound to examples/rbac.yaml's Role in each other namespace.
 */
async function bindServiceAccountIn(cluster: Cluster, saNamespace: string, namespace: string): Promise<void> {
  const api = k8s.KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
  type WithSubjects = k8s.KubernetesObject & { subjects?: Array<{ namespace?: string }> };
  for (const obj of rbacObjects(namespace) as WithSubjects[]) {
    if (obj.kind === 'ServiceAccount') continue;
    if (obj.subjects) {
      // A binding of its own beside the one for the namespace's own ServiceAccount.
      obj.metadata = { ...obj.metadata, name: `${obj.metadata?.name}-from-${saNamespace}` };
      for (const s of obj.subjects) s.namespace = saNamespace;
    }
    try {
      await api.create(obj);
    } catch (e) {
      if ((e as { code?: number }).code !== 409) throw e;
    }
  }
}

export const EXAMPLES: ExampleWorkflow[] = [
  {
    file: 'migrate.yml',
    event: 'workflow_dispatch',
    async prepare(ctx) {
      const d = await ctx.demo({ namespace: 'wf-migrate', release: 'vc-migrate' });
      return dispatchOnMain(ctx, d, 'migrate.yml');
    },
  },
  {
    file: 'plan-on-pr.yml',
    event: 'pull_request',
    async prepare(ctx) {
      const d = await ctx.demo({ namespace: 'wf-plan', release: 'vc-plan' });
      const number = 17;
      const file = `migrations/${d.release}.yaml`;
      const repo = makeRepo(ctx.dir, {
        number,
        branch: `migrate-${d.release}`,
        files: { [file]: `release: ${d.release}\nnamespace: ${d.namespace}\nchart-version: ${CHART_VERSION}\n` },
      });
      const repository = { full_name: `${OWNER}/${REPO}`, name: REPO, owner: { login: OWNER } };
      return {
        demos: [d],
        pr: number,
        spec: {
          workflow: exampleFile('plan-on-pr.yml'),
          event: 'pull_request',
          repoDir: repo.dir,
          eventPayload: {
            action: 'synchronize',
            number,
            repository,
            pull_request: {
              number,
              state: 'open',
              head: { ref: `migrate-${d.release}`, sha: repo.head, repo: repository },
              base: { ref: 'main', sha: repo.base, repo: repository },
            },
          },
          secrets: { KUBECONFIG: d.kubeconfig, GITHUB_TOKEN: TOKEN },
          env: githubEnv(ctx, {
            GITHUB_REF: `refs/pull/${number}/merge`,
            GITHUB_HEAD_REF: `migrate-${d.release}`,
            GITHUB_BASE_REF: 'main',
          }),
        },
      };
    },
  },
  {
    file: 'status-schedule.yml',
    event: 'schedule',
    async prepare(ctx) {
      // The releases the example's matrix names. team-b was migrated and finalized the day before
      // (through the direct runner), so its deployed etcd's PVC is left over.
      const a = await ctx.demo({ namespace: 'team-a', release: 'vc-team-a' });
      const b = await ctx.demo({ namespace: 'team-b', release: 'vc-team-b' });
      for (const phase of ['migrate', 'finalize']) {
        const r = await runAction({
          release: b.release,
          namespace: b.namespace,
          'chart-version': CHART_VERSION,
          chart: FIXTURE_CHART,
          kubeconfig: b.kubeconfig,
          phase,
          'approval-environment': 'production',
          'require-approval': 'false',
          timeout: '3m',
          'migration-timeout': '3m',
        });
        if (r.code !== 0)
          throw new Error(`preparing team-b: ${phase} failed (exit ${r.code}): ${r.stdout.slice(-2000)}`);
      }
      await bindServiceAccountIn(ctx.cluster, a.namespace, b.namespace);
      const repo = makeRepo(ctx.dir);
      return {
        demos: [a, b],
        spec: {
          workflow: exampleFile('status-schedule.yml'),
          event: 'schedule',
          repoDir: repo.dir,
          eventPayload: { schedule: '17 6 * * 1-5' },
          secrets: { KUBECONFIG: a.kubeconfig, GITHUB_TOKEN: TOKEN },
          env: githubEnv(ctx, { GITHUB_REF: 'refs/heads/main' }),
        },
      };
    },
  },
  {
    file: 'fleet.yml',
    event: 'workflow_dispatch',
    async prepare(ctx) {
      const demos = [];
      for (const o of [...FLEET.eligible, FLEET.gitops]) demos.push(await ctx.demo({ ...o }));
      const apps = ctx.cluster.kubeConfig.makeApiClient(k8s.AppsV1Api);
      const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
      const { namespace, release } = FLEET.gitops;
      const body = { metadata: { labels: FLUX_LABELS } };
      await apps.patchNamespacedDeployment({ name: release, namespace, body }, merge);
      await apps.patchNamespacedStatefulSet({ name: `${release}-etcd`, namespace, body }, merge);
      const kubeconfig = await fleetKubeconfig(ctx.cluster.kubeConfig, [...FLEET.namespaces]);
      // A reviewer approved the approve job's wait (act does not hold it); each finalize job checks that approval.
      approvalEnvironment(ctx);
      const repo = makeRepo(ctx.dir);
      return {
        demos,
        kubeconfig,
        spec: {
          workflow: exampleFile('fleet.yml'),
          event: 'workflow_dispatch',
          repoDir: repo.dir,
          // Only this fleet's namespaces: the other examples' vClusters share the cluster.
          inputs: {
            'chart-version': 'keep',
            namespaces: FLEET.namespaces.join(','),
            'max-parallel': '2',
            'max-releases': '256',
          },
          secrets: { KUBECONFIG: kubeconfig, GITHUB_TOKEN: TOKEN },
          env: githubEnv(ctx, { GITHUB_REF: 'refs/heads/main' }),
        },
      };
    },
  },
  {
    file: 'abort.yml',
    event: 'workflow_dispatch',
    async prepare(ctx) {
      // Phase one ran the day before (through the direct runner); the virtual cluster wrote since.
      const d = await ctx.demo({ namespace: 'wf-abort', release: 'vc-abort' });
      const r = await runAction({
        release: d.release,
        namespace: d.namespace,
        'chart-version': CHART_VERSION,
        chart: FIXTURE_CHART,
        kubeconfig: d.kubeconfig,
        phase: 'migrate',
        timeout: '3m',
        'migration-timeout': '3m',
      });
      if (r.code !== 0)
        throw new Error(`preparing ${d.release}: migrate failed (exit ${r.code}): ${r.stdout.slice(-2000)}`);
      const b64 = (s: string) => Buffer.from(s).toString('base64');
      await gateway(d.standIn.etcdTls('embedded')!, '/v3/kv/put', {
        key: b64(LATE_WRITE.key),
        value: b64(LATE_WRITE.value),
      });
      return dispatchOnMain(ctx, d, 'abort.yml');
    },
  },
  {
    file: 'fleet-waves.yml',
    event: 'workflow_dispatch',
    async prepare(ctx) {
      const faulty = wavesOf()[1]![0]!;
      const demos = [];
      for (const o of WAVES.releases) {
        const fault = o.release === faulty.release ? { faults: { dropPrefix: WAVES.dropPrefix } } : {};
        demos.push(await ctx.demo({ ...o, ...fault }));
      }
      const core = ctx.cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
      await core.patchNamespace(
        {
          name: WAVES.canaryNamespace,
          body: { metadata: { labels: { [WAVES.canaryLabel.key]: WAVES.canaryLabel.value } } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      const kubeconfig = await fleetKubeconfig(ctx.cluster.kubeConfig, [...WAVES.namespaces]);
      approvalEnvironment(ctx);
      const repo = makeRepo(ctx.dir);
      return {
        demos,
        kubeconfig,
        spec: {
          workflow: exampleFile('fleet-waves.yml'),
          event: 'workflow_dispatch',
          repoDir: repo.dir,
          inputs: {
            'chart-version': 'keep',
            namespaces: WAVES.namespaces.join(','),
            canary: `${WAVES.canaryLabel.key}=${WAVES.canaryLabel.value}`,
            waves: WAVES.waves,
            'max-failures': '0',
            'batch-size': '256',
          },
          secrets: { KUBECONFIG: kubeconfig, GITHUB_TOKEN: TOKEN },
          env: githubEnv(ctx, { GITHUB_REF: 'refs/heads/main' }),
        },
      };
    },
  },
];

export function exampleByFile(file: string): ExampleWorkflow {
  const name = file.replace(/^.*\//, '');
  const ex = EXAMPLES.find((e) => e.file === name);
  if (!ex)
    throw new Error(
      `no engine set-up for ${file}; known: ${EXAMPLES.map((e) => e.file).join(', ')} (see sandbox/example-workflows.ts)`,
    );
  return ex;
}
