// An input of tens of thousands of bad lines: the refusal names the first few problems and counts
// the rest, so the log line and the job summary stay readable (and far below GitHub's 1 MiB).
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../../../src/core/inputs/inputs.ts';
import { renderInputRefusal } from '../../../../src/report/summary.ts';
import { inputError, inputsWith } from '../../../support/inputs.ts';

// A few thousand lines here (the built action refuses 20,000 in the hostile-input test): enough to show
// the cap, and a broken cap (every line kept, each checked against the others) still fails in a second.
const refusal = (over: Record<string, string>) => inputError(() => parseSettings(inputsWith(over)), over);

describe('an input of many bad lines', () => {
  it('etcd-extra-args of 5,000 bad lines: three named, 4,997 counted', () => {
    const lines = Array.from({ length: 5_000 }, (_, i) => `quota-${i}`);
    const e = refusal({ 'etcd-extra-args': lines.join('\n') });
    expect(e.problems.map((p) => p.problem)).toEqual([
      '"quota-0" is not one --flag=value',
      '"quota-1" is not one --flag=value',
      '"quota-2" is not one --flag=value',
      'and 4997 more problems like these (the first 3 are named)',
    ]);
    expect(e.problems[3]!.expected).toBe('every line fixed as the ones above say');
    expect(e.message.split('\n')).toHaveLength(5);
    const summary = renderInputRefusal(e.problems);
    expect(Buffer.byteLength(summary)).toBeLessThan(2000);
    expect(summary).toContain('| `etcd-extra-args` | and 4997 more problems like these (the first 3 are named) |');
  });

  it('volatile-prefixes of 3,000 bad lines, with other bad inputs: each input named, the count per input', () => {
    const e = refusal({
      'volatile-prefixes': Array.from({ length: 3_000 }, (_, i) => `registry/x${i}/`).join('\n'),
      release: 'Bad_Name',
    });
    const inputs = e.problems.map((p) => p.input);
    expect(inputs.filter((i) => i === 'volatile-prefixes')).toHaveLength(4);
    expect(inputs).toContain('release');
    expect(e.problems.find((p) => p.problem.startsWith('and '))!.problem).toBe(
      'and 2997 more problems like these (the first 3 are named)',
    );
  });

  it('one more bad line is counted in the singular', () => {
    const e = refusal({ 'etcd-extra-args': 'a\nb\nc\nd' });
    expect(e.problems.at(-1)!.problem).toBe('and 1 more problem like these (the first 3 are named)');
  });

  it('a line that is bad the same way twice is counted once', () => {
    const e = refusal({ 'etcd-extra-args': 'a\nb\nc\nd\nd\nd' });
    expect(e.problems.at(-1)!.problem).toBe('and 1 more problem like these (the first 3 are named)');
  });
});
