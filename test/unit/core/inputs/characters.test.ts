import { describe, expect, it } from 'vitest';
import { CONTROL, oddCharacters, visible } from '../../../../src/core/inputs/characters.ts';
import { show } from '../../../../src/core/inputs/input-reader.ts';
import { secretsToMask } from '../../../../src/core/inputs/catalog.ts';

describe('control characters of every Unicode class', () => {
  it.each([
    ['\u0085', 'U+0085 NEXT LINE (a C1 control)'],
    ['\u009b', 'U+009B a control character (C1)'],
    ['\u202e', 'U+202E RIGHT-TO-LEFT OVERRIDE (bidi)'],
    ['\u2066', 'U+2066 LEFT-TO-RIGHT ISOLATE (bidi)'],
    ['\u2028', 'U+2028 LINE SEPARATOR'],
    ['\u2029', 'U+2029 PARAGRAPH SEPARATOR'],
    ['\u200b', 'U+200B ZERO WIDTH SPACE'],
    ['\ufeff', 'U+FEFF ZERO WIDTH NO-BREAK SPACE (BOM)'],
    ['\n', 'U+000A LINE FEED'],
  ])('%j is a control character, named in the error', (ch, name) => {
    const v = `my-v${ch}cluster`;
    expect(CONTROL.test(v)).toBe(true);
    expect(oddCharacters(v)).toEqual([`${name} at position 5`]);
    expect(show(v)).not.toContain(ch);
    if (ch !== '\n') expect(show(v)).toContain(name);
  });

  it('plain text and other scripts used as text are not control characters', () => {
    expect(CONTROL.test('Keine Sicherung: Wartungsfenster für äöü')).toBe(false);
    expect(oddCharacters('plain-name')).toEqual([]);
  });
});

describe('look-alike characters are named', () => {
  it.each([
    ['vcluѕter', "U+0455 a look-alike of 's' at position 5"],
    ['vclusтer', 'U+0442 a Cyrillic letter, not ASCII at position 6'],
    ['vcluster', undefined],
    ['t\u0435am-a', "U+0435 a look-alike of 'e' at position 2"],
    ['ｖcluster', "U+FF56 a fullwidth look-alike of 'v' at position 1"],
    ['my\u2010vc', "U+2010 a look-alike of '-' at position 3"],
  ])('%s', (v, named) => {
    if (named) expect(show(v)).toContain(named);
    else expect(show(v)).toBe(JSON.stringify(v));
  });

  it('names at most three characters and counts the rest', () => {
    expect(oddCharacters('\u200b\u200c\u200d\u2060\u202e')).toEqual([
      'U+200B ZERO WIDTH SPACE at position 1',
      'U+200C ZERO WIDTH NON-JOINER at position 2',
      'U+200D ZERO WIDTH JOINER at position 3',
      '2 more',
    ]);
  });

  it('writes invisible characters out', () => {
    expect(visible('a\u200bb')).toBe('a\\u{200b}b');
  });
});

describe('secret inputs are masked as soon as read', () => {
  it('the whole value of each secret input, and credential lines of a multi-line one', () => {
    const inputs: Record<string, string> = {
      'github-token': 'ghp_abcdefghijklmnop',
      kubeconfig: 'apiVersion: v1\nusers:\n- name: u\n  user:\n    token: eyJhbGciOiJSUzI1NiJ9.abc\n',
      values: '',
      release: 'not-a-secret',
    };
    const masked = secretsToMask((n) => inputs[n] ?? '');
    expect(masked).toContain('ghp_abcdefghijklmnop');
    expect(masked).toContain(inputs.kubeconfig!.trim());
    expect(masked).toContain('eyJhbGciOiJSUzI1NiJ9.abc');
    expect(masked).not.toContain('not-a-secret');
    expect(masked).not.toContain('v1');
  });
});
