// `npm run sandbox -- --workflow examples/<file>.yml`: runs one example workflow, unmodified, under
// nektos/act on the local cluster, set up as sandbox/example-workflows.ts says (a reviewer has
// approved the run in the GitHub stand-in), prints what a person sees on GitHub (jobs, step logs,
// summaries, the PR comment) and ends with one line:
//   workflow <file> jobs=<n> succeeded=<n> failed=<n> seconds=<s>
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { startGitHubStandin, type GitHubStandin } from '../test/support/github-standin.ts';
import { ACTION_ENTRY, REPO_ROOT } from './action-runner.ts';
import { startChartRepoStandin, type ChartRepoStandin } from './chart-repo-standin.ts';
import { startCluster, type Cluster } from './cluster.ts';
import { OWNER, REPO, exampleByFile } from './example-workflows.ts';
import { FIXTURE_CHART, installDemoVCluster, type DemoVCluster } from './vcluster-release.ts';
import { runWorkflow, type WorkflowRun } from './workflow-engine.ts';

const RUN_ID = 4343;

/** act's JSON line as a person reads it: `[job] message`. */
function show(line: string): void {
  try {
    const l = JSON.parse(line) as { job?: string; msg?: string; command?: string };
    if (!l.msg || l.command === 'summary') return;
    for (const text of l.msg.replace(/\n$/, '').split('\n'))
      process.stdout.write(`  [${(l.job ?? 'act').trim()}] ${text}\n`);
  } catch {
    process.stdout.write(`  ${line}\n`);
  }
}

export async function runExampleWorkflow(
  file: string,
  buildMissing: (logDir: string) => Promise<void>,
): Promise<number> {
  const t0 = Date.now();
  const say = (s: string) => process.stdout.write(`[sandbox ${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}\n`);
  const name = basename(file);
  const dir = join(REPO_ROOT, '.sandbox', `workflow-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  let cluster: Cluster | undefined;
  let github: GitHubStandin | undefined;
  let charts: ChartRepoStandin | undefined;
  const demos: DemoVCluster[] = [];
  let run: WorkflowRun | undefined;
  try {
    const example = exampleByFile(name);
    await buildMissing(dir);
    if (!existsSync(ACTION_ENTRY))
      throw new Error(`${ACTION_ENTRY} is missing: build the action first (npm run build).`);
    github = await startGitHubStandin();
    charts = await startChartRepoStandin(join(dir, 'charts'), [FIXTURE_CHART]);
    say('starting the local cluster');
    cluster = await startCluster({ dir: join(dir, 'cluster'), removeOnStop: false });
    const c = cluster;
    say(`setting up what examples/${name} expects (vClusters, repository, event)`);
    const prepared = await example.prepare({
      cluster: c,
      github,
      dir: join(dir, 'repo'),
      runId: RUN_ID,
      approve: true,
      demo: async (o) => {
        const d = await installDemoVCluster(c, o);
        demos.push(d);
        return d;
      },
    });
    say(
      `act ${example.event} -W examples/${name} -P ubuntu-latest=-self-hosted (Node 24, action from action.yml + dist/)`,
    );
    run = await runWorkflow({ ...prepared.spec, processEnv: charts.env, onLine: show });
    for (const j of run.jobs)
      if (j.summary) process.stdout.write(`\n===== job summary: ${j.name} =====\n${j.summary}\n`);
    const comment = prepared.pr ? github.commentsOf(OWNER, REPO, prepared.pr).at(-1) : undefined;
    if (comment)
      process.stdout.write(`\n===== PR #${prepared.pr} status comment (GitHub stand-in) =====\n${comment.body}\n`);
    if (github.violations.length)
      say(`GitHub stand-in: outside GitHub's OpenAPI description: ${github.violations.join('; ')}`);
  } catch (e) {
    process.stdout.write(`\nsandbox failed: ${e instanceof Error ? e.message : String(e)}\n`);
  } finally {
    for (const d of demos) await d.standIn.stop();
    await cluster?.stop();
    await charts?.close();
    await github?.close();
  }
  const jobs = run?.jobs ?? [];
  const succeeded = jobs.filter((j) => j.result === 'success').length;
  const failed = jobs.filter((j) => j.result === 'failure').length;
  const ok = run?.code === 0 && failed === 0 && jobs.length > 0;
  if (ok) rmSync(dir, { recursive: true, force: true });
  else process.stdout.write(`logs kept in ${dir}\n`);
  process.stdout.write(
    `workflow ${name} jobs=${jobs.length} succeeded=${succeeded} failed=${failed} seconds=${Math.round((Date.now() - t0) / 1000)}\n`,
  );
  return ok ? 0 : 1;
}
