// Characters a one-line input must not hold, and the ones that make a value look like another:
// named, so an error says which character is wrong where the eye sees nothing. Pure.

/**
 * Control characters of every class: C0 and DEL, C1, the soft hyphen, bidi marks, embeddings,
 * overrides and isolates, line and paragraph separators, zero-width characters and the BOM.
 */
/* eslint-disable no-control-regex -- control characters are what it looks for */
export const CONTROL =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/;
/* eslint-enable no-control-regex */

const NAMES: Record<number, string> = {
  0x09: 'TAB',
  0x0a: 'LINE FEED',
  0x0d: 'CARRIAGE RETURN',
  0x00: 'NUL',
  0x1b: 'ESCAPE',
  0x7f: 'DELETE',
  0x85: 'NEXT LINE (a C1 control)',
  0xad: 'SOFT HYPHEN (invisible)',
  0x061c: 'ARABIC LETTER MARK (bidi)',
  0x200b: 'ZERO WIDTH SPACE',
  0x200c: 'ZERO WIDTH NON-JOINER',
  0x200d: 'ZERO WIDTH JOINER',
  0x200e: 'LEFT-TO-RIGHT MARK (bidi)',
  0x200f: 'RIGHT-TO-LEFT MARK (bidi)',
  0x2028: 'LINE SEPARATOR',
  0x2029: 'PARAGRAPH SEPARATOR',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING (bidi)',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING (bidi)',
  0x202c: 'POP DIRECTIONAL FORMATTING (bidi)',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE (bidi)',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE (bidi)',
  0x2060: 'WORD JOINER (zero width)',
  0x2066: 'LEFT-TO-RIGHT ISOLATE (bidi)',
  0x2067: 'RIGHT-TO-LEFT ISOLATE (bidi)',
  0x2068: 'FIRST STRONG ISOLATE (bidi)',
  0x2069: 'POP DIRECTIONAL ISOLATE (bidi)',
  0xfeff: 'ZERO WIDTH NO-BREAK SPACE (BOM)',
};

/** Letters of other scripts that look like ASCII ones: the ASCII letter each is taken for. */
const LOOKS_LIKE: Record<number, string> = {
  0x0430: 'a',
  0x0435: 'e',
  0x043e: 'o',
  0x0440: 'p',
  0x0441: 'c',
  0x0443: 'y',
  0x0445: 'x',
  0x0456: 'i',
  0x0458: 'j',
  0x0455: 's',
  0x04bb: 'h',
  0x0501: 'd',
  0x03bf: 'o',
  0x03b1: 'a',
  0x03bd: 'v',
  0x03c1: 'p',
  0x0131: 'i',
  0x2010: '-',
  0x2011: '-',
  0x2012: '-',
  0x2013: '-',
  0x2212: '-',
};

const hex = (c: number) => `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;

function nameOf(c: number): string | undefined {
  if (NAMES[c]) return NAMES[c];
  if (c < 0x20) return 'a control character (C0)';
  if (c >= 0x80 && c <= 0x9f) return 'a control character (C1)';
  if (CONTROL.test(String.fromCodePoint(c))) return 'an invisible formatting character';
  if (LOOKS_LIKE[c]) return `a look-alike of '${LOOKS_LIKE[c]}'`;
  // Fullwidth forms look like ASCII at another width.
  if (c >= 0xff01 && c <= 0xff5e) return `a fullwidth look-alike of '${String.fromCharCode(c - 0xfee0)}'`;
  // Other letters of the scripts most look-alikes come from: not ASCII, whatever they resemble.
  const ch = String.fromCodePoint(c);
  if (/\p{Script=Cyrillic}/u.test(ch)) return 'a Cyrillic letter, not ASCII';
  if (/\p{Script=Greek}/u.test(ch)) return 'a Greek letter, not ASCII';
  return undefined;
}

/**
 * Each distinct control, invisible or look-alike character of a value, named with its position
 * (1-based, in characters), at most `max`; a count of the rest.
 */
export function oddCharacters(value: string, max = 3, c0 = true): string[] {
  const out: string[] = [];
  const seen = new Set<number>();
  let extra = 0;
  let pos = 0;
  for (const ch of value) {
    pos++;
    const c = ch.codePointAt(0)!;
    // JSON.stringify already writes C0 and DEL out (\n, \u0007): naming them is optional.
    if (seen.has(c) || (!c0 && (c < 0x20 || c === 0x7f))) continue;
    const name = nameOf(c);
    if (!name) continue;
    seen.add(c);
    if (out.length < max) out.push(`${hex(c)} ${name} at position ${pos}`);
    else extra++;
  }
  if (extra > 0) out.push(`${extra} more`);
  return out;
}

/** The value with every control or invisible character JSON.stringify keeps raw written as \u{...}. */
export function visible(value: string): string {
  return value.replace(new RegExp(CONTROL.source, 'g'), (ch) => {
    const c = ch.codePointAt(0)!;
    return c < 0x20 || c === 0x7f ? ch : `\\u{${c.toString(16)}}`;
  });
}
