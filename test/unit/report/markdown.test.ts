import { describe, expect, it } from 'vitest';
import { codeSpan, escapeMarkdown, fitSummary, link, SUMMARY_MAX_BYTES } from '../../../src/report/markdown.ts';
import { newReport } from '../../../src/report/report.ts';
import { renderSummary } from '../../../src/report/summary.ts';
import { outsideCodeSpans, tableCells } from '../../support/markdown-structure.ts';

describe('escapeMarkdown', () => {
  it('leaves no live HTML, link, emphasis, mention or line break', () => {
    const out = escapeMarkdown('<script>alert(1)</script> *bold* [x](javascript:y) @octo/team\nline `code` a|b -->');
    expect(out).not.toMatch(/<|>|\n/);
    expect(out).toContain('&lt;script&gt;');
    expect(out).toContain('\\*bold\\*');
    expect(out).toContain('\\[x\\]\\(`javascript:y`)');
    expect(out).toContain('@\u200b`octo/team`');
    expect(out).toContain('\\`code\\`');
    expect(tableCells(`| ${out} | 1 |`)).toHaveLength(2);
    expect(out).not.toContain('-->');
  });

  it('escapes the backslash itself first, so a trailing backslash cannot escape our own syntax', () => {
    expect(escapeMarkdown('a\\')).toBe('a\\\\');
    expect(escapeMarkdown('&lt;')).toBe('&amp;lt;');
  });
});

describe('codeSpan', () => {
  it('uses a fence longer than any backtick run inside', () => {
    expect(codeSpan('plain')).toBe('`plain`');
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('a``b`')).toBe('``` a``b` ```');
    expect(codeSpan('`x')).toBe('`` `x ``');
    expect(outsideCodeSpans(`x ${codeSpan('a``b`<script>')} y`)).toBe('x CODE y');
  });

  it('escapes pipes only inside tables and keeps one line', () => {
    expect(codeSpan('a|b', { inTable: true })).toBe('`a\\|b`');
    expect(codeSpan('a|b')).toBe('`a|b`');
    expect(codeSpan('a\nb')).toBe('`a b`');
    expect(codeSpan('')).toBe('*(empty)*');
  });
});

describe('link', () => {
  it('links http(s) only, with the destination unable to end early', () => {
    expect(link('run', 'https://github.com/a/b/actions/runs/1')).toBe('[run](https://github.com/a/b/actions/runs/1)');
    expect(link('run', 'javascript:alert(1)')).toBe('run');
    expect(link('run', 'not a url')).toBe('run');
    expect(link('run', undefined)).toBe('run');
    expect(link('r', 'https://x.test/a)b(c d')).toBe('[r](https://x.test/a%29b%28c%20d)');
  });
});

describe('escapeMarkdown keeps names readable in the raw Markdown (summary-markdown, forwarded to chat)', () => {
  it('shows a name as a code span instead of escaping it character by character', () => {
    expect(escapeMarkdown('the PVC (data-demo-etcd-0) of apiservices.apiregistration.k8s.io')).toBe(
      'the PVC (`data-demo-etcd-0`) of `apiservices.apiregistration.k8s.io`',
    );
    expect(escapeMarkdown('group /registry/pods/ lost keys')).toBe('group `/registry/pods/` lost keys');
    expect(escapeMarkdown('compact_rev_key and kubectl -n team-a logs vc-0')).toBe(
      '`compact_rev_key` and kubectl -n team-a logs `vc-0`',
    );
  });

  it('leaves ordinary prose alone: hyphenated words, numbers with units, e.g., punctuation', () => {
    expect(escapeMarkdown("read-only, e.g. after 1.5s: it's 100% done (see below).")).toBe(
      "read-only, e.g. after 1.5s: it's 100% done (see below).",
    );
  });

  it('still escapes what starts Markdown at the beginning of a line, and emoji codes', () => {
    expect(escapeMarkdown('- not a list')).toBe('\\- not a list');
    expect(escapeMarkdown('1. not a list')).toBe('1\\. not a list');
    expect(escapeMarkdown('# not a heading')).toBe('\\# not a heading');
    expect(escapeMarkdown('a :rocket: b')).toBe('a \\:rocket: b');
    expect(escapeMarkdown('costs $5 and $6')).toBe('costs \\$5 and \\$6');
  });
});

describe('fitSummary', () => {
  it("leaves a summary within GitHub's 1 MiB as it is", () => {
    expect(SUMMARY_MAX_BYTES).toBe(1024 * 1024);
    const s = '## ok\n\ntext\n';
    expect(fitSummary(s)).toBe(s);
  });

  it('cuts at a whole line, closes an open code fence, and says how many lines were cut', () => {
    const lines = [
      '## title',
      '```yaml',
      ...Array.from({ length: 100 }, (_, i) => `key${i}: ${'v'.repeat(20)}`),
      '```',
    ];
    const out = fitSummary(lines.join('\n'), 1000);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(1000);
    const kept = out.split('\n\n> ⚠️')[0]!.split('\n');
    expect(kept.at(-1)).toBe('```');
    expect(kept.slice(0, -1).every((l) => lines.includes(l))).toBe(true);
    const cut = lines.length - (kept.length - 1);
    expect(out).toMatch(
      new RegExp(
        `> ⚠️ The summary was cut here: ${cut} more lines would pass GitHub's 1 MiB limit of a job summary; the log has the run in full\\.\\n$`,
      ),
    );
  });

  it("a run's summary with 20,000 long warnings stays under 1 MiB", () => {
    const r = newReport('vc', 'team-a', 'migrate');
    r.status = 'failed';
    r.headline = 'failed';
    for (let i = 0; i < 20_000; i++) r.warnings.push(`warning ${i}: ${'w'.repeat(100)}`);
    const summary = renderSummary(r);
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
    expect(summary).toContain('> ⚠️ warning 0: ');
    expect(summary).toMatch(/The summary was cut here: \d+ more lines/);
  });
});
