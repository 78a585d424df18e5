// The procedure diagram of the summary and the PR comment: each stage's state and time from the
// report's steps, where a refusal or failure stopped, and nothing a value could break out of.
import { describe, expect, it } from 'vitest';
import { newReport, type RunReport, type StepRecord } from '../../../src/report/report.ts';
import {
  diagramStages,
  mermaidText,
  procedureLine,
  renderProcedureDiagram,
} from '../../../src/report/procedure-diagram.ts';
import { renderFleetSummary } from '../../../src/report/fleet-summary.ts';
import { renderSummary } from '../../../src/report/summary.ts';
import { renderStatusComment } from '../../../src/report/comment-body.ts';

function run(
  phase: string,
  status: RunReport['status'],
  steps: [string, StepRecord['state'], number?][],
  headline = '',
): RunReport {
  const r = newReport('vc', 'team', phase as RunReport['phase']);
  r.status = status;
  r.headline = headline;
  r.steps = steps.map(([name, state, ms]) => ({ name, state, ms: ms ?? 1000 }));
  return r;
}

const states = (r: RunReport) => Object.fromEntries(diagramStages(r).map((s) => [s.label, s.state]));

const MIGRATE_STEPS: [string, StepRecord['state'], number?][] = [
  ['preflight', 'ok', 500],
  ['census of the deployed etcd', 'ok', 1500],
  ['backup of the deployed etcd', 'ok', 2000],
  ['helm upgrade (phase one)', 'ok', 12_300],
  ['wait for the success log line', 'ok', 4000],
  ['census of both etcds', 'ok', 3000],
];

describe('the stages of a run', () => {
  it('plan: plan done, backup is where the migration stands', () => {
    const r = run('plan', 'planned', [
      ['preflight', 'ok'],
      ['helm upgrade (phase one) --dry-run=server', 'ok'],
      ['census of the deployed etcd', 'ok'],
    ]);
    expect(states(r)).toEqual({
      plan: 'done',
      backup: 'current',
      'phase one': 'todo',
      'success line': 'todo',
      census: 'todo',
      approval: 'todo',
      'phase two': 'todo',
      removal: 'todo',
    });
    expect(diagramStages(r)[0]!.ms).toBe(3000);
  });

  it('migrate: its four stages done with the time of their steps, approval current', () => {
    const s = diagramStages(run('migrate', 'succeeded', MIGRATE_STEPS));
    expect(s.map((x) => [x.label, x.state, x.ms])).toEqual([
      ['plan', 'optional', 0],
      ['backup', 'done', 4000],
      ['phase one', 'done', 12_300],
      ['success line', 'done', 4000],
      ['census', 'done', 3000],
      ['approval', 'current', 0],
      ['phase two', 'todo', 0],
      ['removal', 'todo', 0],
    ]);
  });

  it('a failed step marks its stage failed, and the picture says where it stopped', () => {
    const r = run(
      'migrate',
      'failed',
      [...MIGRATE_STEPS.slice(0, 4), ['wait for the success log line', 'failed', 20_000]],
      'no success line within 20s',
    );
    expect(states(r)).toMatchObject({
      'phase one': 'done',
      'success line': 'failed',
      census: 'todo',
      approval: 'todo',
    });
    const md = renderProcedureDiagram(r).replace(/<br\/>/g, ' ');
    expect(md).toMatch(/s3\["success line ❌ failed · 20\.0s"\]:::failed/);
    expect(md).toContain('stop["❌ failed at step wait for the success log line: no success line within 20s"]:::stop');
    expect(md).toContain('s3 -.- stop');
  });

  it('a refusal outside a step (preflight) marks the stage the phase did not get past', () => {
    const r = run('migrate', 'refused', [['preflight', 'ok', 800]], 'preflight failed: storage class (missing)');
    expect(states(r)).toMatchObject({ backup: 'refused', 'phase one': 'todo' });
    expect(renderProcedureDiagram(r)).toContain('⛔ refused at step preflight: preflight failed');
  });

  it('a check after the last step that fails the run (lost keys) marks that step stage', () => {
    const r = run('migrate', 'failed', MIGRATE_STEPS, 'the embedded etcd has fewer keys');
    expect(states(r)).toMatchObject({ 'success line': 'done', census: 'failed', approval: 'todo' });
  });

  it('finalize refused by the approval check: approval refused, earlier stages done earlier', () => {
    const r = run(
      'finalize',
      'refused',
      [
        ['preflight', 'ok'],
        ['approval', 'refused', 300],
      ],
      'phase two is not approved',
    );
    expect(states(r)).toEqual({
      plan: 'optional',
      backup: 'earlier',
      'phase one': 'earlier',
      'success line': 'earlier',
      census: 'earlier',
      approval: 'refused',
      'phase two': 'todo',
      removal: 'todo',
    });
    expect(procedureLine(r)).toContain('approval refused → phase two to do');
  });

  it('a phase with steps of its own (abort) shows each of its steps as a stage', () => {
    const r = run('abort', 'failed', [
      ['lock', 'ok'],
      ['stop writes', 'ok'],
      ['equalize', 'failed'],
    ]);
    expect(diagramStages(r).map((s) => [s.label, s.state])).toEqual([
      ['lock', 'done'],
      ['stop writes', 'done'],
      ['equalize', 'failed'],
    ]);
    expect(renderProcedureDiagram(r)).toContain('s0 --> s1 --> s2');
  });

  it('status and a no-op have no diagram', () => {
    expect(renderProcedureDiagram(run('status', 'succeeded', [['observe', 'ok']]))).toBe('');
    expect(renderProcedureDiagram(run('migrate', 'no-op', [['preflight', 'ok']]))).toBe('');
  });
});

describe('text in the diagram', () => {
  it('cannot end a label, the fence, or become HTML', () => {
    const t = mermaidText('a"] --> x[<script>alert(1)</script>] ``` end');
    expect(t).not.toMatch(/["<>[\]`]/);
    expect(t).toContain('#34;');
    expect(mermaidText('x'.repeat(300))).toBe(`${'x'.repeat(199)}#8230;`);
  });

  it('the summary and the PR comment keep the procedure in words beside the picture', () => {
    const r = run('migrate', 'succeeded', MIGRATE_STEPS, 'copied');
    for (const md of [renderSummary(r), renderStatusComment(r)]) {
      expect(md).toContain('Procedure: plan optional → backup done → phase one done');
      expect(md).toContain('```mermaid\nflowchart LR');
      expect(md).toContain('accDescr: plan optional, backup done');
    }
  });
});

describe("discover's chart", () => {
  it('shows releases per state as a pie, leaving out states with none, then the table', () => {
    const md = renderFleetSummary({
      entries: [],
      counts: { deployed: 3, migrating: 1, verified: 0, embedded: 2, 'not-eligible': 0 },
      next: 'migrate',
      matrixSize: 3,
      left: 0,
      scope: 'all namespaces',
      notes: [],
    });
    expect(md).toContain(
      [
        '```mermaid',
        'pie showData',
        '  accTitle: vCluster releases per state',
        '  accDescr: deployed 3, migrating 1, embedded 2',
        '  title Releases per state',
        '  "deployed" : 3',
        '  "migrating" : 1',
        '  "embedded" : 2',
        '```',
      ].join('\n'),
    );
    expect(md.indexOf('```mermaid')).toBeLessThan(md.indexOf('| state | releases |'));
  });
});
