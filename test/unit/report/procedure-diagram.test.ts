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

  it('a step that failed in a run the phase refused is a refusal on the picture, as in the headline', () => {
    const r = run(
      'migrate',
      'refused',
      [
        ['preflight', 'ok'],
        ['census of the deployed etcd', 'failed'],
      ],
      'the deployed etcd cannot be read, so phase one did not start',
    );
    expect(states(r)).toMatchObject({ backup: 'refused', 'phase one': 'todo' });
    expect(renderProcedureDiagram(r)).toContain('stop["⛔ refused at step census of the deployed etcd:');
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

  it('status and a no-op without a state record have no diagram', () => {
    expect(renderProcedureDiagram(run('status', 'succeeded', [['observe', 'ok']]))).toBe('');
    expect(renderProcedureDiagram(run('migrate', 'no-op', [['preflight', 'ok']]))).toBe('');
  });
});

describe('where the migration stands, by the state record (status, a no-op)', () => {
  const p1 = {
    startedAt: '2026-01-01T10:00:00Z',
    chartVersion: '0.27.0',
    valuesDigest: 'd',
    backup: { file: 'snap.db', bytes: 1, sha256: 'x', revision: 1, keys: 1 },
  };
  const standing = (recorded: RunReport['recorded'], phase = 'status', status: RunReport['status'] = 'succeeded') => {
    const r = run(phase, status, [['observe', 'ok']], 'State: as recorded.');
    r.recorded = recorded;
    return r;
  };

  it('phase one verified: its stages done with the times between the record stamps, approval current', () => {
    const r = standing({
      phase1: {
        ...p1,
        status: 'verified',
        upgradedAt: '2026-01-01T10:00:12Z',
        loggedAt: '2026-01-01T10:00:15Z',
        verifiedAt: '2026-01-01T10:00:20Z',
      },
    });
    expect(diagramStages(r).map((s) => [s.label, s.state, s.ms])).toEqual([
      ['plan', 'optional', 0],
      ['backup', 'done', 0],
      ['phase one', 'done', 12_000],
      ['success line', 'done', 3000],
      ['census', 'done', 5000],
      ['approval', 'current', 0],
      ['phase two', 'todo', 0],
      ['removal', 'todo', 0],
    ]);
    expect(procedureLine(r)).toBe(
      'Procedure: plan optional → backup done → phase one done → success line done → census done → approval current → phase two to do → removal to do.',
    );
  });

  it('phase one failed at the success line: the picture says so with the failure the record keeps', () => {
    const r = standing({
      phase1: { ...p1, status: 'failed', upgradedAt: '2026-01-01T10:00:12Z', failure: 'no success line within 2m' },
    });
    expect(states(r)).toMatchObject({ 'phase one': 'done', 'success line': 'failed', census: 'todo' });
    expect(renderProcedureDiagram(r)).toContain('stop["❌ failed: no success line within 2m"]:::stop');
  });

  it('phase one under way: its upgrade is current; without a backup it was skipped', () => {
    const r = standing({ phase1: { ...p1, backup: undefined, backupSkipReason: 'a test', status: 'started' } });
    expect(states(r)).toMatchObject({ backup: 'skipped', 'phase one': 'current', 'success line': 'todo' });
  });

  it('phase two verified: every stage done; a no-op of finalize shows the same', () => {
    const recorded = {
      phase1: { ...p1, status: 'verified' as const, upgradedAt: p1.startedAt, loggedAt: p1.startedAt },
      phase2: {
        status: 'verified' as const,
        startedAt: '2026-01-02T10:00:00Z',
        upgradedAt: '2026-01-02T10:00:30Z',
        verifiedAt: '2026-01-02T10:01:00Z',
        valuesDigest: 'd',
      },
    };
    for (const r of [standing(recorded), standing(recorded, 'finalize', 'no-op')]) {
      expect(Object.values(states(r))).toEqual(['optional', ...Array(7).fill('done')]);
      expect(diagramStages(r).at(-1)!.ms).toBe(30_000);
      expect(renderProcedureDiagram(r)).not.toContain('stop[');
    }
  });

  it('phase two failed before its upgrade finished: phase two failed, removal to do', () => {
    const r = standing({
      phase1: { ...p1, status: 'verified' },
      phase2: { status: 'failed', startedAt: p1.startedAt, valuesDigest: 'd', failure: 'helm timed out' },
    });
    expect(states(r)).toMatchObject({ approval: 'done', 'phase two': 'failed', removal: 'todo' });
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

describe('the diagram as a reader of the summary sees it', () => {
  it('a phase of its own steps that failed: every line, long labels wrapped, the stop box beside the stage', () => {
    const r = run(
      'abort',
      'failed',
      [
        ['lock', 'ok', 100],
        ['restore the values of the deployed etcd release', 'failed', 2500],
        ['unlock', 'skipped', 0],
      ],
      'the deployed etcd did not start within 5m, so the values were not restored',
    );
    expect(renderProcedureDiagram(r)).toBe(
      [
        '```mermaid',
        'flowchart LR',
        '  accTitle: vCluster etcd migration, abort failed',
        '  accDescr: lock done, restore the values of the deployed etcd release failed, unlock skipped; it stands at restore the values of the deployed etcd release',
        '  s0["lock<br/>✅ done · 0.1s"]:::done',
        '  s1["restore the values of<br/>the deployed etcd<br/>release<br/>❌ failed · 2.5s"]:::failed',
        '  s2["unlock<br/>⏭️ skipped"]:::skipped',
        '  s0 --> s1 --> s2',
        '  stop["❌ failed: the deployed etcd did not start within<br/>5m, so the values were not restored"]:::stop',
        '  s1 -.- stop',
        '  classDef done fill:#dafbe1,stroke:#1a7f37,color:#0d1117',
        '  classDef earlier fill:#dafbe1,stroke:#1a7f37,color:#0d1117,stroke-dasharray:4 3',
        '  classDef current fill:#fff8c5,stroke:#9a6700,color:#0d1117,stroke-width:3px',
        '  classDef refused fill:#ffebe9,stroke:#cf222e,color:#0d1117,stroke-width:3px',
        '  classDef failed fill:#ffebe9,stroke:#cf222e,color:#0d1117,stroke-width:3px',
        '  classDef todo fill:#f6f8fa,stroke:#8c959f,color:#57606a',
        '  classDef skipped fill:#f6f8fa,stroke:#8c959f,color:#57606a,stroke-dasharray:4 3',
        '  classDef optional fill:#f6f8fa,stroke:#8c959f,color:#57606a,stroke-dasharray:4 3',
        '  classDef stop fill:#ffffff,stroke:#cf222e,color:#cf222e',
        '```',
      ].join('\n'),
    );
    expect(procedureLine(r)).toBe(
      'Procedure: lock done → restore the values of the deployed etcd release failed → unlock skipped.',
    );
  });

  it('one stage: no arrows; nothing stopped or current: no "stands at" and no stop box', () => {
    const md = renderProcedureDiagram(run('abort', 'succeeded', [['lock', 'ok', 1000]]));
    const lines = md.split('\n');
    expect(lines.slice(2, 5)).toEqual([
      '  accTitle: vCluster etcd migration, abort succeeded',
      '  accDescr: lock done',
      '  s0["lock<br/>✅ done · 1.0s"]:::done',
    ]);
    expect(lines[5]).toBe('  classDef done fill:#dafbe1,stroke:#1a7f37,color:#0d1117');
  });

  it('every mark in words in the procedure line', () => {
    const r = run(
      'finalize',
      'succeeded',
      [
        ['approval', 'ok'],
        ['helm upgrade (phase two)', 'skipped'],
      ],
      'done',
    );
    expect(procedureLine(r)).toBe(
      'Procedure: plan optional → backup done earlier → phase one done earlier → success line done earlier → census done earlier → approval done → phase two skipped → removal current.',
    );
    expect(renderProcedureDiagram(r)).toContain('  s6["phase two<br/>⏭️ skipped"]:::skipped');
    expect(renderProcedureDiagram(r)).toContain('  s1["backup<br/>✅ done earlier"]:::earlier');
    expect(renderProcedureDiagram(r)).toContain('; it stands at removal\n');
  });
});

describe('text in the diagram, character by character', () => {
  it('keeps letters, digits, emoji and plain punctuation; runs of white space become one space', () => {
    expect(mermaidText("  é 9 ✅ .,:;/()'?+=_@-\n\t end  ")).toBe("é 9 ✅ .,:;/()'?+=_@- end");
  });

  it('writes any other character as a Mermaid entity', () => {
    expect(mermaidText('#&*"|{}')).toBe('#35;#38;#42;#34;#124;#123;#125;');
  });

  it('a text of exactly the limit is kept whole; one more is cut with an ellipsis', () => {
    expect(mermaidText('x'.repeat(60), 60)).toBe('x'.repeat(60));
    expect(mermaidText('x'.repeat(61), 60)).toBe(`${'x'.repeat(59)}#8230;`);
  });
});

describe('which stage a step lands in, and which stage shows the stop', () => {
  it('a step that failed while the run went on still shows its stage failed, not the run status', () => {
    const r = run('migrate', 'succeeded', [
      ['backup of the deployed etcd', 'ok'],
      ['helm upgrade (phase one)', 'ok'],
      ['wait for the success log line', 'failed'],
      ['read the success log line again', 'ok'],
      ['census of both etcds', 'ok'],
    ]);
    expect(states(r)).toMatchObject({ 'success line': 'failed', census: 'done', approval: 'todo' });
  });

  it('a refused step among steps that ran marks its stage refused', () => {
    const r = run('migrate', 'succeeded', [
      ['backup of the deployed etcd', 'refused'],
      ['backup verification', 'ok'],
      ['helm upgrade (phase one)', 'ok'],
    ]);
    expect(states(r)).toMatchObject({ backup: 'refused', 'phase one': 'done' });
  });

  it('a stage with a skipped step and a step that ran is done; only skipped steps make it skipped', () => {
    const r = run('migrate', 'succeeded', [
      ['preflight', 'ok'],
      ['backup of the deployed etcd', 'skipped'],
      ['helm upgrade (phase one)', 'skipped'],
    ]);
    expect(states(r)).toMatchObject({ backup: 'done', 'phase one': 'skipped', 'success line': 'current' });
  });

  it('steps after the last stage of their own count to the next stage, and the stop is there', () => {
    const r = run(
      'migrate',
      'failed',
      [
        ['backup of the deployed etcd', 'ok'],
        ['helm upgrade (phase one)', 'ok'],
        ['pod status', 'failed', 700],
      ],
      'the pod crashed',
    );
    expect(
      diagramStages(r)
        .slice(1, 4)
        .map((s) => [s.label, s.state, s.ms, s.stoppedIn]),
    ).toEqual([
      ['backup', 'done', 1000, undefined],
      ['phase one', 'done', 1000, undefined],
      ['success line', 'failed', 700, 'pod status'],
    ]);
  });

  it('a step after the last stage of the phase counts to that stage, its time included', () => {
    const r = run('migrate', 'succeeded', [...MIGRATE_STEPS, ['release the lock', 'ok', 700]]);
    expect(diagramStages(r)[4]).toMatchObject({ label: 'census', state: 'done', ms: 3700 });
  });

  it('a run stopped outside a step after a skipped stage: the skipped stage carries the stop', () => {
    const r = run(
      'migrate',
      'failed',
      [
        ['backup of the deployed etcd', 'ok'],
        ['helm upgrade (phase one)', 'skipped'],
      ],
      'the release changed under the run',
    );
    expect(states(r)).toMatchObject({ backup: 'done', 'phase one': 'failed', 'success line': 'todo' });
  });

  it('a run refused before any step: the first stage of its phase is refused, never one of another phase', () => {
    expect(states(run('migrate', 'refused', [], 'locked by another run'))).toMatchObject({
      plan: 'optional',
      backup: 'refused',
    });
    expect(states(run('finalize', 'refused', [], 'locked by another run'))).toMatchObject({
      census: 'earlier',
      approval: 'refused',
      'phase two': 'todo',
    });
  });

  it('a phase of its own steps that failed after its last step: the last step carries the failure', () => {
    const r = run(
      'abort',
      'failed',
      [
        ['lock', 'ok'],
        ['decide', 'ok'],
        ['record the abort', 'ok'],
      ],
      'the record could not be read back',
    );
    expect(diagramStages(r).map((s) => s.state)).toEqual(['done', 'done', 'failed']);
  });

  it('a stop at the first stage still gets its stop box', () => {
    const r = run('abort', 'failed', [['lock', 'failed']], 'another run holds the lock');
    expect(renderProcedureDiagram(r)).toContain(
      '  stop["❌ failed: another run holds the lock"]:::stop\n  s0 -.- stop',
    );
  });

  it('no stages, no procedure line', () => {
    expect(procedureLine(run('status', 'succeeded', [['observe', 'ok']]))).toBe('');
  });
});
