// checkout stand-in: git init + fetch (depth as fetch-depth says) + detached checkout of the
// event's commit, as actions/checkout does. The origin is a local repository given by the test.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

const input = (name) => (process.env[`INPUT_${name.toUpperCase()}`] ?? '').trim();
const fail = (msg) => {
  console.log(`::error::checkout stand-in: ${msg}`);
  process.exit(1);
};
const origin = process.env.CHECKOUT_STANDIN_ORIGIN;
if (!origin) fail('CHECKOUT_STANDIN_ORIGIN is not set (the local repository that stands for GitHub)');
if (input('repository') !== process.env.GITHUB_REPOSITORY)
  fail(`only ${process.env.GITHUB_REPOSITORY} is served, not ${input('repository')}`);
const depth = Number(input('fetch-depth') || '1');
if (!Number.isInteger(depth) || depth < 0) fail(`fetch-depth must be a whole number >= 0, got ${input('fetch-depth')}`);
const workspace = process.env.GITHUB_WORKSPACE;
const dest = resolve(workspace, input('path'));
if (!dest.startsWith(resolve(workspace))) fail('path must be under GITHUB_WORKSPACE');
const ref = input('ref') || process.env.GITHUB_SHA;
const git = (...args) =>
  execFileSync('git', args, { cwd: dest, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();

mkdirSync(dest, { recursive: true });
git('init', '-q');
git('remote', 'add', 'origin', `file://${origin}`);
if (depth === 0) {
  git('fetch', '-q', '--tags', 'origin', '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*');
  git('fetch', '-q', 'origin', ref);
} else {
  git('fetch', '-q', '--no-tags', `--depth=${depth}`, 'origin', ref);
}
git('checkout', '-q', '--force', 'FETCH_HEAD');
const commit = git('rev-parse', 'HEAD');
console.log(`checked out ${commit} (fetch-depth ${depth})`);
appendFileSync(process.env.GITHUB_OUTPUT, `ref=${input('ref') || process.env.GITHUB_REF || ''}\ncommit=${commit}\n`);
