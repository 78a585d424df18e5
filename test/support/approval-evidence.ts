// What the GitHub API answers about a run's approval, as decideApproval reads it: run 11 of
// acme/platform, approval environment 'prod' (id 5) with alice as its required reviewer.
import type {
  ApprovalEvidence,
  ApprovalRequest,
  EnvironmentData,
  RunReviewData,
} from '../../src/core/migration/approval.ts';

export const request: ApprovalRequest = {
  owner: 'acme',
  repo: 'platform',
  runId: 11,
  environment: 'prod',
  requireApproval: true,
};

export const prod: EnvironmentData = {
  id: 5,
  name: 'prod',
  protection_rules: [{ type: 'required_reviewers', reviewers: [{ type: 'User', reviewer: { login: 'alice' } }] }],
};

/** A review of the run, by default of environment 'prod'. */
export const review = (
  state: string,
  login: string,
  environments: RunReviewData['environments'] = [{ id: 5, name: 'prod' }],
  comment = '',
): RunReviewData => ({ state, comment, user: { login }, environments });

/** The API's answers: environment prod, these reviews, nothing pending; `more` replaces any of them. */
export const evidence = (reviews: RunReviewData[], more: Partial<ApprovalEvidence> = {}): ApprovalEvidence => ({
  environment: { ok: true, data: prod },
  approvals: { ok: true, data: reviews },
  pending: { ok: true, data: [] },
  ...more,
});
