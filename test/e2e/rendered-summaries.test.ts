// What a reviewer sees, checked as a person sees it: the job summaries and PR comments of real runs
// on the local cluster (plan, migrate, a finalize refused by the approval check, a failed phase
// one, discover over the releases) rendered in Debian's Chromium — GitHub-flavoured Markdown by
// `marked`, standing in for GitHub's renderer, and every Mermaid diagram drawn by the `mermaid`
// package. A diagram that does not draw, a table that breaks, a summary over GitHub's limits or
// a secret in any of it fails the test. With DOCS_SCREENSHOTS=<dir> it also writes the README's
// screenshots there (npm run docs:screenshots).
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import {
  explain,
  inputsFor,
  runAction,
  secretsOf,
  useSharedCluster,
  type ActionResult,
  type DemoVCluster,
} from './harness.ts';
import { startGitHubStandin, type GitHubStandin } from '../support/github-standin.ts';
import { GfmBrowser, sizeProblems } from '../support/gfm-browser.ts';
import { assertNoSecretLeak } from '../support/secret-scan.ts';
import { commentContradictions } from '../support/summary-consistency.ts';
import { statusMarker } from '../../src/report/comment-body.ts';
import { fleetKubeconfig } from '../../sandbox/service-account.ts';

const env = useSharedCluster();
const OWNER = 'example';
const REPO = 'platform';
const RUN_ID = 88001;
const PR = 7;
const TOKEN = `ghs_${'renderedSummariesToken0123456789abcdef'}`;

interface Captured {
  name: string;
  summary: string;
  comment?: string;
  secrets: string[];
}

let github: GitHubStandin;
let browser: GfmBrowser;
const captured: Captured[] = [];

beforeAll(async () => {
  github = await startGitHubStandin();
  github.addEnvironment(OWNER, REPO, 'production', ['platform-lead']);
  github.addPending(OWNER, REPO, RUN_ID, { environment: 'production', reviewers: ['platform-lead'] });
});
afterAll(async () => {
  await browser?.close();
  await github?.close();
});

/** A run as a pull request's workflow runs it: its status comment goes to the GitHub stand-in. */
async function prRun(d: DemoVCluster, phase: string, extra: Record<string, string> = {}): Promise<ActionResult> {
  return runAction(inputsFor(d, phase, { 'github-token': TOKEN, 'pr-number': String(PR), ...extra }), {
    env: { GITHUB_API_URL: github.url, GITHUB_REPOSITORY: `${OWNER}/${REPO}`, GITHUB_RUN_ID: String(RUN_ID) },
  });
}

function commentOf(d: DemoVCluster): string {
  const c = github.commentsOf(OWNER, REPO, PR).find((x) => x.body.startsWith(statusMarker(d.release, d.namespace)));
  if (!c) throw new Error(`no status comment for ${d.namespace}/${d.release}`);
  return c.body;
}

/** A run kept for the browser; its PR comment says what its summary and outputs say. */
function capture(name: string, r: ActionResult, d: DemoVCluster | undefined, secrets: string[]): void {
  const comment = d ? commentOf(d) : undefined;
  if (comment !== undefined) expect(commentContradictions(comment, r), `${name}: the PR comment`).toEqual([]);
  captured.push({ name, summary: r.summary, comment, secrets });
}

/** The procedure line of a summary: the diagram's stages in words. */
const procedure = (md: string) => /^Procedure: .*$/m.exec(md)?.[0] ?? '';

describe('summaries and comments of real runs', () => {
  let shown: DemoVCluster;

  it('plan: the values its headline promises are in the log and the PR comment; the census logs its count', async () => {
    shown = await env().demo({ namespace: 'e2e-shown', release: 'shown' });
    const r = await prRun(shown, 'plan');
    expect(r.outputs.status, explain(r)).toBe('planned');
    const seeded = shown.standIn.seededKeys();
    // The log: the values, and the final count after the progress lines.
    expect(r.stdout).toContain('Values phase one: the keys the migration sets');
    expect(r.stdout).toContain('migrateFromDeployedEtcd: true');
    expect(r.stdout).toMatch(new RegExp(`census of the deployed etcd: done, ${seeded} keys in \\d+ groups`));
    const comment = commentOf(shown);
    expect(comment).toContain('Values phase one');
    expect(comment).toContain('migrateFromDeployedEtcd: true');
    expect(procedure(r.summary)).toBe(
      'Procedure: plan done → backup current → phase one to do → success line to do → census to do → approval to do → phase two to do → removal to do.',
    );
    capture('plan', r, shown, secretsOf(shown, [TOKEN]));
  });

  it('migrate: every group matches, said in one line with the table folded', async () => {
    const r = await prRun(shown, 'migrate');
    expect(r.outputs.status, explain(r)).toBe('succeeded');
    expect(r.summary).toMatch(/^✅ All \d+ groups match: \d+ keys before and after\.$/m);
    expect(r.summary).toMatch(/^<details><summary>Key counts of all \d+ groups<\/summary>$/m);
    expect(r.stdout).toMatch(/census of the embedded etcd: done, \d+ keys/);
    // Names read as written in the raw Markdown (summary-markdown), not escaped letter by letter.
    expect(r.outputs['summary-markdown']).not.toMatch(/k8s\\\.io|\\-etcd\\-0|\\\(/);
    expect(procedure(r.summary)).toContain('census done → approval current');
    capture('migrate', r, shown, secretsOf(shown, [TOKEN]));
  });

  it('finalize refused by the approval check: the approval step is shown refused, nobody as approver', async () => {
    const r = await prRun(shown, 'finalize', { 'require-approval': 'true' });
    expect(r.outputs.status, explain(r)).toBe('refused');
    expect(r.summary).toMatch(/^\| approval \| ⛔ refused \|/m);
    expect(r.summary).not.toMatch(/approved by\s*\|/);
    expect(r.summary).not.toContain('Approved by:');
    expect(procedure(r.summary)).toContain('approval refused → phase two to do');
    expect(r.summary).toMatch(/stop\["⛔ refused at step approval|stop\["⛔ refused: phase two is not approved/);
    capture('finalize-refused', r, shown, secretsOf(shown, [TOKEN]));
  });

  it('a failed phase one: the picture says the wait for the success line failed', async () => {
    const d = await env().demo({ namespace: 'e2e-stuck', release: 'stuck', faults: { neverLogSuccess: true } });
    const r = await prRun(d, 'migrate', { 'migration-timeout': '15s' });
    expect(r.outputs.status, explain(r)).toBe('failed');
    expect(procedure(r.summary)).toContain('phase one done → success line failed → census to do');
    capture('migrate-failed', r, d, secretsOf(d, [TOKEN]));
  });

  it('discover over the releases: a chart of the states, then the table', async () => {
    const e = env();
    const fresh = await e.demo({ namespace: 'e2e-fresh', release: 'fresh' });
    const namespaces = ['e2e-shown', 'e2e-stuck', 'e2e-fresh'];
    const kubeconfig = await fleetKubeconfig(e.cluster.kubeConfig, namespaces);
    const r = await runAction({
      phase: 'discover',
      'chart-version': 'keep',
      kubeconfig,
      namespaces: namespaces.join(','),
    });
    expect(r.outputs.status, explain(r)).toBe('succeeded');
    expect(r.summary).toContain('pie showData');
    expect(r.summary.indexOf('pie showData')).toBeLessThan(r.summary.indexOf('| | release | namespace |'));
    const token = (YAML.parse(kubeconfig) as { users: Array<{ user: { token: string } }> }).users[0]!.user.token;
    capture('discover', r, undefined, secretsOf(fresh, [TOKEN, kubeconfig, token]));
  });
});

describe('rendered in Chromium as GitHub shows them', () => {
  it('every diagram draws, every table is a table, each is within GitHub limits, no secret shows', async () => {
    expect(captured.map((c) => c.name)).toEqual(['plan', 'migrate', 'finalize-refused', 'migrate-failed', 'discover']);
    const t0 = Date.now();
    browser = await GfmBrowser.open();
    const shots = process.env.DOCS_SCREENSHOTS;
    const problems: string[] = [];
    for (const c of captured) {
      assertNoSecretLeak({ summary: c.summary, comments: c.comment ? [c.comment] : [] }, c.secrets);
      for (const [kind, md] of [
        ['summary', c.summary],
        ['comment', c.comment],
      ] as const) {
        if (md === undefined) continue;
        const r = await browser.render(md);
        // What the pictures show, the diagrams' labels and titles included, holds no secret either.
        assertNoSecretLeak({ summary: r.text }, c.secrets);
        problems.push(...[...sizeProblems(kind, md), ...r.problems].map((p) => `${c.name} ${kind}: ${p}`));
        expect(r.diagrams, `${c.name} ${kind} has a diagram`).toBeGreaterThanOrEqual(1);
        expect(r.tablesRendered, `${c.name} ${kind} has tables`).toBeGreaterThanOrEqual(1);
        if (
          shots &&
          ((c.name === 'migrate' && kind === 'summary') || (c.name === 'finalize-refused' && kind === 'comment'))
        )
          await browser.screenshot(join(shots, `${c.name}-${kind}.png`));
      }
    }
    expect(problems).toEqual([]);
    console.log(`rendered ${captured.length} runs' summaries and comments in Chromium in ${Date.now() - t0} ms`);
  });
});
