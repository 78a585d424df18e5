// The approval gate against the GitHub REST stand-in (requests and responses checked against
// GitHub's OpenAPI description). The client is built the way the action builds it: from
// GITHUB_API_URL, GITHUB_REPOSITORY and GITHUB_RUN_ID.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyApproval } from '../../src/adapters/github/approval-api.ts';
import type { ApprovalRequest } from '../../src/core/migration/approval.ts';
import { readWorkflowRun } from '../../src/adapters/github/workflow-run.ts';
import { makeOctokit } from '../../src/adapters/github/octokit.ts';
import { startGitHubStandin, type GitHubStandin } from '../support/github-standin.ts';
import { recordScenario } from '../support/reliability.ts';

const OWNER = 'acme';
const REPO = 'platform';
const RUN = 987654321;

let standin: GitHubStandin;

function runEnv() {
  return {
    GITHUB_API_URL: standin.url,
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_RUN_ID: String(RUN),
    GITHUB_SERVER_URL: 'https://github.com',
  };
}

async function verify(environment = 'vcluster-prod', requireApproval = true) {
  const env = runEnv();
  const ctx = readWorkflowRun(env);
  const request: ApprovalRequest = { owner: ctx.owner, repo: ctx.repo, runId: ctx.runId, environment, requireApproval };
  return verifyApproval(makeOctokit('ghs_standin_token', env), request);
}

function check(verdict: Awaited<ReturnType<typeof verify>>, name: string) {
  return verdict.checks.find((c) => c.name === name)!;
}

beforeEach(async () => {
  standin = await startGitHubStandin();
});
afterEach(async () => {
  await standin.close();
  // A request or response that breaks GitHub's published description fails the test.
  expect(standin.violations).toEqual([]);
});

describe('approval gate', () => {
  it("retries a GitHub 5xx and waits out a rate limit, as Octokit's retry and throttling plugins do", async () => {
    standin.addEnvironment(OWNER, REPO, 'vcluster-prod', ['alice']);
    standin.addReview(OWNER, REPO, RUN, {
      environment: 'vcluster-prod',
      state: 'approved',
      login: 'alice',
      comment: '',
    });
    const reset = String(Math.ceil(Date.now() / 1000) + 1);
    standin.scenario.faults.push(
      { operationId: 'repos/get-environment', status: 502, message: 'Server Error' },
      {
        operationId: 'actions/get-reviews-for-run',
        status: 403,
        message: 'API rate limit exceeded for installation ID 1.',
        headers: { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
      },
    );
    const verdict = await verify();
    expect(verdict.checks.filter((c) => c.state === 'failed')).toEqual([]);
    expect(verdict.ok).toBe(true);
    expect(standin.count('repos/get-environment')).toBe(2);
    expect(standin.count('actions/get-reviews-for-run')).toBe(2);
    expect(standin.scenario.faults).toEqual([]);
    recordScenario({
      group: 'Faults',
      scenario: 'GitHub answers 502 and then a rate limit during the approval check',
      done: 'the GitHub stand-in answered the environment read with 502 once and the run-reviews read with 403 x-ratelimit-remaining: 0 once',
      action:
        'retried the 502 after 1 s and the rate-limited read after the reset; the approval was verified (before: the gate failed on the first 5xx)',
      dataLost: 'none',
    });
  });

  it('still fails closed, naming the answer, when GitHub keeps failing', async () => {
    standin.addEnvironment(OWNER, REPO, 'vcluster-prod', ['alice']);
    for (let i = 0; i < 4; i++)
      standin.scenario.faults.push({
        operationId: 'repos/get-environment',
        status: 503,
        message: 'Service Unavailable',
      });
    const verdict = await verify();
    expect(verdict.ok).toBe(false);
    expect(check(verdict, 'environment').reason).toMatch(
      /^Could not read environment 'vcluster-prod' of acme\/platform \(HTTP 503: Service Unavailable\)/,
    );
    expect(standin.count('repos/get-environment')).toBe(4);
  });

  it('passes when this run holds an approved review for the environment', async () => {
    standin.addEnvironment(OWNER, REPO, 'vcluster-prod', ['alice', 'bob']);
    standin.addReview(OWNER, REPO, RUN, {
      environment: 'vcluster-prod',
      state: 'approved',
      login: 'bob',
      comment: 'go',
    });
    const verdict = await verify();
    expect(verdict.ok).toBe(true);
    expect(verdict.bypassed).toBe(false);
    expect(verdict.approvers).toEqual(['bob']);
    expect(verdict.checks.map((c) => [c.name, c.state])).toEqual([
      ['token-permission', 'passed'],
      ['environment', 'passed'],
      ['required-reviewers', 'passed'],
      ['run-approval', 'passed'],
    ]);
    expect(standin.count('actions/get-reviews-for-run')).toBe(1);
  });

  it('finds environments whose names need URL encoding', async () => {
    standin.addEnvironment(OWNER, REPO, 'prod approval/eu', ['alice']);
    standin.addReview(OWNER, REPO, RUN, {
      environment: 'prod approval/eu',
      state: 'approved',
      login: 'alice',
      comment: '',
    });
    expect((await verify('prod approval/eu')).ok).toBe(true);
  });

  it('does not count an approval given to another environment or another run', async () => {
    standin.addEnvironment(OWNER, REPO, 'vcluster-prod', ['alice']);
    standin.addEnvironment(OWNER, REPO, 'staging', ['alice']);
    standin.addReview(OWNER, REPO, RUN, { environment: 'staging', state: 'approved', login: 'alice', comment: '' });
    standin.addReview(OWNER, REPO, RUN + 1, {
      environment: 'vcluster-prod',
      state: 'approved',
      login: 'alice',
      comment: '',
    });
    const verdict = await verify();
    expect(verdict.ok).toBe(false);
    expect(check(verdict, 'run-approval').reason).toContain(
      `Run ${RUN} holds no approved review for environment 'vcluster-prod'`,
    );
    expect(check(verdict, 'run-approval').reason).toContain("'environment: vcluster-prod'");
  });

  it('says the run is still waiting when a deployment to the environment is pending', async () => {
    standin.addEnvironment(OWNER, REPO, 'vcluster-prod', ['alice']);
    standin.addPending(OWNER, REPO, RUN, { environment: 'vcluster-prod', reviewers: ['alice'] });
    const verdict = await verify();
    expect(verdict.ok).toBe(false);
    expect(check(verdict, 'run-approval').state).toBe('failed');
    expect(check(verdict, 'run-approval').reason).toContain('still waiting for a review');
    expect(check(verdict, 'run-approval').reason).toContain('alice');
  });

  it('refuses a rejected run, naming who rejected it and why, even if someone else approved', async () => {
    standin.addEnvironment(OWNER, REPO, 'vcluster-prod', ['alice', 'bob']);
    standin.addReview(OWNER, REPO, RUN, { environment: 'vcluster-prod', state: 'approved', login: 'bob', comment: '' });
    standin.addReview(OWNER, REPO, RUN, {
      environment: 'vcluster-prod',
      state: 'rejected',
      login: 'alice',
      comment: 'not during the freeze',
    });
    const verdict = await verify();
    expect(verdict.ok).toBe(false);
    expect(check(verdict, 'run-approval').reason).toContain('rejected');
    expect(check(verdict, 'run-approval').reason).toContain('alice ("not during the freeze")');
  });

  it('refuses an environment without a required_reviewers rule', async () => {
    standin.addEnvironment(OWNER, REPO, 'vcluster-prod', []);
    standin.addReview(OWNER, REPO, RUN, { environment: 'vcluster-prod', state: 'approved', login: 'bob', comment: '' });
    const verdict = await verify();
    expect(verdict.ok).toBe(false);
    expect(check(verdict, 'required-reviewers').state).toBe('failed');
    expect(check(verdict, 'required-reviewers').reason).toContain('no required_reviewers protection rule');
    expect(check(verdict, 'required-reviewers').reason).toContain('require-approval: false');
    expect(check(verdict, 'run-approval').state).toBe('skipped');
  });

  it('refuses an environment that does not exist', async () => {
    const verdict = await verify('vcluster-prod');
    expect(verdict.ok).toBe(false);
    expect(check(verdict, 'environment').reason).toContain(
      "Environment 'vcluster-prod' does not exist in acme/platform",
    );
    expect(standin.count('actions/get-reviews-for-run')).toBe(0);
  });

  it('names the missing actions: read permission on a 403', async () => {
    standin.addEnvironment(OWNER, REPO, 'vcluster-prod', ['alice']);
    standin.scenario.noActionsRead = true;
    const verdict = await verify();
    expect(verdict.ok).toBe(false);
    const reason = check(verdict, 'token-permission').reason;
    expect(check(verdict, 'token-permission').state).toBe('failed');
    expect(reason).toContain('Resource not accessible by integration');
    expect(reason).toContain("'actions: read'");
    expect(reason).toContain("'permissions:'");
  });

  it('with require-approval false proceeds without calling the API and marks the run bypassed', async () => {
    const verdict = await verify('vcluster-prod', false);
    expect(verdict).toMatchObject({ ok: true, bypassed: true, approvers: [] });
    expect(verdict.checks.every((c) => c.state === 'skipped')).toBe(true);
    expect(standin.requests).toEqual([]);
  });
});
