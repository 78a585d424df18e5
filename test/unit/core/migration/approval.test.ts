// The pure approval decision: API answers in, verdict out.
import { describe, expect, it } from 'vitest';
import {
  decideApproval,
  unverifiableApproval,
  type ApprovalEvidence,
  type ApprovalRequest,
} from '../../../../src/core/migration/approval.ts';
import { evidence, request, review } from '../../../support/approval-evidence.ts';

const failed = (e: ApprovalEvidence | undefined, r = request) =>
  decideApproval(r, e).checks.filter((c) => c.state === 'failed');

describe('decideApproval', () => {
  it('passes only with every check passed', () => {
    const v = decideApproval(request, evidence([review('approved', 'alice'), review('approved', 'alice')]));
    expect(v).toMatchObject({ ok: true, bypassed: false, approvers: ['alice'] });
    expect(v.checks.map((c) => c.state)).toEqual(['passed', 'passed', 'passed', 'passed']);
  });

  it('matches the environment by id even when the review names it differently', () => {
    expect(decideApproval(request, evidence([review('approved', 'alice', [{ id: 5, name: 'Prod' }])])).ok).toBe(true);
  });

  it('gives each refusal its own check and message', () => {
    const cases: Array<[string, ApprovalEvidence | undefined, ApprovalRequest, string, RegExp]> = [
      [
        'empty input',
        undefined,
        { ...request, environment: ' ' },
        'environment',
        /Input 'approval-environment' is empty/,
      ],
      [
        'missing environment',
        { environment: { ok: false, status: 404, message: 'Not Found' } },
        request,
        'environment',
        /does not exist in acme\/platform/,
      ],
      [
        'server error',
        { environment: { ok: false, status: 502, message: 'Bad Gateway' } },
        request,
        'environment',
        /HTTP 502: Bad Gateway.*fails closed/,
      ],
      [
        'no answer',
        { environment: { ok: false, status: 0, message: 'ECONNRESET' } },
        request,
        'environment',
        /no answer: ECONNRESET/,
      ],
      [
        '403 on environment',
        { environment: { ok: false, status: 403, message: 'Resource not accessible by integration' } },
        request,
        'token-permission',
        /'actions: read'/,
      ],
      [
        '403 on approvals',
        evidence([], { approvals: { ok: false, status: 403, message: 'Resource not accessible by integration' } }),
        request,
        'token-permission',
        /'actions: read'/,
      ],
      [
        '401 on environment',
        { environment: { ok: false, status: 401, message: 'Bad credentials' } },
        request,
        'token-permission',
        /refused the token for acme\/platform \(HTTP 401: Bad credentials\).*Pass a valid token as 'github-token'/,
      ],
      [
        '401 on approvals',
        evidence([], { approvals: { ok: false, status: 401, message: 'Bad credentials' } }),
        request,
        'token-permission',
        /HTTP 401: Bad credentials/,
      ],
      [
        'no reviewers rule',
        evidence([review('approved', 'a')], {
          environment: { ok: true, data: { id: 5, name: 'prod', protection_rules: [{ type: 'wait_timer' }] } },
        }),
        request,
        'required-reviewers',
        /no required_reviewers protection rule/,
      ],
      [
        'rule without reviewers',
        evidence([], {
          environment: {
            ok: true,
            data: { id: 5, name: 'prod', protection_rules: [{ type: 'required_reviewers', reviewers: [] }] },
          },
        }),
        request,
        'required-reviewers',
        /no required_reviewers/,
      ],
      ['no review', evidence([]), request, 'run-approval', /holds no approved review/],
      [
        'only a pending review',
        evidence([review('pending', 'alice')]),
        request,
        'run-approval',
        /holds no approved review/,
      ],
      [
        'waiting',
        evidence([], {
          pending: { ok: true, data: [{ environment: { id: 5 }, reviewers: [{ reviewer: { slug: 'sre' } }] }] },
        }),
        request,
        'run-approval',
        /still waiting.*reviewers: sre/,
      ],
      [
        'rejected',
        evidence([review('approved', 'bob'), review('rejected', 'alice')]),
        request,
        'run-approval',
        /rejected for environment 'prod' by alice/,
      ],
      [
        'approvals unreadable',
        evidence([], { approvals: { ok: false, status: 500, message: 'boom' } }),
        request,
        'run-approval',
        /the approvals of run 11 \(HTTP 500/,
      ],
    ];
    for (const [label, e, r, check, message] of cases) {
      const f = failed(e, r);
      expect(
        f.map((c) => c.name),
        label,
      ).toEqual([check]);
      expect(f[0]!.reason, label).toMatch(message);
      expect(decideApproval(r, e).ok, label).toBe(false);
    }
  });

  it('treats a rate-limit 403 as an unreadable answer, not a missing permission', () => {
    const f = failed({ environment: { ok: false, status: 403, message: 'API rate limit exceeded for installation' } });
    expect(f.map((c) => c.name)).toEqual(['environment']);
    expect(f[0]!.reason).toContain('rate limit');
  });

  it('marks the checks after a failure as skipped, not passed', () => {
    const v = decideApproval(request, { environment: { ok: false, status: 404, message: 'Not Found' } });
    expect(v.checks.map((c) => `${c.name}:${c.state}`)).toEqual([
      'token-permission:passed',
      'environment:failed',
      'required-reviewers:skipped',
      'run-approval:skipped',
    ]);
  });

  it('bypasses with require-approval false, whatever the evidence', () => {
    const v = decideApproval({ ...request, requireApproval: false }, evidence([review('rejected', 'alice')]));
    expect(v).toMatchObject({ ok: true, bypassed: true });
    expect(v.checks.every((c) => c.state === 'skipped' && c.reason.includes('require-approval is false'))).toBe(true);
  });
});

describe('unverifiableApproval', () => {
  it('refuses a run outside GitHub, saying it is not a GitHub runner and how finalize runs', () => {
    const v = unverifiableApproval('run', true);
    expect(v).toMatchObject({ ok: false, bypassed: false, approvers: [] });
    expect(v.checks).toHaveLength(1);
    expect(v.checks[0]).toMatchObject({ name: 'run-approval', state: 'failed' });
    expect(v.checks[0]!.reason).toMatch(/^this run is not a GitHub workflow run \(GITHUB_REPOSITORY and GITHUB_RUN_ID/);
    expect(v.checks[0]!.reason).toContain('github-token: ${{ github.token }} and actions: read');
  });

  it('refuses an empty github-token, naming the input', () => {
    const v = unverifiableApproval('token', true);
    expect(v.ok).toBe(false);
    expect(v.checks[0]!.reason).toMatch(/^input 'github-token' is empty, so the approval cannot be verified/);
  });

  it('with require-approval false runs without a verified approval, bypassed and said so', () => {
    for (const missing of ['run', 'token'] as const) {
      expect(unverifiableApproval(missing, false)).toEqual({ ok: true, bypassed: true, approvers: [], checks: [] });
    }
  });
});
