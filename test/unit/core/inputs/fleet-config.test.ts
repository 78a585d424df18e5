import { describe, expect, it } from 'vitest';
import { describeScope, validSelector } from '../../../../src/core/inputs/fleet-config.ts';
import { parseFleetSettings } from '../../../../src/core/inputs/inputs.ts';
import { inputError, inputsWith } from '../../../support/inputs.ts';

const get = (over: Record<string, string>) => inputsWith(over, { phase: 'discover', 'chart-version': 'keep' });
const problems = (over: Record<string, string>): string =>
  inputError(() => parseFleetSettings(get(over)), over).message;

describe('parseFleetSettings', () => {
  it('defaults: all namespaces, keep, 256 releases, matrix for migrate, no Secrets read, not paused', () => {
    expect(parseFleetSettings(get({}))).toEqual({
      phase: 'discover',
      scope: { kind: 'all' },
      chartVersion: 'keep',
      maxReleases: 256,
      nextPhase: 'migrate',
      secrets: false,
      gitopsPaused: false,
      kubeconfig: undefined,
      context: undefined,
    });
  });

  it('reads namespaces as a list or as a label selector', () => {
    expect(parseFleetSettings(get({ namespaces: 'team-a, team-b\nteam-c,team-a' })).scope).toEqual({
      kind: 'names',
      names: ['team-a', 'team-b', 'team-c'],
    });
    expect(parseFleetSettings(get({ namespaces: 'team=a,env in (prod, staging),!legacy' })).scope).toEqual({
      kind: 'selector',
      selector: 'team=a,env in (prod, staging),!legacy',
    });
    expect(parseFleetSettings(get({ namespaces: 'vcluster.example.com/tier!=gold' })).scope.kind).toBe('selector');
  });

  it('refuses namespace names mixed with selector requirements, naming what reads as which and both forms', () => {
    const m = problems({ namespaces: 'team-a,env=prod' });
    expect(m).toContain(
      'input \'namespaces\': mixes the two forms: "team-a" reads as a namespace name, "env=prod" as a label selector requirement; ' +
        'discover reads one form, and in a label selector a bare word means "the label exists". ' +
        'Expected: namespace names only, like "team-a,team-b", or a label selector only, like "env=prod,team in (a,b)"; ' +
        'to require that a label exists, say it is a selector: "selector: team-a,env=prod".',
    );
    expect(problems({ namespaces: 'team-a\nteam-b\nenv in (prod, staging)' })).toContain(
      'mixes the two forms: "team-a", "team-b" read as namespace names, "env in (prod, staging)" as a label selector requirement',
    );
    expect(problems({ namespaces: '!legacy,team-a' })).toContain('mixes the two forms');
  });

  it('a long mix names the first three of each form and how many more', () => {
    const names = Array.from({ length: 20_000 }, (_, i) => `ns-${i}`);
    const m = problems({ namespaces: `${names.join(',')},env=prod` });
    expect(m).toContain(
      '"ns-0", "ns-1", "ns-2" and 19997 more read as namespace names, "env=prod" as a label selector',
    );
    expect(m).toContain('"selector: ns-0,env=prod"');
    expect(m.length).toBeLessThan(800);
  });

  it('"selector:" makes any value a label selector, bare words meaning the label exists', () => {
    expect(parseFleetSettings(get({ namespaces: 'selector: team-a,env=prod' })).scope).toEqual({
      kind: 'selector',
      selector: 'team-a,env=prod',
    });
    expect(parseFleetSettings(get({ namespaces: 'selector:team-a' })).scope).toEqual({
      kind: 'selector',
      selector: 'team-a',
    });
    expect(problems({ namespaces: 'selector:' })).toContain('is not a label selector after "selector:"');
    expect(problems({ namespaces: 'selector: env=(prod' })).toContain('is not a label selector after "selector:"');
  });

  it('a bare word that cannot be a namespace name stays a label key of the selector', () => {
    expect(parseFleetSettings(get({ namespaces: 'example.com/tier,env=prod' })).scope).toEqual({
      kind: 'selector',
      selector: 'example.com/tier,env=prod',
    });
  });

  it('says how input namespaces was read, for the log and the summary', () => {
    expect(describeScope({ kind: 'all' })).toBe('all namespaces (input namespaces is empty)');
    expect(describeScope({ kind: 'names', names: ['team-a'] })).toBe(
      'namespace team-a (input namespaces read as namespace names)',
    );
    expect(describeScope({ kind: 'names', names: ['team-a', 'team-b'] })).toBe(
      'namespaces team-a, team-b (input namespaces read as namespace names)',
    );
    expect(describeScope({ kind: 'selector', selector: 'env=prod' }, 2)).toBe(
      'the 2 namespaces matching label selector env=prod (input namespaces read as a label selector)',
    );
  });

  it('names the first three bad namespace names and how many more', () => {
    expect(problems({ namespaces: 'A,B,C,D,E' })).toContain('"A", "B", "C" and 2 more are not namespace names');
  });

  it('takes a chart version for all releases, 0.24.2 or later', () => {
    expect(parseFleetSettings(get({ 'chart-version': 'v0.28.1' })).chartVersion).toMatchObject({ text: '0.28.1' });
    expect(problems({ 'chart-version': '0.24.1' })).toContain("input 'chart-version': 0.24.1 cannot migrate");
    expect(problems({ 'chart-version': '' })).toMatch(/input 'chart-version': is empty\. Expected: keep/);
  });

  it('refuses bad inputs with the input, the problem and what would be right, all at once', () => {
    const m = problems({
      namespaces: 'Team_A',
      'max-releases': '257',
      'next-phase': 'status',
      'discover-secrets': 'yes',
      release: 'vc',
      'chart-version': 'latest',
    });
    expect(m).toContain('6 inputs are not valid; nothing was changed');
    expect(m).toContain('input \'namespaces\': "Team_A" is not a namespace name');
    expect(m).toContain('input \'max-releases\': "257" is not a whole number from 1 to 256');
    expect(m).toContain('input \'next-phase\': "status" is not a phase a matrix runs');
    expect(m).toContain('input \'discover-secrets\': "yes" is not a boolean');
    expect(m).toContain("input 'release': is set");
    expect(m).toContain('input \'chart-version\': "latest" is not a semantic version or keep');
    expect(problems({ namespaces: 'team=(a' })).toContain('is not a label selector');
    expect(problems({ 'max-releases': '0' })).toContain('max-releases');
  });

  it('never quotes a kubeconfig it cannot use', () => {
    const m = problems({ kubeconfig: 'token: super-secret-value' });
    expect(m).toContain("input 'kubeconfig'");
    expect(m).not.toContain('super-secret-value');
  });
});

describe('validSelector', () => {
  it.each([
    ['a=b', true],
    ['a==b', true],
    ['a!=b', true],
    ['a', true],
    ['!a', true],
    ['a in (x,y)', true],
    ['a notin (x)', true],
    ['a=', true],
    ['a in ()', false],
    ['=b', false],
    ['a=b=c', false],
    ['a in x', false],
    ['a b', false],
  ])('%s → %s', (s, ok) => {
    expect(validSelector(s)).toBe(ok);
  });
});
