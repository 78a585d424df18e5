// The summary's Markdown as text for a terminal: headings, emphasis, escapes, entities and HTML
// folds removed, code kept as it is. Pure; undoes exactly what markdown.ts and summary.ts write.

export interface TextStyle {
  heading(text: string): string;
  strong(text: string): string;
}

const PLAIN: TextStyle = { heading: (t) => t, strong: (t) => t };

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&' };

/** Text of Markdown outside code spans: escapes and entities undone. */
function unescape(text: string): string {
  return text
    .replace(/\\(.)/g, '$1')
    .replace(/&(lt|gt|amp);/g, (e) => ENTITIES[e]!)
    .replace(/@\u200b/g, '@');
}

function inline(line: string, style: TextStyle): string {
  // Code spans (any fence length) are kept verbatim; the rest is unescaped.
  const parts = line.split(/(`+)(.*?[^`])\1(?!`)/);
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    if (i % 3 === 0) out += prose(parts[i]!, style);
    else if (i % 3 === 2) out += parts[i]!.replace(/^ (.*) $/, '$1');
  }
  return out;
}

function prose(text: string, style: TextStyle): string {
  const parts = text
    .replace(/\*\((empty)\)\*/g, '(empty)')
    .replace(/\[([^\]]*)\]\((https?:[^)\s]+)\)/g, '$1: $2')
    .split(/\*\*(.+?)\*\*/);
  // Odd parts were between ** and **.
  return parts.map((p, i) => (i % 2 === 1 ? style.strong(unescape(p)) : unescape(p))).join('');
}

export function markdownToText(markdown: string, style: TextStyle = PLAIN): string {
  const out: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^```/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      out.push(`  ${line}`);
      continue;
    }
    if (/^\|( *:?-+:? *\|)+$/.test(line)) continue;
    const heading = /^#{1,6} (.*)$/.exec(line);
    if (heading) {
      out.push(style.heading(inline(heading[1]!, PLAIN)));
      continue;
    }
    const fold = /^<details[^>]*><summary>(.*)<\/summary>$/.exec(line);
    if (fold) {
      out.push(style.heading(`${inline(fold[1]!, PLAIN)}:`));
      continue;
    }
    if (line === '</details>') continue;
    out.push(inline(line, style));
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}
