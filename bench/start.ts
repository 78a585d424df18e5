// npm run bench:start [-- --runs N]
// Times `node dist/index.js` (run `npm run build` first) from spawn to exit on a bad input, the
// action's quickest path: inputs are read, refused, the process exits 1. Bare `node -e 0` is timed
// in turn with it (A B A B ...), so a loaded machine shows in both. Ends with exactly one line:
// start ms=<median> bundle_bytes=<bytes of dist/*.js>
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median, positiveInt } from './rounds.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '21' } } });
const runs = positiveInt('runs', values.runs);

const dist = join(import.meta.dirname, '..', 'dist');
const bundleBytes = readdirSync(dist)
  .filter((f) => f.endsWith('.js'))
  .reduce((n, f) => n + statSync(join(dist, f)).size, 0);

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

const action: number[] = [];
const bare: number[] = [];
for (let i = -2; i < runs; i++) {
  // two warm-up pairs, not counted
  const a = await timed([join(dist, 'index.js')]);
  if (a.code !== 1 || !/::error::.*input 'release'/.test(a.out))
    throw new Error(`dist/index.js did not refuse the missing inputs (exit ${a.code}):\n${a.out}`);
  const b = await timed(['-e', '0']);
  if (i >= 0) {
    action.push(a.ms);
    bare.push(b.ms);
  }
}
const ratio = median(action.map((a, i) => a / bare[i]!));
process.stderr.write(
  `${runs} runs each, in turn: node -e 0 median ${median(bare).toFixed(0)} ms; per-pair ratio median ${ratio.toFixed(2)}\n`,
);
console.log(`start ms=${median(action).toFixed(0)} bundle_bytes=${bundleBytes}`);
