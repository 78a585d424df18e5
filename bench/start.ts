// npm run bench:start [-- --runs N]
// Times, from spawn to exit, the quickest path of each front door (run `npm run build` first):
// - the action, `node dist/index.js` with no inputs: inputs read, refused, exit 1;
// - the command line, `node dist/cli/index.js migrate --release Bad_Name ...`: flags read, refused, exit 2.
// Bare `node -e 0` is timed in turn with them (A C B A C B ...), so a loaded machine shows in all three.
// Ends with exactly two lines:
// start ms=<median> bundle_bytes=<bytes of dist/*.js>
// start-cli ms=<median> bundle_bytes=<bytes of dist/cli/*.js>
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median, positiveInt } from './rounds.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '21' } } });
const runs = positiveInt('runs', values.runs);

const dist = join(import.meta.dirname, '..', 'dist');
const bundleBytes = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .reduce((n, f) => n + statSync(join(dir, f)).size, 0);

// Only the runner's own variables: no INPUT_* (so release, namespace and chart-version are missing).
const env: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env))
  if (v !== undefined && !k.startsWith('INPUT_') && !k.startsWith('GITHUB_')) env[k] = v;

function timed(args: string[]): Promise<{ ms: number; code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ ms: performance.now() - t0, code, out }));
  });
}

const CLI_ARGS = [join(dist, 'cli', 'index.js'), 'migrate', '--release', 'Bad_Name', '--namespace', 'x'];
const action: number[] = [];
const cli: number[] = [];
const bare: number[] = [];
for (let i = -2; i < runs; i++) {
  // two warm-up rounds, not counted
  const a = await timed([join(dist, 'index.js')]);
  if (a.code !== 1 || !/::error::.*input 'release'/.test(a.out))
    throw new Error(`dist/index.js did not refuse the missing inputs (exit ${a.code}):\n${a.out}`);
  const c = await timed([...CLI_ARGS, '--chart-version', '0.27.0']);
  if (c.code !== 2 || !c.out.includes('- --release: "Bad_Name" is not a DNS-1123 label'))
    throw new Error(`dist/cli/index.js did not refuse --release Bad_Name with exit 2 (exit ${c.code}):\n${c.out}`);
  const b = await timed(['-e', '0']);
  if (i >= 0) {
    action.push(a.ms);
    cli.push(c.ms);
    bare.push(b.ms);
  }
}
const ratio = (xs: number[]) => median(xs.map((x, i) => x / bare[i]!)).toFixed(2);
process.stderr.write(
  `${runs} rounds, in turn: node -e 0 median ${median(bare).toFixed(0)} ms; per-round ratio median: action ${ratio(action)}, command line ${ratio(cli)}\n`,
);
console.log(`start ms=${median(action).toFixed(0)} bundle_bytes=${bundleBytes(dist)}`);
console.log(`start-cli ms=${median(cli).toFixed(0)} bundle_bytes=${bundleBytes(join(dist, 'cli'))}`);
