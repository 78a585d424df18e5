// The contradiction reader the e2e harness applies to every run: the summaries the renderers write
// for each kind of end state read true, and each contradiction a reviewer met in the old output
// (or could meet) is found and named.
import { describe, expect, it } from 'vitest';
import { newReport, type RunReport, type StepRecord } from '../../../src/report/report.ts';
import { renderInputRefusal, renderSummary } from '../../../src/report/summary.ts';
import { renderStatusComment } from '../../../src/report/comment-body.ts';
import { renderFleetSummary } from '../../../src/report/fleet-summary.ts';
import { actionOutputs } from '../../../src/report/outputs.ts';
import { diffCensus } from '../../../src/core/migration/census.ts';
import { commentContradictions, contradictions } from '../../support/summary-consistency.ts';

function report(
  phase: RunReport['phase'],
  status: RunReport['status'],
  steps: [string, StepRecord['state'], string?][],
  headline: string,
): RunReport {
  const r = newReport('vc', 'team', phase);
  r.status = status;
  r.headline = headline;
  r.next = 'what to do next';
  r.steps = steps.map(([name, state, note]) => ({ name, state, ms: 1200, note }));
  return r;
}

const groups = { '/registry/pods/': 4, '/registry/configmaps/': 3, '/registry/apiregistration.k8s.io/': 2 };

const PHASE_ONE = { startedAt: '2026-01-01T10:00:00Z', chartVersion: '0.27.0', valuesDigest: 'd' };

const END_STATES: Record<string, () => RunReport> = {
  planned: () => {
    const r = report(
      'plan',
      'planned',
      [
        ['preflight', 'ok'],
        ['helm upgrade (phase one) --dry-run=server', 'ok'],
        ['census of the deployed etcd', 'ok'],
      ],
      'Phase one would apply the values shown under Values phase one (server dry run passed); the deployed etcd holds 9 keys.',
    );
    r.keysBefore = 9;
    r.values.push({
      label: 'Values phase one',
      set: { embeddedEtcd: { migrateFromDeployedEtcd: true } },
      rest: { leaves: 2, digest: 'abc' },
    } as RunReport['values'][number]);
    return r;
  },
  'migrate succeeded': () => {
    const r = report(
      'migrate',
      'succeeded',
      [
        ['preflight', 'ok'],
        ['backup of the deployed etcd', 'ok'],
        ['helm upgrade (phase one)', 'ok'],
        ['wait for the success log line', 'ok'],
        ['census of both etcds', 'ok'],
      ],
      'Phase one verified.',
    );
    r.keysBefore = 9;
    r.keysAfter = 9;
    r.diff = diffCensus({ groups }, { groups });
    return r;
  },
  'migrate failed at the success line': () =>
    report(
      'migrate',
      'failed',
      [
        ['preflight', 'ok'],
        ['helm upgrade (phase one)', 'ok'],
        ['wait for the success log line', 'failed', 'no success line within 15s'],
      ],
      'no success line within 15s',
    ),
  'migrate failed after its steps': () =>
    report('migrate', 'failed', [['preflight', 'ok']], 'the census could not be read'),
  'finalize refused by the approval': () => {
    const r = report(
      'finalize',
      'refused',
      [
        ['preflight', 'ok'],
        ['approval', 'refused', 'phase two is not approved: no approval'],
      ],
      'phase two is not approved: no approval',
    );
    r.checks.push({ name: 'approval: run-approval', state: 'failed', reason: 'no approval' } as RunReport['checks'][0]);
    return r;
  },
  'finalize succeeded': () => {
    const r = report(
      'finalize',
      'succeeded',
      [
        ['approval', 'ok', 'approved by alice'],
        ['helm upgrade (phase two)', 'ok'],
        ['wait until the deployed etcd is gone', 'ok'],
      ],
      'Migration complete.',
    );
    r.approvers = ['alice'];
    return r;
  },
  'no-op': () => report('migrate', 'no-op', [['preflight', 'ok']], 'phase one is already verified'),
  status: () => report('status', 'succeeded', [['observe', 'ok']], 'State: phase one verified.'),
  'status of a phase one that failed': () => {
    const r = report('status', 'succeeded', [['observe', 'ok']], 'State: phase one failed (no success line).');
    r.recorded = {
      phase1: { ...PHASE_ONE, status: 'failed', upgradedAt: PHASE_ONE.startedAt, failure: 'no success line' },
    };
    return r;
  },
  'no-op of a verified phase one': () => {
    const r = report('migrate', 'no-op', [['preflight', 'ok']], 'Nothing to do: phase one is verified.');
    r.recorded = { phase1: { ...PHASE_ONE, status: 'verified' } };
    return r;
  },
};

function read(r: RunReport) {
  const summary = renderSummary(r);
  return { summary, outputs: actionOutputs(r, summary, true) };
}

describe('the summaries of every end state read true', () => {
  for (const [name, make] of Object.entries(END_STATES)) {
    it(name, () => {
      const run = read(make());
      expect(contradictions(run)).toEqual([]);
      expect(commentContradictions(renderStatusComment(make()), run)).toEqual([]);
    });
  }

  it('an input refusal', () => {
    const summary = renderInputRefusal([{ input: 'phase', problem: 'is empty', expected: 'plan or migrate' }]);
    expect(contradictions({ summary, outputs: { status: 'refused', 'summary-markdown': summary } })).toEqual([]);
  });

  it("discover's chart, table and rows", () => {
    const summary = renderFleetSummary({
      entries: [
        { release: 'a', namespace: 'x', state: 'deployed', attention: false, reason: '', next: 'plan' },
        { release: 'b', namespace: 'y', state: 'migrating', attention: true, reason: 'stuck', next: 'status' },
      ] as never,
      counts: { deployed: 1, migrating: 1, verified: 0, embedded: 0, 'not-eligible': 0 },
      next: 'migrate',
      matrixSize: 1,
      left: 0,
      scope: 'all namespaces',
      notes: [],
    });
    expect(contradictions({ summary, outputs: { status: 'succeeded' } })).toEqual([]);
    const wrong = summary.replace('"migrating" : 1', '"migrating" : 2');
    expect(contradictions({ summary: wrong, outputs: {} })).toEqual(['the chart shows 2 migrating, the table 1']);
  });
});

describe('each contradiction is found', () => {
  it('the old refused approval: passed, "approved by" nobody, beside the failed check', () => {
    const r = END_STATES['finalize refused by the approval']!();
    r.steps[1] = { name: 'approval', state: 'ok', ms: 5, note: 'approved by ' };
    expect(contradictions(read(r))).toEqual(
      expect.arrayContaining([
        'step approval says "approved by" and names nobody',
        'the approval step passed beside failed approval checks (approval: run-approval)',
      ]),
    );
  });

  it('the old plan: its headline points to values the PR comment does not show', () => {
    const r = END_STATES.planned!();
    const run = read(r);
    const oldComment = renderStatusComment(r).replace(/<details><summary>Values phase one[\s\S]*?<\/details>/, '');
    expect(commentContradictions(oldComment, run)).toEqual([
      "the PR comment's headline points to Values phase one, which the comment does not show",
    ]);
    r.values = [];
    expect(contradictions(read(r))).toEqual([
      'the headline points to Values phase one, which the summary does not show',
    ]);
  });

  it('a status whose headline and picture disagree on a failed phase', () => {
    const r = END_STATES['status of a phase one that failed']!();
    r.headline = 'State: phase one upgraded.';
    expect(contradictions(read(r))).toEqual([
      'the headline says "State: phase one upgraded." and the procedure shows a stage failed',
    ]);
  });

  it('a status that differs between the summary and the output', () => {
    const run = read(END_STATES['migrate succeeded']!());
    expect(contradictions({ ...run, outputs: { ...run.outputs, status: 'failed' } })).toEqual([
      'the summary says succeeded, the status output says failed',
    ]);
  });

  it('a stopped run whose picture does not say where', () => {
    const run = read(END_STATES['migrate failed at the success line']!());
    const noStop = run.summary.replace(/^ {2}stop\[.*\n.*\n/m, '');
    expect(contradictions({ summary: noStop, outputs: { ...run.outputs, 'summary-markdown': noStop } })).toEqual([
      'the run is failed but the diagram does not say where it stopped',
    ]);
  });

  it('the words and the diagram disagree on a stage', () => {
    const run = read(END_STATES['migrate succeeded']!());
    const md = run.summary.replace('census<br/>✅ done', 'census<br/>❌ failed');
    expect(contradictions({ summary: md, outputs: { ...run.outputs, 'summary-markdown': md } })).toEqual(
      expect.arrayContaining(['stage census is done in words, failed in the diagram']),
    );
  });

  it('a census that says all groups match beside a total that does not', () => {
    const r = END_STATES['migrate succeeded']!();
    const run = read(r);
    const md = run.summary.replace('| **Total** | 9 | 9 |', '| **Total** | 9 | 8 |');
    expect(contradictions({ summary: md, outputs: { ...run.outputs, 'summary-markdown': md } })).toEqual([
      'the census says 9 keys before and after; its total row 9 and 8',
    ]);
  });

  it('counts that differ from the outputs', () => {
    const run = read(END_STATES['migrate succeeded']!());
    expect(contradictions({ ...run, outputs: { ...run.outputs, 'keys-after': '10' } })).toEqual([
      'the summary says keys after 9, the keys-after output says 10',
    ]);
  });

  it('a run that succeeded although a group lost keys', () => {
    const r = END_STATES['migrate succeeded']!();
    r.diff = diffCensus({ groups }, { groups: { ...groups, '/registry/pods/': 1 } });
    r.keysAfter = 6;
    expect(contradictions(read(r))).toEqual(['the run succeeded although 1 group(s) lost keys']);
  });
});
