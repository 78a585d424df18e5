// The approval gate of phase two. GitHub pauses a job naming an environment with required
// reviewers, but the action verifies rather than assumes it: the environment exists, it has a
// required_reviewers rule, and this run holds an approved (and no rejected) review for it.
// Pure: API answers in, verdict out. The GitHub adapter makes the calls.

export type ApprovalCheckName =
  'token-permission' | 'environment' | 'required-reviewers' | 'run-approval' | 'named-approval';

export interface ApprovalCheck {
  name: ApprovalCheckName;
  state: 'passed' | 'failed' | 'skipped';
  /** Plain text (no Markdown); may quote a reviewer's comment, so escape it before rendering. */
  reason: string;
}

export interface ApprovalVerdict {
  ok: boolean;
  checks: ApprovalCheck[];
  /** True when require-approval is false: phase two runs without a verified approval. */
  bypassed: boolean;
  /** Logins that approved this run for the environment (the CLI: the person named by --approved-by). */
  approvers: string[];
}

export interface ApprovalRequest {
  owner: string;
  repo: string;
  runId: number;
  environment: string;
  requireApproval: boolean;
}

/** One REST answer: the data, or the HTTP status (0 when no answer came) and GitHub's message. */
export type ApiAnswer<T> = { ok: true; data: T } | { ok: false; status: number; message: string };

// The parts of GitHub's responses the decision reads (structural subsets of the REST schemas).
interface Reviewer {
  type?: string;
  reviewer?: { login?: string; slug?: string; name?: string | null } | null;
}
export interface EnvironmentData {
  id: number;
  name: string;
  protection_rules?: Array<{ type: string; reviewers?: Reviewer[] }>;
}
export interface RunReviewData {
  state: string;
  comment: string;
  user: { login: string };
  environments: Array<{ id?: number; name?: string }>;
}
export interface PendingDeploymentData {
  environment: { id?: number; name?: string };
  reviewers: Reviewer[];
}

export interface ApprovalEvidence {
  environment: ApiAnswer<EnvironmentData>;
  /** Absent when the environment could not be read (nothing to match reviews against). */
  approvals?: ApiAnswer<RunReviewData[]>;
  pending?: ApiAnswer<PendingDeploymentData[]>;
}

const CHECK_ORDER: ApprovalCheckName[] = ['token-permission', 'environment', 'required-reviewers', 'run-approval'];

type FailedAnswer = Extract<ApiAnswer<unknown>, { ok: false }>;

function isFailed(answer: ApiAnswer<unknown> | undefined): answer is FailedAnswer {
  return !!answer && !answer.ok;
}

function isPermissionDenied(answer: ApiAnswer<unknown> | undefined): answer is FailedAnswer {
  return isFailed(answer) && answer.status === 403 && !/rate limit/i.test(answer.message);
}

function reviewerNames(reviewers: Reviewer[] | undefined): string {
  // Stryker disable next-line ArrayDeclaration: any list in place of a missing one names nobody, so 'none listed' follows all the same
  const names = (reviewers ?? [])
    .map((r) => r.reviewer?.login ?? r.reviewer?.slug ?? r.reviewer?.name)
    .filter((n): n is string => !!n);
  return names.length > 0 ? names.join(', ') : 'none listed';
}

function answerFailure(what: string, answer: { status: number; message: string }): string {
  const status = answer.status === 0 ? 'no answer' : `HTTP ${answer.status}`;
  return `Could not read ${what} (${status}: ${answer.message}). The gate fails closed; re-run the job once the GitHub API answers.`;
}

/**
 * The verdict for a run that cannot ask GitHub: not a GitHub run (no run to read reviews of), or no
 * token. Bypassed when require-approval is false; otherwise refused, saying how to run phase two.
 */
export function unverifiableApproval(missing: 'run' | 'token', requireApproval: boolean): ApprovalVerdict {
  if (!requireApproval) return { ok: true, bypassed: true, approvers: [], checks: [] };
  const why =
    missing === 'run'
      ? 'this run is not a GitHub workflow run (GITHUB_REPOSITORY and GITHUB_RUN_ID are unset or invalid: not a GitHub runner)'
      : "input 'github-token' is empty";
  return {
    ok: false,
    bypassed: false,
    approvers: [],
    checks: [
      {
        name: 'run-approval',
        state: 'failed',
        reason: `${why}, so the approval cannot be verified; run finalize as a job of a GitHub workflow with github-token: \${{ github.token }} and actions: read (set require-approval: false only where no reviewers can be required)`,
      },
    ],
  };
}

/** Pure decision: from the API answers to the verdict. Every refusal names exactly what is missing. */
export function decideApproval(request: ApprovalRequest, evidence: ApprovalEvidence | undefined): ApprovalVerdict {
  if (!request.requireApproval) {
    const reason = 'require-approval is false: phase two runs without a verified approval.';
    return verdictOf(
      CHECK_ORDER.map((name) => ({ name, state: 'skipped', reason })),
      [],
      true,
    );
  }
  if (request.environment.trim() === '') return verdictOf([emptyEnvironment()]);
  if (!evidence) return verdictOf([]);

  // Each check runs only when the one before passed: the first failure names what is missing.
  const slug = `${request.owner}/${request.repo}`;
  const token = tokenCheck(slug, evidence);
  if (token.state === 'failed') return verdictOf([token]);
  const env = environmentCheck(slug, request.environment, evidence.environment);
  if (!env.data) return verdictOf([token, env.check]);
  const reviewers = reviewersCheck(env.data);
  if (reviewers.state === 'failed') return verdictOf([token, env.check, reviewers]);
  const run = runApprovalCheck(request.runId, env.data, evidence);
  return verdictOf([token, env.check, reviewers, run.check], run.approvers);
}

/** The checks in their fixed order, a check not reached shown as skipped. */
function verdictOf(reached: ApprovalCheck[], approvers: string[] = [], bypassed = false): ApprovalVerdict {
  const list = CHECK_ORDER.map(
    (name) =>
      reached.find((c) => c.name === name) ?? {
        name,
        state: 'skipped' as const,
        reason: 'Not reached: an earlier check failed.',
      },
  );
  // Only every check passed counts: a check not reached (skipped) never lets phase two run.
  return { ok: bypassed || list.every((c) => c.state === 'passed'), checks: list, bypassed, approvers };
}

function emptyEnvironment(): ApprovalCheck {
  return {
    name: 'environment',
    state: 'failed',
    reason:
      "Input 'approval-environment' is empty. Phase finalize needs the name of a GitHub environment with required reviewers, and the finalize job must name it in 'environment:'.",
  };
}

function tokenCheck(slug: string, evidence: ApprovalEvidence): ApprovalCheck {
  const name = 'token-permission';
  const answers = [evidence.environment, evidence.approvals, evidence.pending];
  const refused = answers.filter(isFailed).find((a) => a.status === 401);
  if (refused) {
    // Bad credentials: waiting or re-running does not help, another token does.
    return {
      name,
      state: 'failed',
      reason:
        `GitHub refused the token for ${slug} (HTTP 401: ${refused.message}): it is expired, revoked or not a GitHub token. ` +
        "Pass a valid token as 'github-token': ${{ github.token }} (the default) with 'actions: read' in the job's 'permissions:', or a token with the Actions read permission.",
    };
  }
  const denied = answers.find(isPermissionDenied);
  if (denied) {
    return {
      name,
      state: 'failed',
      reason:
        `The token may not read environments and run approvals of ${slug} (HTTP 403: ${denied.message}). ` +
        "Add 'actions: read' to the job's 'permissions:' block (for example permissions: { contents: read, actions: read }), " +
        'or pass a github-token that has the Actions read permission.',
    };
  }
  return { name, state: 'passed', reason: `The token can read environments and run approvals of ${slug}.` };
}

function environmentCheck(
  slug: string,
  environment: string,
  answer: ApiAnswer<EnvironmentData>,
): { check: ApprovalCheck; data?: EnvironmentData } {
  const name = 'environment';
  if (answer.ok) {
    return {
      check: { name, state: 'passed', reason: `Environment '${answer.data.name}' exists in ${slug}.` },
      data: answer.data,
    };
  }
  const reason =
    answer.status === 404
      ? `Environment '${environment}' does not exist in ${slug}. Create it under Settings > Environments with required reviewers, ` +
        "or set 'approval-environment' to the environment your finalize job names."
      : answerFailure(`environment '${environment}' of ${slug}`, answer);
  return { check: { name, state: 'failed', reason } };
}

function reviewersCheck(env: EnvironmentData): ApprovalCheck {
  const name = 'required-reviewers';
  const rule = env.protection_rules?.find((r) => r.type === 'required_reviewers');
  if (!rule || (rule.reviewers ?? []).length === 0) {
    return {
      name,
      state: 'failed',
      reason:
        `Environment '${env.name}' has no required_reviewers protection rule, so no person approved phase two. ` +
        "Add required reviewers under Settings > Environments, or set 'require-approval: false' if your plan has no required reviewers.",
    };
  }
  return {
    name,
    state: 'passed',
    reason: `Environment '${env.name}' requires a review by: ${reviewerNames(rule.reviewers)}.`,
  };
}

function runApprovalCheck(
  runId: number,
  env: EnvironmentData,
  evidence: ApprovalEvidence,
): { check: ApprovalCheck; approvers: string[] } {
  const failed = (reason: string, approvers: string[] = []) => ({
    check: { name: 'run-approval' as const, state: 'failed' as const, reason },
    approvers,
  });
  const approvals = evidence.approvals;
  if (!approvals || !approvals.ok) {
    return failed(
      approvals
        ? answerFailure(`the approvals of run ${runId}`, approvals)
        : `The approvals of run ${runId} were not read.`,
    );
  }
  const forEnv = (e: { id?: number; name?: string }) => e.id === env.id || e.name === env.name;
  const reviews = approvals.data.filter((r) => r.environments.some(forEnv));
  const approvers = [...new Set(reviews.filter((r) => r.state === 'approved').map((r) => r.user.login))];
  const rejected = reviews.filter((r) => r.state === 'rejected');
  if (rejected.length > 0) {
    const who = rejected.map((r) => `${r.user.login}${r.comment ? ` ("${r.comment}")` : ''}`).join(', ');
    return failed(
      `Run ${runId} was rejected for environment '${env.name}' by ${who}. Phase two does not run after a rejection; ` +
        'start a new workflow run once the reviewers agree.',
      approvers,
    );
  }
  if (approvers.length > 0) {
    const reason = `Run ${runId} was approved for environment '${env.name}' by ${approvers.join(', ')}.`;
    return { check: { name: 'run-approval', state: 'passed', reason }, approvers };
  }
  const waiting = evidence.pending?.ok ? evidence.pending.data.find((p) => forEnv(p.environment)) : undefined;
  return failed(
    waiting
      ? `Run ${runId} is still waiting for a review of environment '${env.name}' (reviewers: ${reviewerNames(waiting.reviewers)}). ` +
          'Phase two runs in the job that names the environment, after a reviewer approves it.'
      : `Run ${runId} holds no approved review for environment '${env.name}'. The job running phase finalize must name ` +
          `'environment: ${env.name}' so GitHub pauses it until a reviewer approves.`,
  );
}
