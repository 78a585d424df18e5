import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../../../src/core/inputs/inputs.ts';
import type { InputProblem } from '../../../../src/core/inputs/input-reader.ts';
import { inputError, inputsWith } from '../../../support/inputs.ts';

const refused = (over: Record<string, string>): InputProblem[] =>
  inputError(() => parseSettings(inputsWith(over)), over).problems;

describe('volatile-prefixes that would exempt whole groups', () => {
  it.each(['/', '/registry/', '/registry/p', '/registry/services/', '/registry/cert-manager.io/', '/vcluster/'])(
    '%s is refused: it covers every group below it',
    (p) => {
      const problems = refused({ 'volatile-prefixes': p });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ input: 'volatile-prefixes' });
      expect(problems[0]!.problem).toMatch(/covers whole groups/);
    },
  );

  it.each(['/registry/example.com/jobs/', '/registry/configmaps/kube-system/', '/vcluster/cache/'])(
    '%s (at or below one group) is accepted',
    (p) => {
      expect(parseSettings(inputsWith({ 'volatile-prefixes': p })).volatilePrefixes).toContain(p);
    },
  );
});

describe('github-token is checked like every one-line input, and never shown', () => {
  it('a token with a line break is refused naming the character, not the token', () => {
    const token = 'ghp_secretsecretsecret\nmore';
    const problems = refused({ 'github-token': token });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.input).toBe('github-token');
    expect(problems[0]!.problem).toContain('U+000A LINE FEED');
    expect(JSON.stringify(problems)).not.toContain('ghp_secret');
  });

  it.each(['\u2028', '\u202e', '\u0085'])('a token holding %j is refused', (ch) => {
    expect(refused({ 'github-token': `ghp_abc${ch}def` })[0]!.input).toBe('github-token');
  });
});

describe('one-line inputs name invisible characters', () => {
  it('a release name with a zero-width space says where it is', () => {
    const [p] = refused({ release: 'my\u200bvc' });
    expect(p!.problem).toContain('U+200B ZERO WIDTH SPACE at position 3');
  });

  it('a namespace with a Cyrillic look-alike names the letter', () => {
    const [p] = refused({ namespace: 'te\u0430m-a' });
    expect(p!.problem).toContain("U+0430 a look-alike of 'a' at position 3");
  });

  it('a backup-skip-reason with a paragraph separator is refused', () => {
    const [p] = refused({ backup: 'skip', 'backup-skip-reason': 'taken by velero\u2029nightly' });
    expect(p).toMatchObject({ input: 'backup-skip-reason' });
    expect(p!.problem).toContain('U+2029 PARAGRAPH SEPARATOR');
  });
});
