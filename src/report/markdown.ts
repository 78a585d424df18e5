// Escaping for text we insert into GitHub-flavoured Markdown (PR comments, job summaries).
// Release names, group names, reasons and headlines come from users and clusters: none of
// them may open HTML, links, mentions, table cells or close our hidden marker comment.

/** Turns a run of line breaks of any kind into one space: one value never spans two Markdown lines or table rows. */
function oneLine(text: string): string {
  return text.replace(/(?:\r\n|[\r\n\u2028\u2029])+/g, ' ');
}

/**
 * A name inside prose: a run of letters and digits joined by `.` `/` `_` `:` `-`, such as
 * `k8s.io`, `data-demo-etcd-0` or `/registry/pods/`. Shown as a code span, it reads as written
 * in the raw Markdown people forward to chat, where backslash escapes would litter it.
 */
const NAME = /\/?[A-Za-z0-9]+(?:[._/:-]+[A-Za-z0-9]+)+\/?/g;

/** A name as found by NAME that is worth a code span: not `e.g`, not a plain hyphenated word or number. */
function isName(token: string): boolean {
  if (token.length < 4) return false;
  if (/^\d+(?:\.\d+)*[a-zA-Z]{0,3}$/.test(token)) return false; // 1.5s, 12.3
  return /[._/:]|\d/.test(token);
}

/**
 * Text between names: HTML characters become entities, the Markdown punctuation that can start
 * emphasis, code, links, tables, strikethrough, math or an emoji code is backslash-escaped, and
 * a zero-width space after `@` keeps a name like `@org/team` from notifying anybody.
 */
function escapeText(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/[\\`*_[\]|~$#]/g, (c) => `\\${c}`)
      .replace(/:(?=[\w+-]+:)/g, '\\:')
      // `](` stays broken even for a renderer that ignores the escaped bracket.
      .replace(/\\\]\(/g, '\\]\\(')
      .replace(/@/g, '@\u200b')
  );
}

/**
 * Plain text for Markdown (also safe inside a table cell): names as code spans, the rest escaped
 * where Markdown would read it (escapeText), line breaks as spaces, and a first character that
 * would make a heading, list, quote or rule at the start of a line escaped.
 */
export function escapeMarkdown(text: string): string {
  const line = oneLine(text);
  let out = '';
  let at = 0;
  for (const m of line.matchAll(NAME)) {
    if (!isName(m[0])) continue;
    out += escapeText(line.slice(at, m.index)) + codeSpan(m[0]);
    at = m.index + m[0].length;
  }
  out += escapeText(line.slice(at));
  return out.replace(/^(\s*)([-+=>]|\d+(?=[.)]))/, (_, sp: string, c: string) =>
    /\d/.test(c) ? `${sp}${c}\\` : `${sp}\\${c}`,
  );
}

export interface CodeSpanOptions {
  /** In a GFM table cell a `|` ends the cell even inside a code span, so it must be `\|` there. */
  inTable?: boolean;
}

/**
 * A literal code span. The fence is one backtick longer than the longest run of backticks in the
 * text, and padded with spaces when the text starts or ends with a backtick (CommonMark rules).
 * An empty value shows as `(empty)` rather than as a stray pair of backticks.
 */
export function codeSpan(text: string, options: CodeSpanOptions = {}): string {
  let value = oneLine(text);
  if (value === '') return '*(empty)*';
  if (options.inTable) value = value.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...Array.from(value.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = value.startsWith('`') || value.endsWith('`') || /^ .* $/.test(value) ? ' ' : '';
  return `${fence}${pad}${value}${pad}${fence}`;
}

// The characters left to encode after the URL parser are ( ) ' ` (%28 %29 %27 %60): two digits, no letters.
// Stryker disable next-line MethodExpression,StringLiteral: case and padding cannot change two decimal digits
const hex = (c: string): string => c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');

/**
 * A Markdown link to an http(s) URL, or the escaped text alone when the URL is not one.
 * Characters that could end the link destination are percent-encoded.
 */
export function link(text: string, url: string | undefined): string {
  const label = escapeMarkdown(text);
  // Stryker disable next-line ConditionalExpression: new URL('') and new URL(undefined) throw too, so the catch below gives the same label
  if (!url) return label;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return label;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return label;
  const href = parsed.href.replace(/[()<>\s"'`]/g, (c) => `%${hex(c)}`);
  return `[${label}](${href})`;
}

/** GitHub keeps at most 1 MiB of one step's job summary; a longer one is not shown at all. */
export const SUMMARY_MAX_BYTES = 1024 * 1024;

/**
 * The summary as it fits in `max` bytes: whole lines up to the limit, an open code fence closed,
 * and a last line saying what was cut and where the rest is.
 */
export function fitSummary(markdown: string, max = SUMMARY_MAX_BYTES): string {
  if (Buffer.byteLength(markdown) <= max) return markdown;
  const note = (cut: number) =>
    `\n\n> ⚠️ The summary was cut here: ${cut} more line${cut === 1 ? '' : 's'} would pass GitHub's 1 MiB limit of a job summary; the log has the run in full.\n`;
  const lines = markdown.split('\n');
  // Room for the note, a closing fence, and the line count growing by digits.
  let budget = max - Buffer.byteLength(note(lines.length)) - 8;
  const kept: string[] = [];
  let fenced = false;
  for (const line of lines) {
    const size = Buffer.byteLength(line) + 1;
    if (size > budget) break;
    budget -= size;
    kept.push(line);
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
  }
  return `${kept.join('\n')}${fenced ? '\n```' : ''}${note(lines.length - kept.length)}`;
}
