// The job summary's sections as a person reads them after a run: what the cluster showed, the key
// counts, the way back, the log line, the approvers, the backup and how to restore it, the leftover
// PVCs with the command that deletes them, the values (a note or the keys the migration sets) and
// the link to the run.
import { describe, expect, it } from 'vitest';
import { newReport, type RunReport } from '../../../src/report/report.ts';
import { renderSummary, renderValues } from '../../../src/report/summary.ts';

const section = (md: string, start: string): string => {
  const at = md.indexOf(start);
  expect(at, start).toBeGreaterThanOrEqual(0);
  return md.slice(at);
};

describe('job summary sections', () => {
  it('what the cluster showed: in a text block, a fence inside a line cannot end it', () => {
    const r = newReport('vc', 'ns', 'migrate');
    r.details = ['pod vc-0: CrashLoopBackOff', 'log: ```rm -rf```'];
    expect(section(renderSummary(r), '<details open>')).toMatch(
      /^<details open><summary>What the cluster showed<\/summary>\n\n```text\npod vc-0: CrashLoopBackOff\nlog: '''rm -rf'''\n```\n<\/details>\n/,
    );
  });

  it('key counts without a census table: before and after, ? for the one not read', () => {
    const r = newReport('vc', 'ns', 'status');
    r.keysBefore = 12;
    expect(renderSummary(r)).toContain('\n\nKeys: before 12, after ?.\n');
    r.keysBefore = undefined;
    r.keysAfter = 0;
    expect(renderSummary(r)).toContain('\n\nKeys: before ?, after 0.\n');
    expect(renderSummary(newReport('vc', 'ns', 'status'))).not.toContain('Keys:');
  });

  it('key counts above a census table: ? for a count not read', () => {
    const r = newReport('vc', 'ns', 'migrate');
    r.diff = { rows: [], lost: [], ok: true };
    expect(renderSummary(r)).toContain('\n\nBefore: **?** keys, after: **?** keys.\n');
  });

  it('the way back: its title as a heading and each line a list item, escaped', () => {
    const r = newReport('vc', 'ns', 'abort');
    r.wayBack = { title: 'What abort did', lines: ['kept the deployed etcd', 'PVC *data* left'] };
    expect(renderSummary(r)).toContain('\n\n### What abort did\n\n- kept the deployed etcd\n- PVC \\*data\\* left\n');
  });

  it('the log line in a code span, and the approvers', () => {
    const r = newReport('vc', 'ns', 'finalize');
    r.logLine = 'Successfully migrated etcd database to embedded etcd';
    r.approvers = ['alice', 'bob'];
    const md = renderSummary(r);
    expect(md).toContain('\n\nLog line: `Successfully migrated etcd database to embedded etcd`\n');
    expect(md).toContain('\n\nApproved by: `alice`, `bob`\n');
    r.approvers = [];
    expect(renderSummary(r)).not.toContain('Approved by');
  });

  it('steps: each state with its mark, the time in seconds and the note', () => {
    const r = newReport('vc', 'ns', 'migrate');
    r.steps = [
      { name: 'backup', ms: 1500, state: 'skipped', note: 'backup: false' },
      { name: 'census of both etcds', ms: 0, state: 'refused', note: 'keys lost' },
      { name: 'helm upgrade (phase one)', ms: 61_000, state: 'failed' },
    ];
    expect(section(renderSummary(r), '### Steps')).toContain(
      [
        '| step | result | time | note |',
        '| --- | --- | --- | --- |',
        '| backup | ⏭️ skipped | 1.5s | backup: false |',
        '| census of both etcds | ⛔ refused | 0.0s | keys lost |',
        '| helm upgrade (phase one) | ❌ failed | 61.0s |  |',
      ].join('\n'),
    );
  });

  it('the backup: file, size, revision, keys and digest; the restore steps folded under it', () => {
    const r = newReport('vc', 'ns', 'migrate');
    r.backup = { file: '/tmp/run/vc.db', bytes: 2048, sha256: 'ab12', revision: 77, keys: 300 };
    r.restore = 'etcdutl snapshot restore vc.db';
    expect(section(renderSummary(r), '### Backup')).toMatch(
      /^### Backup\n\nSnapshot `\/tmp\/run\/vc\.db`: 2048 bytes, revision 77, 300 keys, sha256 `ab12`\.\n\n<details><summary>How to restore from the snapshot<\/summary>\n\netcdutl snapshot restore vc\.db\n<\/details>\n/,
    );
  });

  it('leftover PVCs: listed, with the kubectl command that deletes them in their namespace', () => {
    const r = newReport('vc', 'team-a', 'finalize');
    r.leftoverPvcs = ['data-vc-etcd-0', 'data-vc-etcd-1'];
    expect(section(renderSummary(r), '### Leftover PVCs')).toContain(
      [
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
      ].join('\n'),
    );
  });

  it('the link to the workflow run, last', () => {
    const r: RunReport = { ...newReport('vc', 'ns', 'plan'), runUrl: 'https://github.com/o/r/actions/runs/1' };
    expect(renderSummary(r).endsWith('\n\n[Workflow run](https://github.com/o/r/actions/runs/1)\n')).toBe(true);
  });
});

describe('values in the summary', () => {
  it('a note, escaped, with where the full values are', () => {
    expect(renderValues({ label: 'Values before', note: 'not read: *helm* failed', file: '/tmp/v.yaml' })).toEqual([
      '<details><summary>Values before</summary>',
      '',
      'not read: \\*helm\\* failed The full values are in `/tmp/v.yaml` (mode 0600) on the runner.',
      '</details>',
    ]);
    expect(renderValues({ label: 'Values before', note: 'none' })[2]).toBe('none');
  });

  it('the keys the migration sets as YAML, and only a count and digest of the rest', () => {
    expect(
      renderValues({
        label: 'Values phase one',
        set: { controlPlane: { backingStore: { etcd: { embedded: { enabled: true } } } } },
        rest: { leaves: 1, digest: 'cafe' },
      }),
    ).toEqual([
      '<details><summary>Values phase one</summary>',
      '',
      'The keys the migration sets:',
      '',
      '```yaml',
      'controlPlane:\n  backingStore:\n    etcd:\n      embedded:\n        enabled: true',
      '```',
      '',
      "Not shown: the release's own values, carried unchanged (1 value); their digest is `cafe`.",
      '</details>',
    ]);
    const none = renderValues({ label: 'Values phase two', set: {}, rest: { leaves: 3, digest: 'f00d' }, file: '/v2' });
    expect(none[5]).toBe('# (none)');
    expect(none[8]).toBe(
      "Not shown: the release's own values, carried unchanged (3 values); their digest is `f00d`. The full values are in `/v2` (mode 0600) on the runner.",
    );
  });
});
