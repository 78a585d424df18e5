// User text that reaches the job summary and the PR comment only once a cluster answers:
// approval-environment (in "Next"), backup-skip-reason, a StorageClass named in the release's
// values (preflight reason), values keys and values with credentials (the values blocks).
// Rendered from a report filled the way the phases fill it; none of it may become live HTML,
// a link, a heading, a mention, an extra table cell, a closed code fence or a visible secret.
import { describe, it, expect } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { newReport, type RunReport } from '../../../src/report/report.ts';
import { renderSummary } from '../../../src/report/summary.ts';
import { valuesView } from '../../../src/report/values-view.ts';
import { renderStatusComment } from '../../../src/report/comment-body.ts';
import { outsideCodeSpans, tableCells } from '../../support/markdown-structure.ts';
import { assertNoSecretLeak, findSecretLeaks } from '../../support/secret-scan.ts';
import { recordScenario } from '../../support/reliability.ts';

const GROUP = 'Hostile input';
const HOSTILE =
  '</details><script>alert(1)</script> <img src=x onerror=alert(2)> [click](https://evil.example) | @acme/admins **bold** ```';

/** Markdown outside code spans and fenced blocks: where HTML, links and mentions would be live. */
function live(md: string): string {
  return outsideCodeSpans(md.replace(/^```[a-z]*\n[\s\S]*?^```$/gm, 'FENCE'));
}

function assertInert(md: string): void {
  const text = live(md);
  expect(text).not.toMatch(/<(script|img)/i);
  // Only our own <details> blocks: a user's </details> would close one early.
  expect(text.match(/<\/details>/g)?.length ?? 0).toBe(text.match(/<details[ >]/g)?.length ?? 0);
  expect(text).not.toMatch(/\]\(https:\/\/evil/);
  expect(text).not.toMatch(/(^|[^\u200b])@acme/);
  expect(text).not.toMatch(/(^|[^\\])\*\*bold/);
  // Every row of a table has as many cells as the table's header (its first line).
  const lines = md.split('\n');
  lines.forEach((header, i) => {
    if (!header.startsWith('|') || lines[i - 1]?.startsWith('|')) return;
    for (let j = i + 1; j < lines.length && lines[j]!.startsWith('|'); j++) {
      expect(tableCells(lines[j]!).length, `row keeps the header's cell count: ${lines[j]}`).toBe(
        tableCells(header).length,
      );
    }
  });
}

function hostileReport(): RunReport {
  const r = newReport('my-vc', 'team-a', 'migrate');
  r.status = 'waiting';
  r.headline = 'Phase one done.';
  // migrate.ts: r.next names the approval environment; r.backupSkipReason is the input as given.
  r.next = `approve the '${HOSTILE}' environment so the finalize job runs phase two`;
  r.backupSkipReason = HOSTILE;
  // preflight.ts: a StorageClass from the release values is not validated like the input.
  r.checks = [
    {
      name: 'storage class',
      state: 'failed',
      reason: `StorageClass ${HOSTILE} (the release values) does not exist; name an existing one in storage-class`,
    },
  ];
  r.steps = [{ name: 'backup of the deployed etcd', ms: 0, state: 'skipped', note: `skipped: ${HOSTILE}` }];
  // A StorageClass from the release values is one of the keys the summary shows.
  const storageClass = `line one\n\`\`\`\n</details>\n${HOSTILE}`;
  r.values = [
    valuesView('Values phase one', {
      controlPlane: { statefulSet: { persistence: { volumeClaim: { storageClass } } } },
      sync: { [HOSTILE]: { enabled: true } },
    }),
  ];
  return r;
}

describe('user text in the summary and the PR comment', () => {
  it('the check finds a row with a cell more than its header (control)', () => {
    expect(() => assertInert('| Group | Keys |\n|---|---|\n| a | b | c |\n')).toThrow(/header's cell count/);
    expect(() => assertInert('| Group | Keys |\n|---|---|\n| a \\| b | c |\n')).not.toThrow();
  });

  it('approval environment, backup skip reason, StorageClass and values keys stay inert', () => {
    const r = hostileReport();
    const summary = renderSummary(r);
    const comment = renderStatusComment(r);
    assertInert(summary);
    assertInert(comment);
    // The values block is one fence: opened once, closed once, right before its </details>.
    const fences = summary.split('\n').filter((l: string) => l.startsWith('```'));
    expect(fences).toEqual(['```mermaid', '```', '```yaml', '```']);
    expect(summary).toMatch(/^```\n\nNot shown: [^\n]*\n<\/details>$/m);
    recordScenario({
      group: GROUP,
      scenario:
        'HTML, Markdown, mentions and code fences in approval-environment, backup-skip-reason, a StorageClass and values keys',
      done: `each set to ${JSON.stringify(HOSTILE)} (a values string also with a line break and a fence); summary and PR comment rendered from the report as the phases fill it`,
      action:
        'shown as escaped text: no live HTML, link, heading, mention or bold; table rows keep their cells; the values code fence stays closed',
      dataLost: 'none',
    });
  });

  it('the secret scan itself finds a leaked PEM line, base64 and token', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const line = pem.split('\n')[1]!;
    expect(findSecretLeaks({ stdout: `x ${line} y` }, [pem]).length).toBeGreaterThan(0);
    expect(
      findSecretLeaks({ summary: `data: ${Buffer.from(`ab${pem}`).toString('base64')}` }, [pem]).map((l) => l.where),
    ).toContain('summary');
    expect(findSecretLeaks({ outputs: { x: 'Bearer tok-0123456789abcdef' } }, ['tok-0123456789abcdef'])[0]?.where).toBe(
      'output x',
    );
    expect(findSecretLeaks({ comments: ['-----BEGIN CERTIFICATE-----'] }, [])[0]?.where).toBe('comment 1');
    expect(
      findSecretLeaks({ stdout: 'cannot reach https://127.0.0.1:6443', summary: 'size: 5Gi' }, [
        pem,
        'tok-0123456789abcdef',
      ]),
    ).toEqual([]);
    expect(() => assertNoSecretLeak({ stdout: line }, [pem])).toThrow(/secret #1 .* in stdout/);
    expect(() => findSecretLeaks({}, ['short'])).toThrow(/too short|fewer than 8/);
  });
});
