// The stand-in's own guard: it must reject what GitHub's OpenAPI description rejects, or the
// other GitHub tests would prove nothing about the real API.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpenApiValidator } from '../support/openapi-validator.ts';
import { startGitHubStandin, type GitHubStandin } from '../support/github-standin.ts';

let standin: GitHubStandin;
beforeEach(async () => {
  standin = await startGitHubStandin();
});
afterEach(async () => {
  await standin.close();
});

const auth = { authorization: 'token ghs_x', 'content-type': 'application/json' };

describe('GitHub REST stand-in', () => {
  it('records a request whose path parameter breaks the description', async () => {
    const res = await fetch(`${standin.url}/repos/a/b/actions/runs/not-a-number/approvals`, { headers: auth });
    expect(res.status).toBe(422);
    expect(standin.violations.join('\n')).toMatch(/path parameter run_id=not-a-number: \/ must be integer/);
  });

  it('records a request body without its required field', async () => {
    await fetch(`${standin.url}/repos/a/b/issues/1/comments`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ text: 'hi' }),
    });
    expect(standin.violations.join('\n')).toContain("request body: / must have required property 'body'");
  });

  it('records calls to endpoints it does not implement', async () => {
    await fetch(`${standin.url}/repos/a/b/pulls/1/reviews`, { headers: auth });
    expect(standin.violations).toEqual(['request: the stand-in does not implement GET /repos/a/b/pulls/1/reviews']);
  });

  it("answers 401 with GitHub's error body when no token is sent", async () => {
    const res = await fetch(`${standin.url}/repos/a/b/environments/prod`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ message: 'Requires authentication', status: '401' });
    expect(standin.violations).toEqual([]);
  });

  it('serves paginated lists with Link headers that conform', async () => {
    for (let i = 0; i < 5; i++) standin.addComment('a', 'b', 7, `c${i}`);
    const res = await fetch(`${standin.url}/repos/a/b/issues/7/comments?per_page=2&page=2`, { headers: auth });
    expect((await res.json()).map((c: { body: string }) => c.body)).toEqual(['c2', 'c3']);
    expect(res.headers.get('link')).toContain('page=3>; rel="next"');
    expect(standin.violations).toEqual([]);
  });

  it('its validator rejects responses that break the schema and accepts nullable fields set to null', () => {
    const v = new OpenApiValidator(['repos/get-environment', 'actions/get-pending-deployments-for-run']);
    const env = {
      id: 1,
      node_id: 'EN_1',
      name: 'prod',
      url: 'https://api.github.com/repos/a/b/environments/prod',
      html_url: 'https://github.com/a/b/deployments',
      created_at: '2025-01-01T00:00:00Z',
      updated_at: '2025-01-01T00:00:00Z',
      deployment_branch_policy: null,
    };
    expect(v.validateResponse('repos/get-environment', 200, env)).toEqual([]);
    expect(v.validateResponse('repos/get-environment', 200, { ...env, created_at: 'yesterday' }).join()).toContain(
      'must match format "date-time"',
    );
    const { node_id: _, ...withoutNodeId } = env;
    expect(v.validateResponse('repos/get-environment', 200, withoutNodeId).join()).toContain(
      "must have required property 'node_id'",
    );
    expect(v.validateResponse('repos/get-environment', 201, env)).toEqual([
      'repos/get-environment: status 201 is not documented',
    ]);
    expect(v.validateResponse('repos/get-environment', 403, { message: 7 }).join()).toContain(
      '/message must be string',
    );
    const pending = {
      environment: { name: 'prod' },
      wait_timer: 0,
      wait_timer_started_at: null,
      current_user_can_approve: false,
      reviewers: [],
    };
    expect(v.validateResponse('actions/get-pending-deployments-for-run', 200, [pending])).toEqual([]);
    expect(
      v.validateResponse('actions/get-pending-deployments-for-run', 200, [{ ...pending, wait_timer: null }]).join(),
    ).toContain('wait_timer must be integer');
  });
});
