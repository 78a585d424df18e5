// A REST client for the run's token. Its own file so Octokit is loaded only by the phases that
// call GitHub (the approval check, the PR comment), not by reading the workflow run.
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { GitHubClient } from './workflow-run.ts';

type Env = Record<string, string | undefined>;

/** How many times a rate-limited request is sent again, and the longest wait for it. */
const RATE_LIMIT_RETRIES = 2;
const RATE_LIMIT_MAX_WAIT_S = 120;

/**
 * A REST client for the token, talking to GITHUB_API_URL (GitHub Enterprise Server, or a test
 * stand-in). Octokit's maintained plugins make it retry 5xx answers (three times, after 1, 4 and 9 s)
 * and wait out primary and secondary rate limits (twice, up to 120 s each), as GitHub asks clients to.
 */
export function makeOctokit(
  token: string,
  env: Env = process.env,
  log: (message: string) => void = () => {},
): GitHubClient {
  if (!token) {
    throw new Error(
      "Input 'github-token' is empty: pass ${{ github.token }} (the default) or a token with actions: read and pull-requests: write.",
    );
  }
  const baseUrl = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      options: { method?: string; url?: string },
      _octokit: unknown,
      retryCount: number,
    ): boolean => {
      const again = retryCount < RATE_LIMIT_RETRIES && retryAfter <= RATE_LIMIT_MAX_WAIT_S;
      log(
        `GitHub ${kind} rate limit on ${options.method ?? ''} ${options.url ?? ''}: ${again ? `sending it again in ${retryAfter} s` : 'giving up'}`,
      );
      return again;
    };
  return getOctokit(
    token,
    {
      baseUrl,
      throttle: { onRateLimit: onLimit('primary'), onSecondaryRateLimit: onLimit('secondary') },
    },
    retry,
    throttling,
  );
}
