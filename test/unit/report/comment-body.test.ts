// Rendering of the PR status comment and its hidden marker.
import { describe, expect, it } from 'vitest';
import { MAX_COMMENT_LENGTH, markedBody, renderStatusComment, statusMarker } from '../../../src/report/comment-body.ts';
import { newReport, type StatusReport } from '../../../src/report/report.ts';
import { procedureLine } from '../../../src/report/procedure-diagram.ts';
import { outsideCodeSpans, tableCells } from '../../support/markdown-structure.ts';

const base: StatusReport = {
  release: 'vc-a',
  namespace: 'team-a',
  phase: 'finalize',
  status: 'succeeded',
  headline: 'Phase two done.',
  keysBefore: 123456,
  keysAfter: 123400,
  next: 'Delete the old etcd PVCs when you no longer need them.',
  runUrl: 'https://github.com/acme/platform/actions/runs/77',
};

describe('statusMarker', () => {
  it('holds release and namespace and cannot be closed or confused by their values', () => {
    expect(statusMarker('vc-a', 'team-a')).toBe('<!-- vcluster-etcd-migrate release=vc%2Da namespace=team%2Da -->');
    const hostile = statusMarker('a --> <b>', 'x namespace=y');
    expect(hostile.match(/-->/g)).toHaveLength(1);
    expect(hostile.endsWith(' -->')).toBe(true);
    expect(hostile.slice('<!--'.length, -'-->'.length)).not.toMatch(/--|[<>\s]{2}/);
    expect(statusMarker('a b', 'c')).not.toBe(statusMarker('a', 'b c'));
    expect(statusMarker('a namespace=b', 'c')).not.toBe(statusMarker('a', 'b namespace=c'));
  });

  it("keeps the body under GitHub's comment limit", () => {
    const long = markedBody(statusMarker('a', 'b'), 'x'.repeat(100_000));
    expect(long.length).toBe(MAX_COMMENT_LENGTH);
    expect(long).toMatch(/Truncated/);
  });
});

describe('renderStatusComment', () => {
  it('shows phase, status, key counts, next step and the run link', () => {
    const md = renderStatusComment(base);
    expect(md).toContain('### vCluster etcd migration: `vc-a` in `team-a`');
    expect(md).toContain('| Phase | `finalize` |');
    expect(md).toContain('| Status | **succeeded** |');
    expect(md).toContain('| Keys before | 123,456 |');
    expect(md).toContain('| Keys after | 123,400 |');
    expect(md).toContain('**Next:** Delete the old etcd PVCs when you no longer need them.');
    expect(md).toContain('[Workflow run](https://github.com/acme/platform/actions/runs/77)');
    expect(md).not.toMatch(/WITHOUT a verified approval|No backup was taken/);
  });

  it('says in bold when approval was bypassed and when the backup was skipped', () => {
    const md = renderStatusComment({ ...base, approvalBypassed: true, backupSkipReason: 'snapshot taken by *Velero*' });
    expect(md).toContain('**Phase two ran WITHOUT a verified approval (require-approval: false).**');
    expect(md).toContain('**No backup was taken: snapshot taken by \\*Velero\\***');
    expect(md).not.toContain('success log line was not read');
    expect(renderStatusComment({ ...base, lostLogLine: 'pod vc-0 was replaced' })).toContain(
      '**The success log line was not read: the pod that ran the copy was replaced',
    );
  });

  it('says when counts were not measured and lists lost groups with their counts', () => {
    const md = renderStatusComment({
      ...base,
      keysAfter: undefined,
      diff: {
        ok: false,
        rows: [],
        lost: [{ group: '/registry/secrets', before: 40, after: 38, delta: -2, volatile: false, verdict: 'lost' }],
      },
    });
    expect(md).toContain('| Keys after | not measured |');
    expect(md).toContain('**1 group lost keys:**');
    expect(md).toContain('| `/registry/secrets` | 40 | 38 | -2 |');
  });

  it('caps the lost-groups table at 50 rows', () => {
    const lost = Array.from({ length: 60 }, (_, i) => ({
      group: `/g${i}`,
      before: 2,
      after: 1,
      delta: -1,
      volatile: false,
      verdict: 'lost' as const,
    }));
    const md = renderStatusComment({ ...base, diff: { ok: false, rows: lost, lost } });
    expect(md.split('\n').filter((l) => l.startsWith('| `/g'))).toHaveLength(50);
    expect(md).toContain('and 10 more groups');
  });

  it('says how many groups matched when none lost keys', () => {
    const rows = [{ group: '/registry/pods', before: 3, after: 3, delta: 0, volatile: false, verdict: 'ok' as const }];
    expect(renderStatusComment({ ...base, diff: { ok: true, rows, lost: [] } })).toContain(
      'No group lost keys (1 groups compared).',
    );
  });

  it('escapes hostile values everywhere they appear', () => {
    const md = renderStatusComment({
      ...base,
      release: 'r|<script>`x`</script>-->',
      namespace: '``',
      phase: 'plan',
      status: '<b>done</b>' as StatusReport['status'],
      headline: '# Heading <img src=x onerror=alert(1)>',
      next: '[go](javascript:alert(1)) @everyone',
      backupSkipReason: '</details>**',
      runUrl: 'javascript:alert(1)',
      diff: {
        ok: false,
        rows: [],
        lost: [{ group: 'a|b`c`|<i>', before: 1, after: 0, delta: -1, volatile: false, verdict: 'lost' }],
      },
    });
    const live = outsideCodeSpans(md);
    expect(live).not.toMatch(/<[a-z/!]/i);
    expect(live).not.toContain('](');
    expect(live).not.toContain('@everyone');
    expect(md).not.toMatch(/^# /m);
    for (const row of md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| |'))) {
      expect([2, 4], row).toContain(tableCells(row).length);
    }
    expect(md).toContain('``` `` ```');
  });
});

describe('what a reader of the PR comment relies on', () => {
  it('the marker percent-encodes each character that could end or blur it, in upper-case hex', () => {
    expect(statusMarker("a!'()*~-b", 'ns')).toBe(
      '<!-- vcluster-etcd-migrate release=a%21%27%28%29%2A%7E%2Db namespace=ns -->',
    );
  });

  it('a body that fits exactly is posted whole; one character more is cut with the note', () => {
    const marker = statusMarker('a', 'b');
    const fits = 'x'.repeat(MAX_COMMENT_LENGTH - marker.length - 1);
    expect(markedBody(marker, fits)).toBe(`${marker}\n${fits}`);
    const cut = markedBody(marker, fits + 'y');
    expect(cut.length).toBe(MAX_COMMENT_LENGTH);
    expect(cut.startsWith(`${marker}\nxxx`)).toBe(true);
    expect(cut.endsWith('xx\n\n*(Truncated: the full report is in the job summary.)*')).toBe(true);
  });

  it('says each status in words, a no-op as "nothing to do"', () => {
    for (const s of ['succeeded', 'failed', 'refused', 'planned', 'waiting'] as const)
      expect(renderStatusComment({ ...base, status: s })).toContain(`| Status | **${s}** |`);
    expect(renderStatusComment({ ...base, status: 'no-op' })).toContain('| Status | **nothing to do** |');
  });

  it('lays out heading, headline, the table, and next step in that order', () => {
    expect(renderStatusComment({ ...base, runUrl: undefined })).toBe(
      [
        '### vCluster etcd migration: `vc-a` in `team-a`',
        '',
        'Phase two done.',
        '',
        '| | |',
        '|---|---|',
        '| Phase | `finalize` |',
        '| Status | **succeeded** |',
        '| Keys before | 123,456 |',
        '| Keys after | 123,400 |',
        '',
        '**Next:** Delete the old etcd PVCs when you no longer need them.',
        '',
      ].join('\n'),
    );
  });

  it('the bold notes come right under the heading, each its own paragraph', () => {
    const md = renderStatusComment({ ...base, approvalBypassed: true, backupSkipReason: 'Velero' });
    expect(md).toContain(
      [
        '### vCluster etcd migration: `vc-a` in `team-a`',
        '',
        '**Phase two ran WITHOUT a verified approval (require-approval: false).**',
        '',
        '**No backup was taken: Velero**',
        '',
        'Phase two done.',
      ].join('\n'),
    );
  });

  it('the lost-groups table: plural heading, right-aligned numbers, then a blank line before Next', () => {
    const lost = [
      { group: '/registry/pods', before: 1200, after: 1000, delta: -200, volatile: false, verdict: 'lost' as const },
      { group: '/registry/secrets', before: 4, after: 3, delta: -1, volatile: false, verdict: 'lost' as const },
    ];
    const md = renderStatusComment({ ...base, diff: { ok: false, rows: lost, lost } });
    expect(md).toContain(
      [
        '| Keys after | 123,400 |',
        '',
        '**2 groups lost keys:**',
        '',
        '| Group | Before | After | Delta |',
        '|---|--:|--:|--:|',
        '| `/registry/pods` | 1,200 | 1,000 | -200 |',
        '| `/registry/secrets` | 4 | 3 | -1 |',
        '',
        '**Next:**',
      ].join('\n'),
    );
  });

  it('exactly 50 lost groups are all listed, with no "more" line', () => {
    const lost = Array.from({ length: 50 }, (_, i) => ({
      group: `/g${i}`,
      before: 2,
      after: 1,
      delta: -1,
      volatile: false,
      verdict: 'lost' as const,
    }));
    const md = renderStatusComment({ ...base, diff: { ok: false, rows: lost, lost } });
    expect(md.split('\n').filter((l) => l.startsWith('| `/g'))).toHaveLength(50);
    expect(md).not.toContain('more groups');
    const more = renderStatusComment({
      ...base,
      diff: { ok: false, rows: [...lost, lost[0]!], lost: [...lost, lost[0]!] },
    });
    expect(more).toContain('| `/g49` | 2 | 1 | -1 |\n\n… and 1 more groups (see the job summary).\n\n**Next:**');
  });

  it('no diff at all: neither the lost table nor the "no group lost keys" line', () => {
    const md = renderStatusComment(base);
    expect(md).not.toContain('lost keys');
    expect(md).toContain('| Keys after | 123,400 |\n\n**Next:**');
    expect(renderStatusComment({ ...base, diff: { ok: true, rows: [], lost: [] } })).toContain(
      '| Keys after | 123,400 |\n\nNo group lost keys (0 groups compared).\n\n**Next:**',
    );
  });

  it('a run report adds its procedure and values views after Next; a bare status report has none', () => {
    const run = newReport('vc-a', 'team-a', 'migrate');
    run.status = 'succeeded';
    run.next = 'Approve finalize.';
    run.values = [{ label: 'Values phase one', note: 'not read', file: 'v1.yaml' }];
    run.runUrl = 'https://github.com/acme/platform/actions/runs/9';
    const md = renderStatusComment(run);
    expect(md).toContain('**Next:** Approve finalize.\n\nProcedure: plan optional → backup to do');
    expect(md).toContain(
      [
        '```',
        '',
        '<details><summary>Values phase one</summary>',
        '',
        'not read The full values are in `v1.yaml` (mode 0600) on the runner.',
        '</details>',
        '',
        '[Workflow run](https://github.com/acme/platform/actions/runs/9)',
      ].join('\n'),
    );
    const bare: StatusReport = { ...base, runUrl: undefined };
    expect(
      renderStatusComment(bare).trimEnd().endsWith('**Next:** Delete the old etcd PVCs when you no longer need them.'),
    ).toBe(true);
  });

  it('a run that moves the procedure shows it in words and as a diagram', () => {
    const run = newReport('vc-a', 'team-a', 'migrate');
    run.status = 'succeeded';
    run.steps = [{ name: 'helm upgrade (phase one)', ms: 1000, state: 'ok' }];
    const md = renderStatusComment(run);
    expect(md).toContain('```mermaid');
    expect(md).toContain(procedureLine(run));
  });
});

describe('the PR comment table cells', () => {
  it('a pipe in the phase or the snapshot digest cannot split its row', () => {
    const md = renderStatusComment({
      ...base,
      phase: 'a|b' as StatusReport['phase'],
      backup: { file: 's.db', bytes: 1, sha256: '0123|456789abcdef', revision: 1, keys: 1 },
    });
    expect(md).toContain('| Phase | `a\\|b` |');
    expect(md).toContain('sha256 `0123\\|456789abcde` |');
  });
});
