// main refuses bad inputs through src/adapters/github/workflow-commands.ts instead of @actions/core (which loads
// an HTTP client on import). What the runner reads must be the same bytes either way.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as light from '../../../../src/adapters/github/workflow-commands.ts';

const dir = mkdtempSync(join(tmpdir(), 'workflow-commands-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

/** What fn prints to stdout and the exit code it sets; both restored afterwards. */
function capture(fn: () => void): { out: string; exitCode: typeof process.exitCode } {
  const writes: string[] = [];
  const write = process.stdout.write;
  const before = process.exitCode;
  process.stdout.write = ((s: string | Uint8Array) => {
    writes.push(String(s));
    return true;
  }) as typeof process.stdout.write;
  try {
    fn();
    return { out: writes.join(''), exitCode: process.exitCode };
  } finally {
    process.stdout.write = write;
    process.exitCode = before;
  }
}

const message = "3 inputs are not valid:\n- input 'release': 100% wrong,\r\n  like a:b";

describe('workflow commands without @actions/core', () => {
  it('reads an input as core.getInput does: INPUT_<NAME>, spaces as underscores, trimmed, unset as empty', () => {
    process.env.INPUT_CHART_VERSION = '  0.27.0 \n';
    for (const name of ['chart version', 'CHART_VERSION', 'missing-input'])
      expect(light.getInput(name)).toBe(core.getInput(name));
    expect(light.getInput('chart version')).toBe('0.27.0');
  });

  it('fails as core.setFailed does: the same ::error:: line, exit code 1', () => {
    const ours = capture(() => light.setFailed(message));
    expect(ours).toEqual(capture(() => core.setFailed(message)));
    expect(ours.exitCode).toBe(1);
    expect(ours.out).toBe("::error::3 inputs are not valid:%0A- input 'release': 100%25 wrong,%0D%0A  like a:b\n");
  });

  it('writes an output to the GITHUB_OUTPUT file as core.setOutput does, with a fresh delimiter', () => {
    const write = (set: (n: string, v: string) => void) => {
      const file = join(dir, `out-${Math.random()}`);
      writeFileSync(file, 'earlier=1\n');
      process.env.GITHUB_OUTPUT = file;
      expect(capture(() => set('status', 'refused\nsecond line')).out).toBe('');
      return readFileSync(file, 'utf8');
    };
    const ours = write(light.setOutput);
    const same = (s: string) => s.replace(/ghadelimiter_[0-9a-f-]{36}/g, 'DELIM');
    expect(same(ours)).toBe(same(write(core.setOutput)));
    expect(same(ours)).toBe('earlier=1\nstatus<<DELIM\nrefused\nsecond line\nDELIM\n');
  });

  it('prints ::set-output off a runner (no GITHUB_OUTPUT), as core.setOutput does', () => {
    delete process.env.GITHUB_OUTPUT;
    const ours = capture(() => light.setOutput('status', 'refused'));
    expect(ours).toEqual(capture(() => core.setOutput('status', 'refused')));
    expect(ours.out).toContain('::set-output name=status::refused');
  });

  it('appends to the job summary file as core.summary.addRaw().write() does', async () => {
    const markdown = '## refused\n\n| input | what is wrong |\n| --- | --- |\n| `release` | 100% wrong |\n';
    const append = async (write: () => unknown) => {
      const file = join(dir, `summary-${Math.random()}`);
      writeFileSync(file, 'earlier step\n');
      process.env.GITHUB_STEP_SUMMARY = file;
      await write();
      return readFileSync(file, 'utf8');
    };
    const ours = await append(() => light.appendSummary(markdown));
    expect(ours).toBe(await append(() => core.summary.addRaw(markdown).write()));
    expect(ours).toBe(`earlier step\n${markdown}`);
  });

  it('warns, without failing, when there is no job summary file to write', () => {
    delete process.env.GITHUB_STEP_SUMMARY;
    const ours = capture(() => light.appendSummary('## refused\n'));
    expect(ours.exitCode).toBe(undefined);
    expect(ours.out).toMatch(
      /^::warning::could not write the job summary: Unable to find environment variable for \$GITHUB_STEP_SUMMARY/,
    );
    process.env.GITHUB_STEP_SUMMARY = join(dir, 'no-such-dir', 'summary.md');
    expect(capture(() => light.appendSummary('## refused\n')).out).toMatch(
      /^::warning::could not write the job summary: ENOENT/,
    );
  });
});

describe('the log lines discover writes without @actions/core', () => {
  it('prints a line and a group as core.info and core.group do', async () => {
    expect(capture(() => light.info(message))).toEqual(capture(() => core.info(message)));
    const grouped = async (g: typeof core.group) => {
      const writes: string[] = [];
      const write = process.stdout.write;
      process.stdout.write = ((s: string | Uint8Array) => {
        writes.push(String(s));
        return true;
      }) as typeof process.stdout.write;
      try {
        expect(await g('reads: 100%\nall', async () => (process.stdout.write('inside\n'), 7))).toBe(7);
      } finally {
        process.stdout.write = write;
      }
      return writes.join('');
    };
    const ours = await grouped(light.group);
    expect(ours).toBe(await grouped(core.group));
    expect(ours).toBe('::group::reads: 100%25%0Aall\ninside\n::endgroup::\n');
  });
});
