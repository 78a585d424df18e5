// act's JSON log (lines as act v0.2.89 printed them for a matrix job, its outputs and summary, and a
// job after `needs`) folds into one record per job and matrix combination.
import { describe, expect, it } from 'vitest';
import { parseActLog } from '../../../sandbox/workflow-engine.ts';

const line = (o: Record<string, unknown>) =>
  JSON.stringify({ dryrun: false, level: 'info', time: '2026-12-01T14:58:27Z', ...o });
const LOG = [
  line({
    job: 't/Job A 1-1',
    jobID: 'a',
    matrix: { x: 1 },
    msg: '⭐ Run Set up job',
    step: 'Set up job',
    stepid: ['--setup-job'],
  }),
  line({
    job: 't/Job A 1-1',
    jobID: 'a',
    matrix: { x: 1 },
    msg: 'v24.21.0\n',
    raw_output: true,
    stage: 'Main',
    step: 'echo',
    stepID: ['s'],
  }),
  line({
    job: 't/Job A 1-1',
    jobID: 'a',
    matrix: { x: 1 },
    msg: '  ✅  Success - Main echo',
    stage: 'Main',
    step: 'echo',
    stepID: ['s'],
    stepResult: 'success',
  }),
  line({
    arg: 'val1',
    command: 'set-output',
    job: 't/Job A 1-1',
    jobID: 'a',
    matrix: { x: 1 },
    msg: '  ⚙  ::set-output:: o=val1',
    name: 'o',
    stepID: ['s'],
  }),
  line({
    command: 'summary',
    content: '# hello\n',
    job: 't/Job A 1-1',
    jobID: 'a',
    matrix: { x: 1 },
    msg: '  ⚙  Summary - # hello\n',
    stepID: ['s'],
  }),
  line({
    job: 't/Job A 2-2',
    jobID: 'a',
    matrix: { x: 2 },
    msg: '  ❌  Failure - Main echo',
    stepID: ['s'],
    stepResult: 'failure',
  }),
  line({ job: 't/Job A 2-2', jobID: 'a', matrix: { x: 2 }, jobResult: 'failure', msg: '🏁  Job failed' }),
  // act's one result per matrix: instance 1 ends after instance 2 failed and is reported failed too.
  line({ job: 't/Job A 1-1', jobID: 'a', matrix: { x: 1 }, jobResult: 'failure', msg: '🏁  Job failed' }),
  line({ job: 't/b        ', jobID: 'b', msg: 'got val1\n', raw_output: true, stepID: ['0'] }),
  line({ job: 't/b        ', jobID: 'b', jobResult: 'success', msg: '🏁  Job succeeded' }),
  '{"level":"warning","msg":"Couldn\'t get a valid docker connection"}',
  'not json',
];

describe('parseActLog', () => {
  const jobs = parseActLog(LOG);
  it("one record per job and matrix combination, with its own result (not act's shared matrix result)", () => {
    expect(jobs.map((j) => [j.id, j.name, j.matrix, j.result])).toEqual([
      ['a', 't/Job A 1-1', { x: 1 }, 'success'],
      ['a', 't/Job A 2-2', { x: 2 }, 'failure'],
      ['b', 't/b', {}, 'success'],
    ]);
  });
  it('step outputs from set-output lines (the unmasked field, not the message), step results and the summary', () => {
    expect(jobs[0]!.steps).toEqual([{ id: 's', name: 'echo', result: 'success', outputs: { o: 'val1' } }]);
    expect(jobs[0]!.summary).toBe('# hello\n');
    expect(jobs[1]!.steps[0]!.result).toBe('failure');
    expect(jobs[2]!.log).toContain('got val1');
  });
});
