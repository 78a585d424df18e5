// The browser check itself (test/support/gfm-browser.ts): a good document passes, and each fault
// it is there to catch fails it — a diagram that does not parse, a table that breaks, a summary
// over GitHub's size limit. Debian's Chromium, headless; the `mermaid` package draws the diagrams.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GfmBrowser, MAX_COMMENT_CHARS, MAX_STEP_SUMMARY_BYTES, sizeProblems } from '../support/gfm-browser.ts';

let browser: GfmBrowser;
beforeAll(async () => {
  browser = await GfmBrowser.open();
});
afterAll(async () => {
  await browser?.close();
});

const GOOD = [
  '## Title',
  '',
  '| a | b |',
  '| --- | --- |',
  '| `x\\|y` | 2 |',
  '',
  '<details><summary>More</summary>',
  '',
  '| c | d |',
  '| --- | ---: |',
  '| 1 | 2 |',
  '',
  '</details>',
  '',
  '```mermaid',
  'flowchart LR',
  '  a["plan<br/>✅ done · 1.0s"]:::done --> b["backup #quot;x#quot;"]',
  '  classDef done fill:#dafbe1',
  '```',
  '',
  '```text',
  '| not | a table |',
  '| --- | --- |',
  '```',
].join('\n');

describe('rendering GitHub Markdown and Mermaid in Chromium', () => {
  it('passes a document whose tables and diagram render', async () => {
    const r = await browser.render(GOOD);
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ tablesInMarkdown: 2, tablesRendered: 2, diagrams: 1, diagramsRendered: 1 });
  });

  it('fails a diagram that does not parse', async () => {
    const r = await browser.render('```mermaid\nflowchart LR\n  a["open --> b\n```\n');
    expect(r.diagramsRendered).toBe(0);
    expect(r.problems.join('\n')).toMatch(/diagram 1 does not render/);
  });

  it('fails a table that breaks (a delimiter row that does not fit its header)', async () => {
    const r = await browser.render('| a | b |\n| --- |\n| 1 | 2 |\n');
    expect(r.problems.join('\n')).toMatch(/a table shows as text|declares 1 tables, the page shows 0/);
  });

  it('fails a summary or comment over GitHub size limits', () => {
    expect(sizeProblems('summary', 'x'.repeat(MAX_STEP_SUMMARY_BYTES))).toEqual([]);
    expect(sizeProblems('summary', 'é'.repeat(MAX_STEP_SUMMARY_BYTES / 2 + 1))[0]).toMatch(/over GitHub's 1048576/);
    expect(sizeProblems('comment', 'x'.repeat(MAX_COMMENT_CHARS))).toEqual([]);
    expect(sizeProblems('comment', 'x'.repeat(MAX_COMMENT_CHARS + 1))[0]).toMatch(/over GitHub's 65536/);
  });
});
