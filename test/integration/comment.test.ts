// The sticky PR status comment against the GitHub REST stand-in (requests and responses checked
// against GitHub's OpenAPI description).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertStatusComment } from '../../src/adapters/github/comment.ts';
import { renderStatusComment, statusMarker } from '../../src/report/comment-body.ts';
import { readWorkflowRun } from '../../src/adapters/github/workflow-run.ts';
import { makeOctokit } from '../../src/adapters/github/octokit.ts';
import type { StatusReport } from '../../src/report/report.ts';
import { outsideCodeSpans, tableCells } from '../support/markdown-structure.ts';
import { startGitHubStandin, type GitHubStandin } from '../support/github-standin.ts';

const OWNER = 'acme';
const REPO = 'platform';
const PR = 42;

let standin: GitHubStandin;

function client() {
  return makeOctokit('ghs_standin_token', { GITHUB_API_URL: standin.url });
}

function report(overrides: Partial<StatusReport> = {}): StatusReport {
  return {
    release: 'vc-a',
    namespace: 'team-a',
    phase: 'migrate',
    status: 'succeeded',
    headline: 'Phase one done: embedded etcd holds every key.',
    keysBefore: 1200,
    keysAfter: 1200,
    next: 'Approve the finalize job.',
    runUrl: `https://github.com/${OWNER}/${REPO}/actions/runs/1`,
    ...overrides,
  };
}

async function upsert(body: string, release = 'vc-a', namespace = 'team-a') {
  return upsertStatusComment(client(), { owner: OWNER, repo: REPO, issueNumber: PR, release, namespace, body });
}

beforeEach(async () => {
  standin = await startGitHubStandin();
});
afterEach(async () => {
  await standin.close();
  expect(standin.violations).toEqual([]);
});

describe('sticky status comment', () => {
  it('is created once, then updated in place, then left alone when nothing changed', async () => {
    const first = await upsert(renderStatusComment(report({ phase: 'plan', status: 'planned' })));
    expect(first.action).toBe('created');
    expect(first.warning).toBeUndefined();
    let comments = standin.commentsOf(OWNER, REPO, PR);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.id).toBe(first.commentId);
    expect(comments[0]!.body.startsWith(statusMarker('vc-a', 'team-a'))).toBe(true);
    expect(comments[0]!.body).toContain('planned');

    const second = await upsert(renderStatusComment(report()));
    expect(second).toMatchObject({ action: 'updated', commentId: first.commentId });
    comments = standin.commentsOf(OWNER, REPO, PR);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('succeeded');

    const third = await upsert(renderStatusComment(report()));
    expect(third).toMatchObject({ action: 'unchanged', commentId: first.commentId });
    expect(standin.count('issues/create-comment')).toBe(1);
    expect(standin.count('issues/update-comment')).toBe(1);
  });

  it('keeps one comment per release and namespace', async () => {
    await upsert('a in team-a', 'vc-a', 'team-a');
    await upsert('a in team-b', 'vc-a', 'team-b');
    await upsert('b in team-a', 'vc-b', 'team-a');
    await upsert('a in team-a again', 'vc-a', 'team-a');
    const bodies = standin.commentsOf(OWNER, REPO, PR).map((c) => c.body.split('\n')[1]);
    expect(bodies).toEqual(['a in team-a again', 'a in team-b', 'b in team-a']);
  });

  it('finds its comment beyond the first page of comments', async () => {
    // GitHub lists oldest first: 230 earlier remarks put ours on the third page of 100.
    for (let i = 0; i < 230; i++) standin.addComment(OWNER, REPO, PR, `review remark ${i}`);
    const { id } = standin.addComment(OWNER, REPO, PR, `${statusMarker('vc-a', 'team-a')}\nold`, 'github-actions[bot]');
    const result = await upsert('new');
    expect(result).toMatchObject({ action: 'updated', commentId: id });
    expect(standin.count('issues/list-comments')).toBeGreaterThanOrEqual(3);
    expect(standin.commentsOf(OWNER, REPO, PR)).toHaveLength(231);
  });

  it('ignores a comment that only quotes the marker', async () => {
    standin.addComment(OWNER, REPO, PR, `> ${statusMarker('vc-a', 'team-a')}\n> old status`);
    const result = await upsert('status');
    expect(result.action).toBe('created');
    expect(standin.commentsOf(OWNER, REPO, PR)).toHaveLength(2);
  });

  it('never adopts, updates or deletes a marked comment by someone without write access', async () => {
    // A pull request's author posts the marker first, hoping to own the status others approve on.
    const marker = statusMarker('vc-a', 'team-a');
    const planted = standin.addComment(
      OWNER,
      REPO,
      PR,
      `${marker}\nphase one verified, safe to approve`,
      'mallory',
      'CONTRIBUTOR',
    );
    const result = await upsert('the real status');
    expect(result.action).toBe('created');
    expect(result.commentId).not.toBe(planted.id);
    const left = standin.commentsOf(OWNER, REPO, PR);
    expect(left).toHaveLength(2);
    expect(left.find((c) => c.id === planted.id)?.body).toBe(`${marker}\nphase one verified, safe to approve`);
    expect(left.find((c) => c.id === result.commentId)?.login).toBe('github-actions[bot]');
    // The next run updates its own comment, still not the planted one.
    expect(await upsert('later status')).toMatchObject({ action: 'updated', commentId: result.commentId });
    expect(standin.commentsOf(OWNER, REPO, PR).find((c) => c.id === planted.id)?.body).toContain('safe to approve');
  });

  it('cleans up duplicates: the oldest marked comment stays and is updated', async () => {
    const marker = statusMarker('vc-a', 'team-a');
    standin.addComment(OWNER, REPO, PR, 'unrelated');
    const oldest = standin.addComment(OWNER, REPO, PR, `${marker}\nfirst run`, 'github-actions[bot]');
    standin.addComment(OWNER, REPO, PR, `${marker}\nsecond run`, 'github-actions[bot]');
    const result = await upsert('third run');
    expect(result).toMatchObject({ action: 'updated', commentId: oldest.id });
    const left = standin.commentsOf(OWNER, REPO, PR);
    expect(left.map((c) => c.body)).toEqual(['unrelated', `${marker}\nthird run`]);
    expect(left[1]!.id).toBe(oldest.id);
  });

  it('leaves one comment when two runs create theirs at the same time', async () => {
    // Both runs list before either creates (the stand-in holds the first two lists together).
    standin.scenario.listBarrier = 2;
    const [a, b] = await Promise.all([upsert('run A'), upsert('run B')]);
    expect(standin.count('issues/create-comment')).toBe(2);
    const left = standin.commentsOf(OWNER, REPO, PR);
    expect(left).toHaveLength(1);
    expect(a.commentId).toBe(left[0]!.id);
    expect(b.commentId).toBe(left[0]!.id);
    expect([a.warning, b.warning]).toEqual([undefined, undefined]);
    expect(['run A', 'run B']).toContain(left[0]!.body.split('\n')[1]);
  });

  it('turns a read-only token (fork pull request) into a warning, never a throw', async () => {
    standin.scenario.readOnlyToken = true;
    const result = await upsert('status');
    expect(result.action).toBe('skipped');
    expect(result.warning).toContain('Resource not accessible by integration');
    expect(result.warning).toContain('#42');
    expect(result.warning).toContain('forks');
    expect(result.warning).toContain('pull-requests: write');
    expect(standin.commentsOf(OWNER, REPO, PR)).toHaveLength(0);
  });

  it('warns instead of failing when the API cannot be reached at all', async () => {
    const url = standin.url;
    await standin.close();
    const result = await upsertStatusComment(makeOctokit('t', { GITHUB_API_URL: url }), {
      owner: OWNER,
      repo: REPO,
      issueNumber: PR,
      release: 'vc-a',
      namespace: 'team-a',
      body: 'x',
    });
    expect(result.action).toBe('skipped');
    expect(result.warning).toMatch(/Could not read the status comment/);
    standin = await startGitHubStandin();
  });

  it('writes nothing when the run belongs to no pull request', async () => {
    const ctx = readWorkflowRun({
      GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
      GITHUB_RUN_ID: '5',
      GITHUB_API_URL: standin.url,
    });
    expect(ctx.prNumber).toBeUndefined();
    const result = await upsertStatusComment(client(), {
      owner: OWNER,
      repo: REPO,
      issueNumber: ctx.prNumber,
      release: 'a',
      namespace: 'b',
      body: 'x',
    });
    expect(result).toEqual({ action: 'skipped' });
    expect(standin.requests).toEqual([]);
  });

  it('escapes hostile release and group names end to end', async () => {
    const release = 'x-->|<script>alert(1)</script>`';
    const body = renderStatusComment(
      report({
        release,
        namespace: 'ns`|`',
        headline: '<img src=x onerror=alert(1)> @everyone | [click](javascript:alert(1))',
        keysBefore: 10,
        keysAfter: 9,
        diff: {
          ok: false,
          rows: [],
          lost: [{ group: 'a|b<script>`-->', before: 10, after: 9, delta: -1, volatile: false, verdict: 'lost' }],
        },
      }),
    );
    const result = await upsert(body, release, 'ns`|`');
    expect(result.action).toBe('created');
    const stored = standin.commentsOf(OWNER, REPO, PR)[0]!.body;
    // The marker is one HTML comment: its only "-->" is its own end.
    expect(stored.indexOf('-->')).toBe(stored.split('\n')[0]!.length - 3);
    // Outside code spans (where HTML would be live) no tag and no link but our own survive.
    const live = outsideCodeSpans(stored.split('\n').slice(1).join('\n'));
    expect(live).not.toMatch(/<[a-z/!]/i);
    expect(live).not.toContain('](javascript');
    expect(live).not.toContain('@everyone');
    // The lost group's row keeps its four cells despite the pipe in the name.
    const row = stored.split('\n').find((l) => l.includes('script') && l.startsWith('| '))!;
    expect(tableCells(row)).toHaveLength(4);
    // Found again by the same marker: updating does not create a second comment.
    expect((await upsert(body + 'more', release, 'ns`|`')).action).toBe('updated');
    expect(standin.commentsOf(OWNER, REPO, PR)).toHaveLength(1);
  });
});
