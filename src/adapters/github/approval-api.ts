// The approval gate's API calls: reads the environment and this run's reviews through the GitHub
// client (which retries 5xx answers and waits out rate limits), then lets
// the pure decideApproval decide.
import { octokitError, type GitHubClient } from './workflow-run.ts';
import {
  decideApproval,
  type ApiAnswer,
  type ApprovalRequest,
  type ApprovalVerdict,
} from '../../core/migration/approval.ts';

async function answer<T>(call: () => Promise<{ data: T }>): Promise<ApiAnswer<T>> {
  try {
    return { ok: true, data: (await call()).data };
  } catch (error) {
    return { ok: false, ...octokitError(error) };
  }
}

/** Reads the environment and this run's reviews, then decides. Never throws for an API answer. */
export async function verifyApproval(octokit: GitHubClient, request: ApprovalRequest): Promise<ApprovalVerdict> {
  if (!request.requireApproval || request.environment.trim() === '') return decideApproval(request, undefined);
  const { owner, repo, runId } = request;
  const environment = await answer(() =>
    octokit.rest.repos.getEnvironment({ owner, repo, environment_name: request.environment }),
  );
  if (!environment.ok) return decideApproval(request, { environment });
  const [approvals, pending] = await Promise.all([
    answer(() => octokit.rest.actions.getReviewsForRun({ owner, repo, run_id: runId })),
    answer(() => octokit.rest.actions.getPendingDeploymentsForRun({ owner, repo, run_id: runId })),
  ]);
  return decideApproval(request, { environment, approvals, pending });
}
