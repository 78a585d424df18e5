import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prNumberFromEvent, readWorkflowRun, runUrlOf } from '../../../../src/adapters/github/workflow-run.ts';
import { makeOctokit } from '../../../../src/adapters/github/octokit.ts';

const dir = mkdtempSync(join(tmpdir(), 'ghctx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const eventFile = (payload: unknown) => {
  const p = join(dir, `event-${Math.random()}.json`);
  writeFileSync(p, JSON.stringify(payload));
  return p;
};
const env = {
  GITHUB_REPOSITORY: 'acme/platform',
  GITHUB_RUN_ID: '1234',
  GITHUB_SERVER_URL: 'https://ghe.example.test/',
};

describe('readWorkflowRun', () => {
  it('builds owner, repo, run id and the run URL', () => {
    const ctx = readWorkflowRun({ ...env, GITHUB_API_URL: 'https://ghe.example.test/api/v3' });
    expect(ctx).toMatchObject({
      owner: 'acme',
      repo: 'platform',
      runId: 1234,
      apiUrl: 'https://ghe.example.test/api/v3',
      runUrl: 'https://ghe.example.test/acme/platform/actions/runs/1234',
    });
    expect(ctx.prNumber).toBeUndefined();
  });

  it('takes the PR from a pull_request payload, an issue_comment on a PR, or the pr-number input', () => {
    expect(readWorkflowRun({ ...env, GITHUB_EVENT_PATH: eventFile({ pull_request: { number: 7 } }) }).prNumber).toBe(7);
    expect(
      readWorkflowRun({ ...env, GITHUB_EVENT_PATH: eventFile({ issue: { number: 8, pull_request: {} } }) }).prNumber,
    ).toBe(8);
    expect(
      readWorkflowRun({ ...env, GITHUB_EVENT_PATH: eventFile({ issue: { number: 9 } }) }).prNumber,
    ).toBeUndefined();
    expect(
      readWorkflowRun({ ...env, GITHUB_EVENT_PATH: eventFile({ pull_request: { number: 7 } }) }, ' 12 ').prNumber,
    ).toBe(12);
    expect(readWorkflowRun({ ...env, GITHUB_EVENT_PATH: join(dir, 'missing.json') }).prNumber).toBeUndefined();
    expect(prNumberFromEvent(null)).toBeUndefined();
  });

  it('refuses bad values with a message naming them', () => {
    expect(() => readWorkflowRun(env, '12a')).toThrow("Input 'pr-number' must be a positive whole number, got '12a'.");
    expect(() => readWorkflowRun({ ...env, GITHUB_REPOSITORY: 'nope' })).toThrow(/owner\/repo/);
    expect(() => readWorkflowRun({ GITHUB_RUN_ID: '1' })).toThrow(/GITHUB_REPOSITORY is not set/);
  });
});

describe('runUrlOf', () => {
  it('is the run URL every phase links, discover included, and none outside a GitHub job', () => {
    expect(runUrlOf(env)).toBe('https://ghe.example.test/acme/platform/actions/runs/1234');
    expect(runUrlOf({ GITHUB_REPOSITORY: 'acme/platform', GITHUB_RUN_ID: '5' })).toBe(
      'https://github.com/acme/platform/actions/runs/5',
    );
    expect(runUrlOf({})).toBeUndefined();
    expect(runUrlOf({ ...env, GITHUB_RUN_ID: 'x' })).toBeUndefined();
  });
});

describe('makeOctokit', () => {
  it('uses GITHUB_API_URL and refuses an empty token', () => {
    const octokit = makeOctokit('t', { GITHUB_API_URL: 'http://127.0.0.1:9/' });
    expect(octokit.request.endpoint.DEFAULTS.baseUrl).toBe('http://127.0.0.1:9');
    expect(() => makeOctokit('', {})).toThrow(/github-token/);
  });
});
