// A REST client for the run's token. Its own file so Octokit is loaded only by the phases that
// call GitHub (the approval check, the PR comment), not by reading the run's context.
import { getOctokit } from '@actions/github';
import type { GitHubClient } from './github-context.ts';

type Env = Record<string, string | undefined>;

/** A REST client for the token, talking to GITHUB_API_URL (GitHub Enterprise Server, or a test stand-in). */
export function makeOctokit(token: string, env: Env = process.env): GitHubClient {
  if (!token) {
    throw new Error("Input 'github-token' is empty: pass ${{ github.token }} (the default) or a token with actions: read and pull-requests: write.");
  }
  const baseUrl = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  return getOctokit(token, { baseUrl });
}
