import { describe, it, expect } from 'vitest';
import { newReport } from '../../../src/report/report.ts';
import { renderSummary } from '../../../src/report/summary.ts';
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
      '**The success log line was not read: the pod that ran the copy was replaced and its log is gone; equal key counts of both etcds were accepted as the proof instead (accept-lost-log-line: true).**',
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
