// setup-node stand-in: the Node on PATH must be the major version node-version-file names.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const file = (process.env['INPUT_NODE-VERSION-FILE'] ?? '').trim();
if (!file) {
  console.log('::error::setup-node stand-in: only node-version-file is supported');
  process.exit(1);
}
const want = readFileSync(resolve(process.env.GITHUB_WORKSPACE, file), 'utf8').trim().replace(/^v/, '');
const have = execFileSync('node', ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
if (have.split('.')[0] !== want.split('.')[0]) {
  console.log(`::error::setup-node stand-in: node on PATH is ${have}, ${file} says ${want}`);
  process.exit(1);
}
console.log(`node ${have} (${file}: ${want})`);
