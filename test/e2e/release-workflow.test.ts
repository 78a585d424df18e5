// The release workflow's job `check` (.github/workflows/release.yml), unmodified, run by a real workflow
// engine (nektos/act, on this host) on a repository made from this checkout as a maintainer releases it:
// `## Unreleased` of CHANGELOG.md renamed to the version, that commit tagged vX.Y.Z on main. A good tag
// gets its notes and the packed CLI (installed offline and run) as artifact `release`; a tag off main
// and a tag without notes are refused, saying why, before anything is built. (A tag whose dist/ is not
// the build of its sources would cost a second npm ci and build, minutes on this machine: the same
// comparison as .ci/run's and check-dist.yml's, it is left to those.)
// The release's other jobs need GitHub itself (the whole suite is .ci/run; publishing is `gh release`
// and a tag push), so they do not run here. No cluster: this file needs only git, npm and act.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../sandbox/action-runner.ts';
import { git as gitIn } from '../../sandbox/example-workflows.ts';
import { describeRun, runWorkflow, type EngineJob, type WorkflowRun } from '../../sandbox/workflow-engine.ts';
import { releaseNotes } from '../../scripts/release-notes.ts';

const NAME = 'vcluster-etcd-migrate';
let scratch: string;
let repo: string;
let runId = 9500;
const timings: string[] = [];

const git = (...args: string[]) => gitIn(repo, ...args);

const pkgVersion = () => (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;

/** Edits a file of the scratch repository; `from` must be in it (else this test is out of date). */
function edit(file: string, from: string | RegExp, to: string | ((found: string) => string)): void {
  const path = join(repo, file);
  const text = readFileSync(path, 'utf8');
  if (!(typeof from === 'string' ? text.includes(from) : from.test(text)))
    throw new Error(`${file} no longer holds ${String(from)}: update the release workflow test`);
  writeFileSync(path, typeof to === 'string' ? text.replace(from, to) : text.replace(from, to));
}

/**
 * A commit with `version` in package.json, tagged v<version>; with notes, CHANGELOG.md's `## Unreleased`
 * renamed to `## <version>` (or, once released, a new section for it above the last).
 */
function release(version: string, o: { notes: boolean }): string {
  edit('package.json', /"version": "[^"]+"/, `"version": "${version}"`);
  if (o.notes)
    edit('CHANGELOG.md', /^## .*$/m, (first) =>
      first === '## Unreleased' ? `## ${version}` : `## ${version}\n\n- the ${version} release.\n\n${first}`,
    );
  git('add', '-A');
  git('commit', '-q', '-m', `release ${version}`);
  git('tag', `v${version}`);
  return git('rev-parse', 'HEAD');
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'vem-release-'));
  repo = join(scratch, 'repo');
  mkdirSync(repo);
  // This checkout's tracked files as they are on disk, dist/ whole (as `npm run build` left it).
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && !f.startsWith('dist/') && existsSync(join(REPO_ROOT, f)));
  for (const f of tracked) {
    mkdirSync(dirname(join(repo, f)), { recursive: true });
    cpSync(join(REPO_ROOT, f), join(repo, f));
  }
  cpSync(join(REPO_ROOT, 'dist'), join(repo, 'dist'), { recursive: true });
  git('init', '-q', '-b', 'main');
  // The checkout stand-in fetches the tag's commit by SHA, as actions/checkout does from GitHub.
  git('config', 'uploadpack.allowAnySHA1InWant', 'true');
  git('add', '-A');
  git('commit', '-q', '-m', 'the project');
});

afterAll(() => {
  if (timings.length) console.log(`release workflow runs:\n${timings.join('\n')}`);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Job `check` of the scratch repository's release.yml for a push of tag `tag` at `sha`. */
async function check(tag: string, sha: string): Promise<{ r: WorkflowRun; job: EngineJob; runId: number }> {
  const id = runId++;
  const r = await runWorkflow({
    workflow: join(repo, '.github', 'workflows', 'release.yml'),
    event: 'push',
    repoDir: repo,
    job: 'check',
    eventPayload: {
      ref: `refs/tags/${tag}`,
      after: sha,
      deleted: false,
      repository: { full_name: 'example/platform', default_branch: 'main' },
    },
    env: { GITHUB_REPOSITORY: 'example/platform', GITHUB_RUN_ID: String(id), GITHUB_RUN_ATTEMPT: '1' },
    // npm ci from the npm cache this machine already has (what setup-node's `cache: npm` gives on GitHub).
    processEnv: {
      npm_config_cache: process.env.npm_config_cache ?? join(homedir(), '.npm'),
      npm_config_prefer_offline: 'true',
      npm_config_update_notifier: 'false',
    },
    timeoutMs: 20 * 60_000,
  });
  timings.push(`${tag}: ${r.seconds.toFixed(1)} s, ${describeRun(r)}`);
  const jobs = r.jobs.filter((j) => j.id === 'check');
  expect(jobs, explain(r)).toHaveLength(1);
  return { r, job: jobs[0]!, runId: id };
}

function explain(r: WorkflowRun): string {
  return `act exit ${r.code}\n${describeRun(r)}\n--- log (tail)\n${r.jobs
    .flatMap((j) => j.log)
    .slice(-60)
    .join('\n')}`;
}

/** The steps that ran, by name, with their results. */
const results = (j: EngineJob) => Object.fromEntries(j.steps.map((s) => [s.name, s.result]));

describe('release workflow, job check, under the workflow engine', () => {
  it('a tag on main with notes and a current dist/: the notes of CHANGELOG.md and the packed CLI as artifact release', async () => {
    const version = pkgVersion();
    const sha = release(version, { notes: true });
    const { r, job, runId: id } = await check(`v${version}`, sha);
    expect(job.result, explain(r)).toBe('success');
    expect(r.code, explain(r)).toBe(0);

    const artifact = join(r.artifactsDir, String(id), 'release', 'release');
    expect(readFileSync(join(artifact, 'notes.md'), 'utf8')).toBe(
      releaseNotes(readFileSync(join(repo, 'CHANGELOG.md'), 'utf8'), version),
    );
    // The package is this commit's dist/cli/, byte for byte.
    const tgz = join(artifact, `${NAME}-${version}.tgz`);
    const unpacked = join(scratch, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', tgz, '-C', unpacked]);
    const cli = join(unpacked, 'package', 'dist', 'cli');
    expect(readdirSync(cli).sort()).toEqual(readdirSync(join(repo, 'dist', 'cli')).sort());
    for (const f of readdirSync(cli))
      expect(readFileSync(join(cli, f)).equals(readFileSync(join(repo, 'dist', 'cli', f))), f).toBe(true);
    // The workflow ran the installed package and compared its --version with the tag.
    expect(
      Object.values(results(job)).every((x) => x === 'success'),
      JSON.stringify(results(job)),
    ).toBe(true);
    rmSync(r.artifactsDir, { recursive: true, force: true });
  });

  it('a tag off main is refused before anything is built', async () => {
    const main = git('rev-parse', 'HEAD');
    git('checkout', '-q', '-b', 'hotfix');
    const [major, minor, patch] = pkgVersion().split('.').map(Number);
    const version = `${major}.${minor}.${patch! + 1}`;
    const sha = release(version, { notes: true });
    git('checkout', '-q', 'main');
    expect(git('rev-parse', 'HEAD')).toBe(main);
    const { r, job } = await check(`v${version}`, sha);
    expect(job.result, explain(r)).toBe('failure');
    expect(job.log.join('\n')).toContain(`tag v${version} is not on main: release only commits of main`);
    expect([undefined, 'skipped'], JSON.stringify(results(job))).toContain(results(job)['npm ci']);
  });

  it('a tag whose version has no section in CHANGELOG.md is refused, naming the heading to add', async () => {
    const [major, minor] = pkgVersion().split('.').map(Number);
    const version = `${major}.${minor! + 1}.0`;
    const sha = release(version, { notes: false });
    const { r, job } = await check(`v${version}`, sha);
    expect(job.result, explain(r)).toBe('failure');
    expect(job.log.join('\n')).toContain(
      `CHANGELOG.md has no section "## ${version}": add the release's notes under that heading`,
    );
    expect([undefined, 'skipped'], JSON.stringify(results(job))).toContain(results(job)['npm ci']);
  });
});
