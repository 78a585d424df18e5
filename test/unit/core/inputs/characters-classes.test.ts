// The classes of odd characters the input errors name, at their edges: C0 and C1 controls, other
// invisible formatting characters, the fullwidth block, Greek letters; JSON's own escapes left to
// JSON when asked; a character named once however often it comes.
import { describe, expect, it } from 'vitest';
import { oddCharacters, visible } from '../../../../src/core/inputs/characters.ts';

describe('oddCharacters by class', () => {
  it('C0 controls without a name of their own, and the edges of the C1 block', () => {
    expect(oddCharacters('a\u0001b')).toEqual(['U+0001 a control character (C0) at position 2']);
    expect(oddCharacters('\u0080\u009f')).toEqual([
      'U+0080 a control character (C1) at position 1',
      'U+009F a control character (C1) at position 2',
    ]);
    // Just outside C1: a no-break space and a Latin letter are text.
    expect(oddCharacters('\u00a0é')).toEqual([]);
  });

  it('an invisible formatting character without a name of its own', () => {
    expect(oddCharacters('a\u2061b')).toEqual(['U+2061 an invisible formatting character at position 2']);
  });

  it('the edges of the fullwidth block, and what lies beyond it', () => {
    expect(oddCharacters('\uff01\uff5e')).toEqual([
      "U+FF01 a fullwidth look-alike of '!' at position 1",
      "U+FF5E a fullwidth look-alike of '~' at position 2",
    ]);
    expect(oddCharacters('\uff00\uff5f')).toEqual([]);
  });

  it('a Greek letter that is not a known look-alike', () => {
    expect(oddCharacters('vλ')).toEqual(['U+03BB a Greek letter, not ASCII at position 2']);
  });

  it('C0 and DEL left out when JSON already writes them, the others still named', () => {
    expect(oddCharacters('a\u0007\u007f\u200bb', 3, false)).toEqual(['U+200B ZERO WIDTH SPACE at position 4']);
    expect(oddCharacters('a\u001fb', 3, false)).toEqual([]);
    expect(oddCharacters(' a', 3, false)).toEqual([]);
  });

  it('names a character once, at its first position', () => {
    expect(oddCharacters('\u200ba\u200b')).toEqual(['U+200B ZERO WIDTH SPACE at position 1']);
  });
});

describe('visible', () => {
  it('writes out what JSON keeps raw, and leaves C0 and DEL to JSON', () => {
    expect(visible('a\u0085\u2028b')).toBe('a\\u{85}\\u{2028}b');
    expect(visible('a\u0007\u001f\u007fb')).toBe('a\u0007\u001f\u007fb');
  });
});
