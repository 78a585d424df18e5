// GitHub REST stand-in: a local HTTP server on 127.0.0.1 with in-memory state that implements
// only the endpoints the action calls (environments, run approvals, pending deployments, issue
// comments). It is not GitHub: every request it receives and every response it sends is checked
// against GitHub's published OpenAPI description, and each mismatch is recorded in `violations`,
// which the tests assert to be empty. Point the action at it with GITHUB_API_URL = standin.url.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenApiValidator } from './openapi-validator.ts';

const OPERATIONS = [
  'repos/get-environment',
  'actions/get-reviews-for-run',
  'actions/get-pending-deployments-for-run',
  'issues/list-comments',
  'issues/create-comment',
  'issues/update-comment',
  'issues/delete-comment',
];

// Compiling the schemas takes about half a second: once per test file.
let validator: OpenApiValidator | undefined;

export interface StandinScenario {
  /** Writes to comments get GitHub's 403 for read-only tokens (pull requests from forks). */
  readOnlyToken: boolean;
  /** Environment and run-approval reads get 403, as for a GITHUB_TOKEN without actions: read. */
  noActionsRead: boolean;
  /** The first N listComments requests are held until N have arrived: forces concurrent runs to race. */
  listBarrier: number;
  /**
   * One-shot failures, as GitHub sends them: the next request to `operationId` gets `status` with
   * GitHub's error body and these headers (a 502 from its front end, a 403 with x-ratelimit-remaining: 0).
   */
  faults: { operationId: string; status: number; message: string; headers?: Record<string, string> }[];
}

interface StoredEnvironment {
  id: number;
  name: string;
  reviewers: string[];
  createdAt: string;
}
interface StoredReview {
  environment: string;
  state: 'approved' | 'rejected' | 'pending';
  login: string;
  comment: string;
}
interface StoredPending {
  environment: string;
  reviewers: string[];
}
export interface StoredComment {
  id: number;
  body: string;
  login: string;
  createdAt: string;
  updatedAt: string;
  association?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  operationId?: string;
  status: number;
}

function key(...parts: Array<string | number>): string {
  return parts.join('/');
}

export class GitHubStandin {
  readonly scenario: StandinScenario = { readOnlyToken: false, noActionsRead: false, listBarrier: 0, faults: [] };
  readonly violations: string[] = [];
  readonly requests: RecordedRequest[] = [];
  url = '';
  private readonly server = createServer((req, res) => void this.handle(req, res));
  private readonly environments = new Map<string, StoredEnvironment>();
  private readonly reviews = new Map<string, StoredReview[]>();
  private readonly pending = new Map<string, StoredPending[]>();
  private readonly comments = new Map<string, StoredComment[]>();
  private nextId = 4_000_000;
  private clock = Date.parse('2025-06-01T12:00:00Z');
  private held: Array<() => void> = [];
  private listsSeen = 0;

  async start(): Promise<this> {
    validator ??= new OpenApiValidator(OPERATIONS);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const release of this.held.splice(0)) release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- state set-up -------------------------------------------------------------------------

  addEnvironment(owner: string, repo: string, name: string, reviewers: string[] = []): void {
    this.environments.set(key(owner, repo, name), { id: this.nextId++, name, reviewers, createdAt: this.tick() });
  }

  addReview(owner: string, repo: string, runId: number, review: StoredReview): void {
    const list = this.reviews.get(key(owner, repo, runId)) ?? [];
    list.push(review);
    this.reviews.set(key(owner, repo, runId), list);
  }

  addPending(owner: string, repo: string, runId: number, pending: StoredPending): void {
    const list = this.pending.get(key(owner, repo, runId)) ?? [];
    list.push(pending);
    this.pending.set(key(owner, repo, runId), list);
  }

  /** `association` is GitHub's author_association; by default MEMBER for users and NONE for bots. */
  addComment(
    owner: string,
    repo: string,
    issue: number,
    body: string,
    login = 'octocat',
    association?: string,
  ): StoredComment {
    const at = this.tick();
    const comment = { id: this.nextId++, body, login, createdAt: at, updatedAt: at, association };
    const list = this.comments.get(key(owner, repo, issue)) ?? [];
    list.push(comment);
    this.comments.set(key(owner, repo, issue), list);
    return comment;
  }

  commentsOf(owner: string, repo: string, issue: number): StoredComment[] {
    return [...(this.comments.get(key(owner, repo, issue)) ?? [])];
  }

  /** Requests that reached an operation, e.g. count('issues/create-comment'). */
  count(operationId: string): number {
    return this.requests.filter((r) => r.operationId === operationId).length;
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  private tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const record: RecordedRequest = { method, path: url.pathname, status: 0 };
    this.requests.push(record);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      if (record.operationId) {
        for (const v of validator!.validateResponse(record.operationId, status, body))
          this.violations.push(`response: ${v}`);
      }
      record.status = status;
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, {
        ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
        'x-github-api-version-selected': '2022-11-28',
        ...headers,
      });
      res.end(text);
    };
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const raw = Buffer.concat(chunks).toString('utf8');
      const op = validator!.match(method, url.pathname);
      if (!op) {
        this.violations.push(`request: the stand-in does not implement ${method} ${url.pathname}`);
        send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
        return;
      }
      record.operationId = op.operationId;
      const fault = this.scenario.faults.findIndex((f) => f.operationId === op.operationId);
      if (fault >= 0) {
        const [f] = this.scenario.faults.splice(fault, 1);
        // Not checked against the OpenAPI description: it lists no 5xx or rate-limit answers.
        record.status = f!.status;
        res.writeHead(f!.status, { 'content-type': 'application/json; charset=utf-8', ...f!.headers });
        res.end(JSON.stringify({ message: f!.message, documentation_url: 'https://docs.github.com/rest' }));
        return;
      }
      let body: unknown;
      if (raw !== '') {
        try {
          body = JSON.parse(raw);
        } catch {
          this.violations.push(`request: ${op.operationId}: body is not JSON`);
        }
      }
      const problems = validator!.validateRequest(op.operationId, op.pathParams, url.searchParams, body);
      for (const p of problems) this.violations.push(`request: ${p}`);
      const error = (status: number, message: string) => ({
        message,
        documentation_url: op.docsUrl,
        status: String(status),
      });
      if (problems.length > 0) {
        send(422, error(422, 'Validation Failed'));
        return;
      }
      if (!/^(token|bearer) \S+$/i.test(req.headers.authorization ?? '')) {
        send(401, error(401, 'Requires authentication'));
        return;
      }
      const p = op.pathParams as Record<string, string>;
      const { owner = '', repo = '' } = p;
      const readsActions = op.operationId.startsWith('actions/') || op.operationId === 'repos/get-environment';
      if (readsActions && this.scenario.noActionsRead) {
        send(403, error(403, 'Resource not accessible by integration'));
        return;
      }
      if (method !== 'GET' && op.operationId.startsWith('issues/') && this.scenario.readOnlyToken) {
        send(403, error(403, 'Resource not accessible by integration'));
        return;
      }
      switch (op.operationId) {
        case 'repos/get-environment': {
          const env = this.environments.get(key(owner, repo, p.environment_name!));
          if (!env) send(404, error(404, 'Not Found'));
          else send(200, this.environmentJson(owner, repo, env));
          return;
        }
        case 'actions/get-reviews-for-run': {
          const list = this.reviews.get(key(owner, repo, p.run_id!)) ?? [];
          send(
            200,
            list.map((r) => ({
              environments: [this.environmentRef(owner, repo, r.environment)],
              state: r.state,
              user: this.user(r.login),
              comment: r.comment,
            })),
          );
          return;
        }
        case 'actions/get-pending-deployments-for-run': {
          const list = this.pending.get(key(owner, repo, p.run_id!)) ?? [];
          send(
            200,
            list.map((d) => {
              const {
                created_at: _c,
                updated_at: _u,
                ...environment
              } = this.environmentRef(owner, repo, d.environment);
              return {
                environment,
                wait_timer: 0,
                wait_timer_started_at: null,
                current_user_can_approve: false,
                reviewers: d.reviewers.map((login) => ({ type: 'User', reviewer: this.user(login) })),
              };
            }),
          );
          return;
        }
        case 'issues/list-comments': {
          await this.barrier();
          const issue = Number(p.issue_number);
          const all = this.comments.get(key(owner, repo, issue)) ?? [];
          const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), 100);
          const page = Number(url.searchParams.get('page') ?? 1);
          const last = Math.max(1, Math.ceil(all.length / perPage));
          const slice = all.slice((page - 1) * perPage, page * perPage);
          const pageUrl = (n: number) =>
            `${this.url}/repos/${owner}/${repo}/issues/${issue}/comments?per_page=${perPage}&page=${n}`;
          const links: string[] = [];
          if (page < last) links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(last)}>; rel="last"`);
          if (page > 1) links.push(`<${pageUrl(1)}>; rel="first"`, `<${pageUrl(page - 1)}>; rel="prev"`);
          send(
            200,
            slice.map((c) => this.commentJson(owner, repo, issue, c)),
            links.length > 0 ? { link: links.join(', ') } : {},
          );
          return;
        }
        case 'issues/create-comment': {
          const issue = Number(p.issue_number);
          const created = this.addComment(owner, repo, issue, (body as { body: string }).body, 'github-actions[bot]');
          send(201, this.commentJson(owner, repo, issue, created), {
            location: `${this.url}/repos/${owner}/${repo}/issues/comments/${created.id}`,
          });
          return;
        }
        case 'issues/update-comment':
        case 'issues/delete-comment': {
          const id = Number(p.comment_id);
          for (const [k, list] of this.comments) {
            const i = list.findIndex((c) => c.id === id);
            if (i < 0 || !k.startsWith(key(owner, repo, ''))) continue;
            const issue = Number(k.split('/')[2]);
            if (op.operationId === 'issues/delete-comment') {
              list.splice(i, 1);
              send(204);
            } else {
              const c = list[i]!;
              c.body = (body as { body: string }).body;
              c.updatedAt = this.tick();
              send(200, this.commentJson(owner, repo, issue, c));
            }
            return;
          }
          send(404, error(404, 'Not Found'));
          return;
        }
        default:
          this.violations.push(`request: the stand-in does not implement ${op.operationId}`);
          send(404, error(404, 'Not Found'));
      }
    } catch (e) {
      this.violations.push(`stand-in failure: ${String(e)}`);
      if (!res.headersSent) send(500, { message: 'Server Error', status: '500' });
    }
  }

  private async barrier(): Promise<void> {
    if (this.listsSeen >= this.scenario.listBarrier) return;
    this.listsSeen++;
    if (this.listsSeen === this.scenario.listBarrier) {
      for (const release of this.held.splice(0)) release();
      return;
    }
    await new Promise<void>((resolve) => {
      this.held.push(resolve);
      // Never hang a test: release after 5 s even when fewer requests came.
      setTimeout(resolve, 5000).unref();
    });
  }

  private user(login: string) {
    const id = [...login].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1_000_000, 7) + 1;
    const api = `${this.url}/users/${encodeURIComponent(login)}`;
    return {
      login,
      id,
      node_id: `U_${id}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
      gravatar_id: '',
      url: api,
      html_url: `https://github.com/${encodeURIComponent(login)}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: login.endsWith('[bot]') ? 'Bot' : 'User',
      site_admin: false,
    };
  }

  private environmentRef(owner: string, repo: string, name: string) {
    const env = this.environments.get(key(owner, repo, name));
    const id = env?.id ?? 1;
    return {
      id,
      node_id: `EN_${id}`,
      name,
      url: `${this.url}/repos/${owner}/${repo}/environments/${encodeURIComponent(name)}`,
      html_url: `https://github.com/${owner}/${repo}/deployments/activity_log?environments_filter=${encodeURIComponent(name)}`,
      created_at: env?.createdAt ?? '2025-01-01T00:00:00Z',
      updated_at: env?.createdAt ?? '2025-01-01T00:00:00Z',
    };
  }

  private environmentJson(owner: string, repo: string, env: StoredEnvironment) {
    const rules =
      env.reviewers.length === 0
        ? []
        : [
            {
              id: env.id + 1,
              node_id: `GA_${env.id}`,
              type: 'required_reviewers',
              prevent_self_review: false,
              reviewers: env.reviewers.map((login) => ({ type: 'User', reviewer: this.user(login) })),
            },
          ];
    return { ...this.environmentRef(owner, repo, env.name), protection_rules: rules, deployment_branch_policy: null };
  }

  private commentJson(owner: string, repo: string, issue: number, c: StoredComment) {
    return {
      id: c.id,
      node_id: `IC_${c.id}`,
      url: `${this.url}/repos/${owner}/${repo}/issues/comments/${c.id}`,
      html_url: `https://github.com/${owner}/${repo}/pull/${issue}#issuecomment-${c.id}`,
      issue_url: `${this.url}/repos/${owner}/${repo}/issues/${issue}`,
      body: c.body,
      user: this.user(c.login),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      author_association: c.association ?? (c.login.endsWith('[bot]') ? 'NONE' : 'MEMBER'),
      performed_via_github_app: null,
    };
  }
}

export async function startGitHubStandin(): Promise<GitHubStandin> {
  return new GitHubStandin().start();
}
