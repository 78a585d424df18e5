// One sticky status comment per release and namespace on the pull request. Found by a hidden
// marker in a comment by a bot or a member; duplicates from concurrent runs are removed (the oldest
// stays); marked comments by others are never touched. A comment is a courtesy: any failure
// becomes a warning, never a failed migration. The body is rendered from the report.
import { octokitError, type GitHubClient } from './workflow-run.ts';
import { markedBody, statusMarker } from '../../report/comment-body.ts';

export interface UpsertCommentRequest {
  owner: string;
  repo: string;
  /** The pull request; undefined when the run belongs to none (then nothing is written). */
  issueNumber: number | undefined;
  release: string;
  namespace: string;
  /** Markdown without the marker (renderStatusComment's result). */
  body: string;
}

export interface UpsertCommentResult {
  action: 'created' | 'updated' | 'unchanged' | 'skipped';
  commentId?: number;
  /** Set when the comment could not be written (or duplicates not removed); report it with core.warning. */
  warning?: string;
}

interface CommentData {
  id: number;
  body?: string | null;
  user?: { type?: string } | null;
  author_association?: string;
}

/**
 * Only a bot (the token's own identity for GITHUB_TOKEN and GitHub Apps) or someone with write
 * access can own the status comment. A pull request's author could otherwise post the marker
 * first, have this action write the status into their comment, and edit it afterwards into a
 * status that misleads whoever approves phase two.
 */
const TRUSTED_ASSOCIATIONS = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);
export function trustedAuthor(c: CommentData): boolean {
  return c.user?.type === 'Bot' || TRUSTED_ASSOCIATIONS.has(c.author_association ?? '');
}

function warningFor(action: string, request: UpsertCommentRequest, error: unknown): string {
  const { status, message } = octokitError(error);
  const where = `pull request #${request.issueNumber} of ${request.owner}/${request.repo}`;
  const cause = status === 0 ? message : `HTTP ${status}: ${message}`;
  let remedy = 'The migration result is unaffected; it is in the job summary.';
  if (status === 403) {
    remedy +=
      " The token is read-only here (pull requests from forks always get one). Elsewhere give the job 'permissions: pull-requests: write'.";
  } else if (status === 404) {
    remedy += ` Check that #${request.issueNumber} is a pull request of ${request.owner}/${request.repo} (input 'pr-number').`;
  }
  return `Could not ${action} the status comment on ${where} (${cause}). ${remedy}`;
}

async function listMarked(
  octokit: GitHubClient,
  request: UpsertCommentRequest,
  marker: string,
): Promise<CommentData[]> {
  const all = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: request.owner,
    repo: request.repo,
    issue_number: request.issueNumber!,
    per_page: 100,
  });
  // Ids grow with creation time (created_at has only second precision), so the oldest has the smallest id.
  return all.filter((c) => (c.body ?? '').startsWith(marker) && trustedAuthor(c)).sort((a, b) => a.id - b.id);
}

/** Deletes all but the oldest; a comment already gone (another run deleted it) is fine. */
async function removeDuplicates(
  octokit: GitHubClient,
  request: UpsertCommentRequest,
  marked: CommentData[],
): Promise<string | undefined> {
  const warnings: string[] = [];
  for (const extra of marked.slice(1)) {
    try {
      await octokit.rest.issues.deleteComment({ owner: request.owner, repo: request.repo, comment_id: extra.id });
    } catch (error) {
      if (octokitError(error).status !== 404)
        warnings.push(warningFor(`delete duplicate ${extra.id} of`, request, error));
    }
  }
  return warnings.length > 0 ? warnings.join(' ') : undefined;
}

/** Creates or updates the one status comment for release+namespace on the pull request. */
export async function upsertStatusComment(
  octokit: GitHubClient,
  request: UpsertCommentRequest,
): Promise<UpsertCommentResult> {
  if (request.issueNumber === undefined) return { action: 'skipped' };
  const marker = statusMarker(request.release, request.namespace);
  const body = markedBody(marker, request.body);
  const { owner, repo } = request;
  let step = 'read';
  try {
    let marked = await listMarked(octokit, request, marker);
    let createdId: number | undefined;
    if (marked.length === 0) {
      step = 'create';
      const created = await octokit.rest.issues.createComment({ owner, repo, issue_number: request.issueNumber, body });
      createdId = created.data.id;
      // Another run may have created its own meanwhile: look again, the oldest wins.
      step = 'read';
      marked = await listMarked(octokit, request, marker);
      if (!marked.some((c) => c.id === createdId)) marked.push({ id: createdId, body });
      marked.sort((a, b) => a.id - b.id);
    }
    const keep = marked[0]!;
    step = 'clean up';
    const warning = await removeDuplicates(octokit, request, marked);
    const base = warning ? { commentId: keep.id, warning } : { commentId: keep.id };
    if (keep.id === createdId && keep.body === body) return { action: 'created', ...base };
    if (keep.body === body) return { action: 'unchanged', ...base };
    step = 'update';
    await octokit.rest.issues.updateComment({ owner, repo, comment_id: keep.id, body });
    return { action: keep.id === createdId ? 'created' : 'updated', ...base };
  } catch (error) {
    return { action: 'skipped', warning: warningFor(step, request, error) };
  }
}
