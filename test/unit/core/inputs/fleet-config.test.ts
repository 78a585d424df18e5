import { describe, expect, it } from 'vitest';
import { validSelector } from '../../../../src/core/inputs/fleet-config.ts';
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
