// The edges of discover's inputs: each bound accepted at its last good value and refused one past it,
// each refusal with its whole text (the input, what is wrong, what would be right), and the label
// selector forms Kubernetes accepts told apart from the ones it refuses.
import { describe, expect, it } from 'vitest';
import { describeScope, readNamespaces, validSelector } from '../../../../src/core/inputs/fleet-config.ts';
import { inputReader } from '../../../../src/core/inputs/input-reader.ts';
import { parseFleetSettings } from '../../../../src/core/inputs/inputs.ts';
import { inputError, inputsWith } from '../../../support/inputs.ts';

const get = (over: Record<string, string>) => inputsWith(over, { phase: 'discover', 'chart-version': 'keep' });
const settings = (over: Record<string, string>) => parseFleetSettings(get(over));
const problems = (over: Record<string, string>) => inputError(() => settings(over), over).problems;
/** The one problem of the one input refused, as `- input 'x': problem. Expected: expected.` reads it. */
const only = (over: Record<string, string>) => {
  const p = problems(over);
  expect(p).toHaveLength(1);
  return p[0]!;
};

describe('validSelector: the requirement forms of a Kubernetes label selector', () => {
  it.each([
    // A key alone, or negated, with or without space after the "!".
    ['app', true],
    ['! app', true],
    ['!app', true],
    ['!', false],
    ['!!app', false],
    // Keys: an optional DNS prefix, then a name that starts and ends alphanumeric.
    ['example.com/tier', true],
    ['a.b-c.io/Tier_1', true],
    ['x/tier', true],
    ['A_b.c-D', true],
    ['Example.com/tier', false],
    ['-example.com/tier', false],
    ['example.com-/tier', false],
    ['example.com/', false],
    ['/tier', false],
    ['a/b/c', false],
    ['_a', false],
    ['a_', false],
    ['-a', false],
    ['a.', false],
    ['a b', false],
    ['a b=c', false],
    ['a b in (x)', false],
    // Equality, with spaces around the operator, and values that start and end alphanumeric.
    ['ab=cd', true],
    ['a = b', true],
    ['a == b', true],
    ['a != b', true],
    ['tier=A_b.c-9', true],
    ['a=-b', false],
    ['a=b-', false],
    ['a=b/c', false],
    ['a=b c', false],
    ['a=!b', false],
    ['a!b', false],
    ['=', false],
    // Set membership: any spacing, values trimmed, none empty.
    ['ab in (x)', true],
    ['a  in  (x , y)', true],
    ['a notin (x,y)', true],
    ['example.com/tier in (gold)', true],
    ['a in (x,)', false],
    ['a in (x, )', false],
    ['a in (-x)', false],
    ['a in(x)', false],
    ['a in (x)y', false],
    ['a in ((x))', false],
    ['a within (x)', false],
    ['_a in (x)', false],
    ['in (x)', false],
  ])('%j → %s', (s, ok) => {
    expect(validSelector(s)).toBe(ok);
  });

  it('splits requirements at commas outside parentheses, spaces around them allowed', () => {
    expect(validSelector('a in (x,y),b=c')).toBe(true);
    expect(validSelector('a in (x),b=c,d notin (y,z)')).toBe(true);
    expect(validSelector('a=b , c=d ')).toBe(true);
    expect(validSelector(' a=b,!c')).toBe(true);
    // The last requirement is checked as well as the first.
    expect(validSelector('a=b,c d')).toBe(false);
    expect(validSelector('a=b,')).toBe(false);
    expect(validSelector(',a=b')).toBe(false);
  });

  it('takes up to 1000 characters and no control character', () => {
    expect(validSelector(`a=${'b'.repeat(998)}`)).toBe(true);
    expect(validSelector(`a=${'b'.repeat(999)}`)).toBe(false);
    // A tab reads as space to the requirement patterns; it is refused before them.
    expect(validSelector('a\t=b')).toBe(false);
    expect(validSelector('!\tapp')).toBe(false);
    expect(validSelector('a in (x,\ty)')).toBe(false);
  });
});

describe('describeScope', () => {
  it('leaves the count out of a label selector until discover has matched namespaces', () => {
    expect(describeScope({ kind: 'selector', selector: 'env=prod' })).toBe(
      'namespaces matching label selector env=prod (input namespaces read as a label selector)',
    );
    expect(describeScope({ kind: 'selector', selector: 'env=prod' }, 0)).toBe(
      'the 0 namespaces matching label selector env=prod (input namespaces read as a label selector)',
    );
  });
});

describe('input namespaces', () => {
  it('reads names separated by commas, spaces, tabs or lines, once each', () => {
    expect(settings({ namespaces: 'team-a\tteam-b ,, team-c\n\nteam-b' }).scope).toEqual({
      kind: 'names',
      names: ['team-a', 'team-b', 'team-c'],
    });
    expect(settings({ namespaces: 'team-a,' }).scope).toEqual({ kind: 'names', names: ['team-a'] });
    expect(settings({ namespaces: '  \n ' }).scope).toEqual({ kind: 'all' });
  });

  it('takes DNS-1123 labels of up to 63 characters', () => {
    const longest = `a${'-'.repeat(61)}b`;
    expect(settings({ namespaces: `${longest},1a,a--b,z` }).scope).toEqual({
      kind: 'names',
      names: [longest, '1a', 'a--b', 'z'],
    });
    expect(only({ namespaces: `${longest}c` })).toEqual({
      input: 'namespaces',
      problem: `"${longest}c" is not a namespace name`,
      expected: 'DNS-1123 labels separated by commas or lines, or a label selector with =, != or in (...)',
    });
    for (const n of ['-a', 'a-', 'A', 'a.b', 'a_b'])
      expect(only({ namespaces: `team-a,${n}` }).problem).toBe(`"${n}" is not a namespace name`);
  });

  it('names three bad names without a count, and counts the fourth', () => {
    expect(only({ namespaces: 'A,B,C' }).problem).toBe('"A", "B", "C" are not namespace names');
    expect(only({ namespaces: 'A,b,B,C,D' }).problem).toBe('"A", "B", "C" and 1 more are not namespace names');
  });

  it('refuses a value that is neither names nor a selector, with both forms', () => {
    expect(only({ namespaces: 'env=(prod' })).toEqual({
      input: 'namespaces',
      problem: '"env=(prod" is not a label selector',
      expected: 'a selector like "team=a,env in (prod,staging)", or namespace names separated by commas or lines',
    });
  });

  it('refuses "selector:" with nothing or no selector after it, saying what would be right', () => {
    for (const ns of ['selector:', 'selector:   ', 'selector: a b'])
      expect(only({ namespaces: ns })).toEqual({
        input: 'namespaces',
        problem: `${JSON.stringify(ns.trim())} is not a label selector after "selector:"`,
        expected: '"selector:" and a selector like "team-a,env=prod" (team-a: the label exists)',
      });
    // Only the prefix is cut: the selector keeps every character after it.
    expect(settings({ namespaces: 'selector:ab,c in (d)' }).scope).toEqual({
      kind: 'selector',
      selector: 'ab,c in (d)',
    });
  });

  it('reads a value with selector operators and no bare name as the selector it is', () => {
    expect(settings({ namespaces: 'env=prod\n' }).scope).toEqual({ kind: 'selector', selector: 'env=prod' });
    expect(settings({ namespaces: 'example.com/tier, env!=dev' }).scope).toEqual({
      kind: 'selector',
      selector: 'example.com/tier, env!=dev',
    });
  });

  describe('a mix of names and selector requirements', () => {
    it('ignores empty requirements, and names one requirement in the singular', () => {
      expect(only({ namespaces: 'team-a,,env=prod,' }).problem).toBe(
        'mixes the two forms: "team-a" reads as a namespace name, "env=prod" as a label selector requirement; ' +
          'discover reads one form, and in a label selector a bare word means "the label exists"',
      );
    });

    it('names several requirements in the plural, three at most', () => {
      expect(only({ namespaces: 'team-a,env=prod,tier!=x' }).problem).toContain(
        '"team-a" reads as a namespace name, "env=prod", "tier!=x" as label selector requirements;',
      );
      expect(only({ namespaces: 'a,b,c,w=1,x=1,y=1' }).problem).toContain(
        'mixes the two forms: "a", "b", "c" read as namespace names, "w=1", "x=1", "y=1" as label selector requirements;',
      );
      expect(only({ namespaces: 'a,b,c,d,w=1,x=1,y=1,z=1,!v' }).problem).toContain(
        '"a", "b", "c" and 1 more read as namespace names, "w=1", "x=1", "y=1" and 2 more as label selector requirements;',
      );
    });

    it('suggests the whole value as a selector up to 120 characters, else its first name and requirement', () => {
      const head = 'ns-a,ns-b,env=prod,';
      const at120 = `${head}${'x'.repeat(120 - head.length)}`;
      expect(at120).toHaveLength(120);
      expect(only({ namespaces: at120 }).expected).toBe(
        'namespace names only, like "team-a,team-b", or a label selector only, like "env=prod,team in (a,b)"; ' +
          `to require that a label exists, say it is a selector: "selector: ${at120}"`,
      );
      const at121 = `${at120}d`;
      expect(only({ namespaces: at121 }).expected).toContain('say it is a selector: "selector: ns-a,env=prod"');
      // The suggestion joins the requirements as read: lines become commas, spaces around them go.
      expect(only({ namespaces: 'team-a\n env=prod ' }).expected).toContain('"selector: team-a,env=prod"');
    });
  });

  it('after a problem, reads as all namespaces so the other inputs are still checked', () => {
    for (const ns of ['selector:', 'Team_A', 'env=(prod', 'team-a,env=prod']) {
      const r = inputReader((name) => (name === 'namespaces' ? ns : ''));
      expect(readNamespaces(r)).toEqual({ kind: 'all' });
      expect(r.problems.map((p) => p.input)).toEqual(['namespaces']);
    }
  });
});

describe('input max-releases', () => {
  it('takes a whole number from 1 to 256', () => {
    expect(settings({ 'max-releases': '1' }).maxReleases).toBe(1);
    expect(settings({ 'max-releases': ' 256 ' }).maxReleases).toBe(256);
    expect(settings({ 'max-releases': '99' }).maxReleases).toBe(99);
  });

  it.each(['0', '257', '1000', '10000', '01', '1.5', '+5', '5x', 'x5', '-1', '1e2'])('refuses %j', (v) => {
    expect(only({ 'max-releases': v })).toEqual({
      input: 'max-releases',
      problem: `${JSON.stringify(v)} is not a whole number from 1 to 256`,
      expected: '1 to 256: GitHub expands a matrix into at most 256 jobs',
    });
  });
});

describe('input next-phase', () => {
  it('takes migrate or finalize', () => {
    expect(settings({ 'next-phase': 'migrate' }).nextPhase).toBe('migrate');
    expect(settings({ 'next-phase': 'finalize' }).nextPhase).toBe('finalize');
  });

  it('refuses any other phase, naming the two a matrix runs', () => {
    expect(only({ 'next-phase': 'abort' })).toEqual({
      input: 'next-phase',
      problem: '"abort" is not a phase a matrix runs',
      expected: 'migrate (deployed and migrating releases) or finalize (verified releases)',
    });
  });
});

describe('discover reads no single release', () => {
  it.each(['release', 'namespace'])('refuses input %s, saying to narrow the fleet with namespaces', (name) => {
    expect(only({ [name]: 'vc-1' })).toEqual({
      input: name,
      problem: 'is set ("vc-1"), but phase discover lists every vCluster release',
      expected: "no release or namespace input with phase discover; narrow the fleet with 'namespaces'",
    });
  });

  it('refuses both at once', () => {
    expect(problems({ release: 'vc-1', namespace: 'team-a' }).map((p) => p.input)).toEqual(['release', 'namespace']);
  });
});

describe('input chart-version with phase discover', () => {
  it('takes keep, or 0.24.2 and later for every release', () => {
    expect(settings({ 'chart-version': 'keep' }).chartVersion).toBe('keep');
    expect(settings({ 'chart-version': '0.24.2' }).chartVersion).toMatchObject({ text: '0.24.2' });
  });

  it('refuses empty, not a version, and too old, each with what would be right', () => {
    expect(only({ 'chart-version': ' ' })).toEqual({
      input: 'chart-version',
      problem: 'is empty',
      expected: 'keep (each release keeps its installed chart version), or a version like 0.27.0 for all',
    });
    expect(only({ 'chart-version': 'Keep' })).toEqual({
      input: 'chart-version',
      problem: '"Keep" is not a semantic version or keep',
      expected: 'keep, or a version like 0.27.0',
    });
    expect(only({ 'chart-version': '0.24.1' })).toEqual({
      input: 'chart-version',
      problem: '0.24.1 cannot migrate: migrateFromDeployedEtcd exists from chart 0.24.2',
      expected: '0.24.2 or later, or keep',
    });
  });
});

describe('the other discover settings', () => {
  it('reads discover-secrets, gitops-paused and context', () => {
    const s = settings({ 'discover-secrets': 'true', 'gitops-paused': 'true', context: 'prod' });
    expect(s).toMatchObject({ secrets: true, gitopsPaused: true, context: 'prod' });
  });

  it('holds a campaign only when input waves is set', () => {
    expect(Object.keys(settings({}))).not.toContain('campaign');
    expect(settings({ waves: '1,5,rest' }).campaign).toEqual({ sizes: [1, 5], rest: true, maxFailures: 0 });
  });
});
