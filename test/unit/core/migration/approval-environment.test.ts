// The approval gate counts only reviews of the approval environment, and every check says what it saw.
import { describe, expect, it } from 'vitest';
import {
  decideApproval,
  type ApprovalEvidence,
  type EnvironmentData,
} from '../../../../src/core/migration/approval.ts';
import { evidence, prod, request, review } from '../../../support/approval-evidence.ts';

const staging = { id: 9, name: 'staging' };
const check = (e: ApprovalEvidence | undefined, name: string, r = request) =>
  decideApproval(r, e).checks.find((c) => c.name === name)!;

describe('decideApproval counts only the approval environment', () => {
  it('does not pass on an approval of another environment of the same run', () => {
    const v = decideApproval(request, evidence([review('approved', 'bob', [staging])]));
    expect(v).toMatchObject({ ok: false, approvers: [] });
    expect(check(evidence([review('approved', 'bob', [staging])]), 'run-approval')).toMatchObject({ state: 'failed' });
  });

  it('matches the environment by name when the review carries no id, and by id when the name differs', () => {
    expect(decideApproval(request, evidence([review('approved', 'alice', [{ name: 'prod' }])])).ok).toBe(true);
    expect(decideApproval(request, evidence([review('approved', 'alice', [{ id: 5 }])])).ok).toBe(true);
    expect(decideApproval(request, evidence([review('approved', 'alice', [staging, { id: 5 }])])).ok).toBe(true);
  });

  it('is not stopped by a rejection of another environment', () => {
    const v = decideApproval(request, evidence([review('rejected', 'carol', [staging]), review('approved', 'alice')]));
    expect(v).toMatchObject({ ok: true, approvers: ['alice'] });
  });

  it('is not waiting when only another environment awaits a review', () => {
    const pending = {
      ok: true as const,
      data: [{ environment: staging, reviewers: [{ reviewer: { login: 'bob' } }] }],
    };
    expect(check(evidence([], { pending }), 'run-approval').reason).toMatch(
      /^Run 11 holds no approved review for environment 'prod'\./,
    );
  });
});

describe('decideApproval says what each check saw', () => {
  it('passes every check with an approval, naming the repository, environment, reviewers and approvers', () => {
    const e = evidence([
      review('approved', 'alice'),
      review('approved', 'dave'),
      review('approved', 'alice'),
      review('commented', 'erin'),
    ]);
    const v = decideApproval(request, e);
    expect(v).toEqual({
      ok: true,
      bypassed: false,
      approvers: ['alice', 'dave'],
      checks: [
        {
          name: 'token-permission',
          state: 'passed',
          reason: 'The token can read environments and run approvals of acme/platform.',
        },
        { name: 'environment', state: 'passed', reason: "Environment 'prod' exists in acme/platform." },
        { name: 'required-reviewers', state: 'passed', reason: "Environment 'prod' requires a review by: alice." },
        { name: 'run-approval', state: 'passed', reason: "Run 11 was approved for environment 'prod' by alice, dave." },
      ],
    });
  });

  it('names reviewers by login, team slug or name, and says when none are listed', () => {
    const withReviewers = (reviewers: NonNullable<EnvironmentData['protection_rules']>[number]['reviewers']) =>
      evidence([review('approved', 'alice')], {
        environment: {
          ok: true,
          data: { ...prod, protection_rules: [{ type: 'wait_timer' }, { type: 'required_reviewers', reviewers }] },
        },
      });
    expect(
      check(
        withReviewers([{ reviewer: { login: 'alice' } }, { reviewer: { slug: 'sre' } }, { reviewer: { name: 'Ops' } }]),
        'required-reviewers',
      ).reason,
    ).toBe("Environment 'prod' requires a review by: alice, sre, Ops.");
    expect(check(withReviewers([{ reviewer: null }, { reviewer: { name: null } }]), 'required-reviewers').reason).toBe(
      "Environment 'prod' requires a review by: none listed.",
    );
    const waiting = { ok: true as const, data: [{ environment: { name: 'prod' }, reviewers: [] }] };
    expect(check(evidence([], { pending: waiting }), 'run-approval').reason).toContain('(reviewers: none listed)');
  });

  it('refuses a rule without reviewers, saying how to add them or bypass the gate', () => {
    const e = evidence([review('approved', 'alice')], {
      environment: { ok: true, data: { ...prod, protection_rules: [{ type: 'required_reviewers' }] } },
    });
    expect(check(e, 'required-reviewers')).toEqual({
      name: 'required-reviewers',
      state: 'failed',
      reason:
        "Environment 'prod' has no required_reviewers protection rule, so no person approved phase two. " +
        "Add required reviewers under Settings > Environments, or set 'require-approval: false' if your plan has no required reviewers.",
    });
    const noRules = evidence([review('approved', 'alice')], {
      environment: { ok: true, data: { id: 5, name: 'prod' } },
    });
    expect(decideApproval(request, noRules).ok).toBe(false);
  });

  it('names who rejected the run and what they wrote, and keeps the approvers it saw', () => {
    const v = decideApproval(
      request,
      evidence([
        review('approved', 'dave'),
        review('rejected', 'alice', undefined, 'not before the freeze'),
        review('rejected', 'bob'),
      ]),
    );
    expect(v).toMatchObject({ ok: false, approvers: ['dave'] });
    expect(v.checks[3]).toEqual({
      name: 'run-approval',
      state: 'failed',
      reason:
        'Run 11 was rejected for environment \'prod\' by alice ("not before the freeze"), bob. Phase two does not run after a rejection; ' +
        'start a new workflow run once the reviewers agree.',
    });
  });

  it('says which reviewers a waiting run waits for, and how to name the environment when nothing waits', () => {
    const pending = {
      ok: true as const,
      data: [{ environment: { id: 5 }, reviewers: [{ reviewer: { slug: 'sre' } }] }],
    };
    expect(check(evidence([], { pending }), 'run-approval').reason).toBe(
      "Run 11 is still waiting for a review of environment 'prod' (reviewers: sre). Phase two runs in the job that names the environment, after a reviewer approves it.",
    );
    const unreadable = { ok: false as const, status: 500, message: 'boom' };
    expect(check(evidence([], { pending: unreadable }), 'run-approval').reason).toBe(
      "Run 11 holds no approved review for environment 'prod'. The job running phase finalize must name 'environment: prod' so GitHub pauses it until a reviewer approves.",
    );
  });

  it('fails closed when the approvals were not read', () => {
    const e: ApprovalEvidence = { environment: { ok: true, data: prod } };
    expect(decideApproval(request, e).ok).toBe(false);
    expect(check(e, 'run-approval')).toMatchObject({
      state: 'failed',
      reason: 'The approvals of run 11 were not read.',
    });
    const noPending: ApprovalEvidence = { environment: { ok: true, data: prod }, approvals: { ok: true, data: [] } };
    expect(check(noPending, 'run-approval').reason).toMatch(
      /^Run 11 holds no approved review for environment 'prod'\./,
    );
    expect(
      check(evidence([], { approvals: { ok: false, status: 0, message: 'socket hang up' } }), 'run-approval').reason,
    ).toBe(
      'Could not read the approvals of run 11 (no answer: socket hang up). The gate fails closed; re-run the job once the GitHub API answers.',
    );
    expect(check({ environment: { ok: false, status: 500, message: 'Server Error' } }, 'environment').reason).toBe(
      "Could not read environment 'prod' of acme/platform (HTTP 500: Server Error). The gate fails closed; re-run the job once the GitHub API answers.",
    );
  });

  it('fails with no evidence at all, and skips the checks it did not reach', () => {
    const v = decideApproval(request, undefined);
    expect(v.ok).toBe(false);
    expect(v.checks).toEqual(
      ['token-permission', 'environment', 'required-reviewers', 'run-approval'].map((name) => ({
        name,
        state: 'skipped',
        reason: 'Not reached: an earlier check failed.',
      })),
    );
  });

  it('says the environment does not exist, and where to create it', () => {
    expect(check({ environment: { ok: false, status: 404, message: 'Not Found' } }, 'environment').reason).toBe(
      "Environment 'prod' does not exist in acme/platform. Create it under Settings > Environments with required reviewers, " +
        "or set 'approval-environment' to the environment your finalize job names.",
    );
  });

  it("asks for 'actions: read' on a 403 of any answer, but not on a rate limit", () => {
    const denied = { ok: false as const, status: 403, message: 'Resource not accessible by integration' };
    const reason =
      'The token may not read environments and run approvals of acme/platform (HTTP 403: Resource not accessible by integration). ' +
      "Add 'actions: read' to the job's 'permissions:' block (for example permissions: { contents: read, actions: read }), " +
      'or pass a github-token that has the Actions read permission.';
    expect(check(evidence([review('approved', 'alice')], { pending: denied }), 'token-permission')).toEqual({
      name: 'token-permission',
      state: 'failed',
      reason,
    });
    expect(decideApproval(request, evidence([review('approved', 'alice')], { pending: denied })).ok).toBe(false);
    const limited = { ok: false as const, status: 403, message: 'API Rate Limit exceeded' };
    expect(check({ environment: limited }, 'token-permission').state).toBe('passed');
    expect(check({ environment: limited }, 'environment').reason).toContain('HTTP 403: API Rate Limit exceeded');
    expect(
      check(
        evidence([review('approved', 'alice')], { pending: { ok: false, status: 404, message: 'Not Found' } }),
        'token-permission',
      ).state,
    ).toBe('passed');
  });

  it('refuses an empty approval environment, naming the input and the job setting', () => {
    expect(check(undefined, 'environment', { ...request, environment: '' })).toEqual({
      name: 'environment',
      state: 'failed',
      reason:
        "Input 'approval-environment' is empty. Phase finalize needs the name of a GitHub environment with required reviewers, " +
        "and the finalize job must name it in 'environment:'.",
    });
  });

  it('skips every check, saying so, when require-approval is false', () => {
    const v = decideApproval({ ...request, requireApproval: false, environment: '' }, undefined);
    expect(v).toMatchObject({ ok: true, bypassed: true, approvers: [] });
    expect(v.checks.map((c) => [c.name, c.state, c.reason])).toEqual(
      ['token-permission', 'environment', 'required-reviewers', 'run-approval'].map((n) => [
        n,
        'skipped',
        'require-approval is false: phase two runs without a verified approval.',
      ]),
    );
  });
});
