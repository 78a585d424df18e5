// Job summaries and PR comments rendered the way a person sees them on GitHub: GitHub-flavoured
// Markdown turned into HTML by `marked` (a stand-in for GitHub's own renderer, which is not
// published: same GFM tables, fences and HTML blocks), the Mermaid blocks drawn by the `mermaid`
// package, all in Debian's Chromium, headless, driven over the DevTools protocol by puppeteer-core.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { marked } from 'marked';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** GitHub's limits: a step summary of at most 1 MiB, a comment body of at most 65,536 characters. */
export const MAX_STEP_SUMMARY_BYTES = 1024 * 1024;
export const MAX_COMMENT_CHARS = 65_536;

export interface Rendered {
  /** Tables the Markdown declares (a delimiter row outside code), and tables the page shows. */
  tablesInMarkdown: number;
  tablesRendered: number;
  /** Mermaid blocks in the Markdown, and SVG diagrams drawn from them without an error. */
  diagrams: number;
  diagramsRendered: number;
  /** Everything that is wrong, each naming the place; empty when the page is as it should be. */
  problems: string[];
}

const CSS = `
  body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif, "Noto Color Emoji";
         color: #1f2328; background: #fff; margin: 0; padding: 16px 24px; width: 960px; }
  table { border-collapse: collapse; margin: 8px 0; display: block; overflow: auto; }
  th, td { border: 1px solid #d1d9e0; padding: 4px 12px; }
  tr:nth-child(2n) { background: #f6f8fa; }
  code { background: #eff1f3; border-radius: 6px; padding: 0.2em 0.4em; font-size: 85%; }
  pre { background: #f6f8fa; padding: 12px; border-radius: 6px; overflow: auto; }
  pre code { background: none; padding: 0; }
  h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: 0.3em; }
  details { margin: 8px 0; } summary { cursor: pointer; }
  .mermaid-frame { border: 1px solid #d1d9e0; border-radius: 6px; padding: 8px; margin: 8px 0; }
`;

/** Debian's Chromium (apt-get install chromium), or the one CHROMIUM names. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    (x): x is string => !!x,
  );
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error('Chromium is not installed: apt-get install -y chromium (or set CHROMIUM to its path)');
  return found;
}

/** A fenced block's lines are not Markdown: tables are counted outside them only. */
function outsideFences(markdown: string): string[] {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const m = /^(`{3,}|~{3,})/.exec(line);
    if (m && (fence === undefined || m[1]!.startsWith(fence))) {
      fence = fence === undefined ? m[1] : undefined;
      continue;
    }
    if (fence === undefined) out.push(line);
  }
  return out;
}

const DELIMITER_ROW = /^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$/;

export class GfmBrowser {
  private readonly browser: Browser;
  private readonly page: Page;
  private constructor(browser: Browser, page: Page) {
    this.browser = browser;
    this.page = page;
  }

  static async open(): Promise<GfmBrowser> {
    const browser = await puppeteer.launch({
      executablePath: chromiumPath(),
      headless: true,
      // Root in CI and containers: Chromium's own sandbox needs user namespaces it may not get.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1010, height: 800, deviceScaleFactor: 1 });
      await page.setContent(
        `<!doctype html><html><head><meta charset="utf-8"><style>${CSS}</style></head><body></body></html>`,
      );
      const require = createRequire(import.meta.url);
      await page.addScriptTag({ path: require.resolve('mermaid/dist/mermaid.min.js') });
      // GitHub draws diagrams with strict security: no HTML or script from the diagram's text.
      await page.evaluate(() => {
        (globalThis as unknown as { mermaid: { initialize(o: object): void } }).mermaid.initialize({
          startOnLoad: false,
          securityLevel: 'strict',
          theme: 'default',
        });
      });
      return new GfmBrowser(browser, page);
    } catch (e) {
      await browser.close();
      throw e;
    }
  }

  /** Renders one document into the page and says what came out. */
  async render(markdown: string): Promise<Rendered> {
    const html = marked.parse(markdown, { gfm: true, async: false });
    const lines = outsideFences(markdown);
    const tablesInMarkdown = lines.filter((l) => DELIMITER_ROW.test(l)).length;
    const diagrams = markdown.split('\n').filter((l) => /^```mermaid\s*$/.test(l)).length;
    const seen = await this.page.evaluate(async (body: string) => {
      type Mermaid = {
        parse(text: string): Promise<unknown>;
        render(id: string, text: string): Promise<{ svg: string }>;
      };
      const mermaid = (globalThis as unknown as { mermaid: Mermaid }).mermaid;
      document.body.innerHTML = body;
      const problems: string[] = [];
      let drawn = 0;
      const blocks = [...document.querySelectorAll('pre > code.language-mermaid')];
      for (const [i, code] of blocks.entries()) {
        const text = code.textContent ?? '';
        const frame = document.createElement('div');
        frame.className = 'mermaid-frame';
        try {
          await mermaid.parse(text);
          const { svg } = await mermaid.render(`diagram-${i}`, text);
          if (/aria-roledescription="error"|Syntax error in text/.test(svg)) throw new Error('error diagram drawn');
          frame.innerHTML = svg;
          drawn++;
        } catch (e) {
          problems.push(`diagram ${i + 1} does not render: ${(e as Error).message.split('\n').slice(0, 3).join(' ')}`);
          frame.textContent = text;
        }
        code.parentElement!.replaceWith(frame);
      }
      // mermaid.render leaves nothing behind on success; an error leaves its bomb SVG in the body.
      for (const left of document.querySelectorAll(
        'body > div[id^="ddiagram-"], body > svg[aria-roledescription="error"]',
      ))
        left.remove();
      // A table that broke reads as a paragraph of pipes.
      for (const p of document.querySelectorAll('p')) {
        if (/^\s*\|.*\|\s*$/m.test(p.textContent ?? ''))
          problems.push(`a table shows as text: ${p.textContent!.slice(0, 120)}`);
      }
      const tables = [...document.querySelectorAll('table')];
      tables.forEach((t, i) => {
        const width = t.querySelectorAll('thead th').length;
        for (const row of t.querySelectorAll('tbody tr')) {
          if (row.querySelectorAll('td').length !== width)
            problems.push(`table ${i + 1}: a row has ${row.querySelectorAll('td').length} cells, its header ${width}`);
        }
      });
      return { tablesRendered: tables.length, diagramsRendered: drawn, problems };
    }, html);
    const problems = [...seen.problems];
    if (seen.tablesRendered !== tablesInMarkdown)
      problems.push(`the Markdown declares ${tablesInMarkdown} tables, the page shows ${seen.tablesRendered}`);
    if (seen.diagramsRendered !== diagrams)
      problems.push(`the Markdown has ${diagrams} Mermaid blocks, ${seen.diagramsRendered} rendered`);
    return {
      tablesInMarkdown,
      tablesRendered: seen.tablesRendered,
      diagrams,
      diagramsRendered: seen.diagramsRendered,
      problems,
    };
  }

  /** The page as it stands after the last render, as a PNG: its top `maxHeight` pixels at most. */
  async screenshot(path: string, maxHeight = 1600): Promise<void> {
    const height = await this.page.evaluate(() => document.documentElement.scrollHeight);
    await this.page.setViewport({ width: 1010, height: Math.min(height, maxHeight), deviceScaleFactor: 1 });
    await this.page.screenshot({ path: path as `${string}.png` });
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}

/** What a job summary or comment must satisfy beyond rendering: GitHub's size limits. */
export function sizeProblems(kind: 'summary' | 'comment', markdown: string): string[] {
  if (kind === 'summary' && Buffer.byteLength(markdown) > MAX_STEP_SUMMARY_BYTES)
    return [`the step summary has ${Buffer.byteLength(markdown)} bytes, over GitHub's ${MAX_STEP_SUMMARY_BYTES}`];
  if (kind === 'comment' && markdown.length > MAX_COMMENT_CHARS)
    return [`the comment has ${markdown.length} characters, over GitHub's ${MAX_COMMENT_CHARS}`];
  return [];
}
