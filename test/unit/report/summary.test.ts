import { describe, it, expect } from 'vitest';
import { newReport, type RunReport } from '../../../src/report/report.ts';
import { renderInputRefusal, renderSummary } from '../../../src/report/summary.ts';
import { diffCensus } from '../../../src/core/migration/census.ts';
import { renderTables, updateReadme } from '../../../scripts/readme-inputs.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const census = (groups: Record<string, number>) => ({ groups });

describe('job summary', () => {
  const r = newReport('vc', 'team-a', 'migrate');
  r.status = 'failed';
  r.headline = 'the embedded etcd has fewer keys';
  r.next = 'do not finalize';
  r.diff = diffCensus(
    census({ '/registry/pods/': 10, '/registry/configmaps/': 5, '/registry/events/': 7 }),
    census({ '/registry/pods/': 9, '/registry/configmaps/': 5, '/registry/events/': 2 }),
  );
  r.keysBefore = 22;
  r.keysAfter = 16;
  r.checks = [{ name: 'helm version', state: 'passed', reason: 'helm v3.18.6' }];
  r.steps = [{ name: 'helm upgrade (phase one)', ms: 12_300, state: 'ok' }];
  const md = renderSummary(r);

  it('shows the lost group first, with both counts', () => {
    const table = md.slice(md.indexOf('### Key counts'));
    expect(table.indexOf('/registry/pods/')).toBeLessThan(table.indexOf('/registry/configmaps/'));
    expect(md).toContain('1 group(s) lost keys');
    expect(md).toMatch(/Before: \*\*22\*\* keys, after: \*\*16\*\* keys/);
  });
  it('lists preflight checks and steps with durations', () => {
    expect(md).toContain('| helm version | ✅ passed | helm `v3.18.6` |');
    expect(md).toMatch(/helm upgrade \(phase one\) \| ✅ ok \| 12\.3s/);
  });
  it('says in bold when phase two ran without approval and when the backup was skipped', () => {
    const b = newReport('vc', 'ns', 'finalize');
    b.approvalBypassed = true;
    b.backupSkipReason = 'Velero covers it';
    const out = renderSummary(b);
    expect(out).toContain('**Phase two ran WITHOUT a verified approval');
    expect(out).toContain('**No backup was taken: Velero covers it**');
    expect(out).not.toContain('success log line was not read');
  });
  it('says in bold when phase one rests on key counts because the success line was lost with its pod', () => {
    const b = newReport('vc', 'ns', 'migrate');
    b.lostLogLine = 'pod vc-0 (uid u2) is not the pod the phase-one upgrade ended with (uid u1)';
    expect(renderSummary(b)).toContain(
      '**The success log line was not read: the pod that ran the copy was replaced and its log is gone; equal key counts and the same keys and values in both etcds were accepted as the proof instead (accept-lost-log-line: true).**',
    );
  });
  it('escapes text that would inject Markdown or HTML', () => {
    const b = newReport('vc', 'ns', 'migrate');
    b.headline = '<img src=x onerror=alert(1)> | [click](http://evil)';
    const out = renderSummary(b);
    expect(out).not.toContain('<img');
    expect(out).not.toContain('[click](http://evil)');
  });
});

describe('README tables', () => {
  it('match action.yml (run npm run docs when this fails)', () => {
    const root = join(import.meta.dirname, '..', '../..');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const action = readFileSync(join(root, 'action.yml'), 'utf8');
    expect(updateReadme(readme, action)).toBe(readme);
    expect(renderTables(action).inputs).toContain('| `chart-version` | yes |');
    // discover lists every release, so release is optional in action.yml and checked per phase by config.ts.
    expect(renderTables(action).inputs).toMatch(/\| `release` \| no \|.*Required by every phase but discover/);
  });
});

describe('job summary of an input refusal', () => {
  it('names each input, what is wrong and what is right, escaped', async () => {
    const { renderInputRefusal } = await import('../../../src/report/summary.ts');
    const md = renderInputRefusal([
      { input: 'release', problem: '"<img src=x>|x" is not a DNS-1123 label', expected: 'lower-case letters' },
    ]);
    expect(md).toContain('**refused**: 1 input is not valid; nothing was changed.');
    expect(md).toContain('| `release` | "&lt;img src=x&gt;\\|x" is not a `DNS-1123` label | lower-case letters |');
  });
});

describe('the job summary as a reader meets it, section by section', () => {
  it('every section in its order, each its own paragraph, and the values keys sorted', () => {
    const r = newReport('vc', 'team-a', 'status');
    r.status = 'succeeded';
    r.headline = 'State: phase one verified.';
    r.next = 'Run finalize.';
    r.warnings = ['the chart is *old*'];
    r.backupSkipReason = 'Velero';
    r.details = ['pod vc-0 Running'];
    r.keysBefore = 5;
    r.keysAfter = 5;
    r.diff = {
      ok: true,
      lost: [],
      rows: [{ group: '/registry/pods/', before: 5, after: 5, delta: 0, volatile: false, verdict: 'ok' }],
    };
    r.content = {
      deployedRevision: 9,
      embeddedRevision: 3,
      ok: true,
      differing: [],
      rows: [
        {
          group: '/registry/pods/',
          deployed: 5,
          embedded: 5,
          volatile: false,
          verdict: 'same',
          text: 'same keys and values',
        },
      ],
    };
    r.wayBack = { title: 'How abort goes back', lines: ['restore the values'] };
    r.logLine = 'migrated';
    r.approvers = ['alice'];
    r.checks = [{ name: 'permissions', state: 'passed', reason: 'granted' }];
    r.steps = [{ name: 'observe', ms: 12_300, state: 'ok' }];
    r.backup = { file: 's.db', bytes: 10, sha256: 'abc', revision: 4, keys: 5 };
    r.restore = 'Run etcdutl.';
    r.leftoverPvcs = ['data-vc-etcd-0', 'data-vc-etcd-1'];
    r.values = [{ label: 'Values phase one', set: { b: 1, a: { z: 1, y: '```' } }, rest: { leaves: 2, digest: 'd1' } }];
    r.runUrl = 'https://example.test/run/1';
    expect(renderSummary(r)).toBe(
      [
        '## vCluster etcd migration: status ✅',
        '',
        'Release `vc` in `team-a`: **succeeded**. State: phase one verified.',
        '',
        '**No backup was taken: Velero**',
        '',
        '> ⚠️ the chart is \\*old\\*',
        '',
        '**Next:** Run finalize.',
        '',
        '<details open><summary>What the cluster showed</summary>',
        '',
        '```text',
        'pod vc-0 Running',
        '```',
        '</details>',
        '',
        '### Key counts per resource',
        '',
        'Before: **5** keys, after: **5** keys.',
        '',
        '✅ All 1 group match: 5 keys before and after.',
        '',
        '<details><summary>Key counts of all 1 group</summary>',
        '',
        '| Group | Before | After | Delta | Verdict |',
        '| --- | ---: | ---: | ---: | --- |',
        '| `/registry/pods/` | 5 | 5 | 0 | ok |',
        '| **Total** | 5 | 5 | 0 | ok |',
        '',
        '</details>',
        '',
        '### Keys and values per resource',
        '',
        'Every group that is not volatile has the same keys and values in both etcds.',
        '',
        'Read at revision 9 of the deployed etcd and 3 of the embedded etcd.',
        '',
        '| Group | Deployed | Embedded | Content | |',
        '| --- | ---: | ---: | --- | --- |',
        '| `/registry/pods/` | 5 | 5 | same keys and values | ✅ |',
        '',
        '### How abort goes back',
        '',
        '- restore the values',
        '',
        'Log line: `migrated`',
        '',
        'Approved by: `alice`',
        '',
        '### Preflight',
        '',
        '| check | result | why |',
        '| --- | --- | --- |',
        '| permissions | ✅ passed | granted |',
        '',
        '### Steps',
        '',
        '| step | result | time | note |',
        '| --- | --- | --- | --- |',
        '| observe | ✅ ok | 12.3s |  |',
        '',
        '### Backup',
        '',
        'Snapshot `s.db`: 10 bytes, revision 4, 5 keys, sha256 `abc`.',
        '',
        '<details><summary>How to restore from the snapshot</summary>',
        '',
        'Run etcdutl.',
        '</details>',
        '',
        '### Leftover PVCs of the deployed etcd',
        '',
        '- `data-vc-etcd-0`',
        '- `data-vc-etcd-1`',
        '',
        'They hold the old etcd data. Delete them only when you are sure:',
        '',
        '```sh',
        'kubectl delete pvc --namespace team-a data-vc-etcd-0 data-vc-etcd-1',
        '```',
        '',
        '<details><summary>Values phase one</summary>',
        '',
        'The keys the migration sets:',
        '',
        '```yaml',
        'a:',
        `  y: "'''"`,
        '  z: 1',
        'b: 1',
        '```',
        '',
        "Not shown: the release's own values, carried unchanged (2 values); their digest is `d1`.",
        '</details>',
        '',
        '[Workflow run](https://example.test/run/1)',
        '',
      ].join('\n'),
    );
  });

  it('a run with nothing else to show: the heading, the status line and nothing more', () => {
    const r = newReport('vc', 'ns', 'status');
    r.headline = 'The release was not found.';
    expect(renderSummary(r)).toBe(
      '## vCluster etcd migration: status ❌\n\nRelease `vc` in `ns`: **failed**. The release was not found.\n',
    );
  });

  it('the heading mark: ✅ for succeeded, planned and no-op, ⏳ while waiting, ❌ for failed and refused', () => {
    const mark = (status: RunReport['status']) => {
      const r = newReport('vc', 'ns', 'status');
      r.status = status;
      return renderSummary(r).split('\n')[0];
    };
    expect(['succeeded', 'planned', 'no-op'].map((s) => mark(s as RunReport['status']))).toEqual(
      Array(3).fill('## vCluster etcd migration: status ✅'),
    );
    expect(mark('waiting')).toBe('## vCluster etcd migration: status ⏳');
    expect(mark('failed')).toBe('## vCluster etcd migration: status ❌');
    expect(mark('refused')).toBe('## vCluster etcd migration: status ❌');
  });

  it('a run that moves the procedure: its line in words, then the diagram, right after Next', () => {
    const r = newReport('vc', 'ns', 'migrate');
    r.status = 'succeeded';
    r.next = 'Approve finalize.';
    r.steps = [{ name: 'helm upgrade (phase one)', ms: 1000, state: 'ok' }];
    expect(renderSummary(r)).toContain(
      '**Next:** Approve finalize.\n\nProcedure: plan optional → backup to do → phase one done → success line current',
    );
    expect(renderSummary(r)).toMatch(/→ removal to do\.\n\n```mermaid\nflowchart LR\n/);
  });

  it('a step state without a mark shows the state alone', () => {
    const r = newReport('vc', 'ns', 'status');
    r.steps = [{ name: 'observe', ms: 0, state: 'unknown' as 'ok' }];
    expect(renderSummary(r)).toContain('| observe |  unknown | 0.0s |  |');
  });
});

describe('job summary of an input refusal, line by line', () => {
  it('two problems: plural words, the table header, one row each; an input name cannot split its cell', () => {
    expect(
      renderInputRefusal([
        { input: 'a|b', problem: 'not a number', expected: 'a number' },
        { input: 'timeout', problem: 'negative', expected: 'a duration such as 10m' },
      ]),
    ).toBe(
      [
        '## vCluster etcd migration: refused ❌',
        '',
        '**refused**: 2 inputs are not valid; nothing was changed.',
        '',
        '| input | what is wrong | expected |',
        '| --- | --- | --- |',
        '| `a\\|b` | not a number | a number |',
        '| `timeout` | negative | a duration such as 10m |',
        '',
      ].join('\n'),
    );
  });
});
