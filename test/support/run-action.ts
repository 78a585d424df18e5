// Runs the built action (dist/index.js) the way a GitHub runner does: inputs as INPUT_<NAME>
// variables, outputs and summary through the GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseGithubOutput } from '../../sandbox/action-runner.ts';

export const DIST = join(import.meta.dirname, '../../dist/index.js');

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** The ::error:: messages, decoded. */
  errors: string[];
}

const decode = (s: string): string => s.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');

export async function runAction(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  timeoutMs = 900_000,
): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'action-run-'));
  const outFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary');
  writeFileSync(outFile, '');
  writeFileSync(summaryFile, '');
  const inputEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(inputs)) inputEnv[`INPUT_${k.toUpperCase()}`] = v;
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('INPUT_') && !k.startsWith('GITHUB_')) base[k] = v;
  try {
    return await new Promise<ActionRun>((resolve, reject) => {
      const child = spawn(process.execPath, [DIST], {
        env: {
          ...base,
          GITHUB_OUTPUT: outFile,
          GITHUB_STEP_SUMMARY: summaryFile,
          RUNNER_TEMP: dir,
          ...inputEnv,
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        const errors = stdout
          .split('\n')
          .filter((l) => l.startsWith('::error'))
          .map((l) => decode(l.replace(/^::error[^:]*::/, '')));
        resolve({
          code: code ?? -1,
          stdout,
          stderr,
          errors,
          outputs: parseGithubOutput(readFileSync(outFile, 'utf8')),
          summary: readFileSync(summaryFile, 'utf8'),
        });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
