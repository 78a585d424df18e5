// The edges of the campaign inputs: each bound at its last good value and one past it, the key=value
// and namespace/release forms of a canary, and the campaign inputs given without waves.
import { describe, expect, it } from 'vitest';
import { parseFleetSettings } from '../../../../src/core/inputs/inputs.ts';
import { inputError, inputsWith } from '../../../support/inputs.ts';

const get = (over: Record<string, string>) => inputsWith(over, { phase: 'discover', 'chart-version': 'keep' });
const campaign = (over: Record<string, string>) => parseFleetSettings(get(over)).campaign;
const problems = (over: Record<string, string>) => inputError(() => parseFleetSettings(get(over)), over).problems;

describe('input waves', () => {
  it('takes sizes from 1 to 999999, spaces around them, rest last only', () => {
    expect(campaign({ waves: ' 1 , 999999 , rest ' })).toEqual({ sizes: [1, 999999], rest: true, maxFailures: 0 });
    expect(campaign({ waves: '7' })).toEqual({ sizes: [7], rest: false, maxFailures: 0 });
  });

  it.each(['0', '01', '1,,2', '1,', 'rest,rest', '5,rest,6', '1.5', '+1', '1 2', 'Rest'])('refuses %j', (waves) => {
    expect(problems({ waves })).toEqual([
      {
        input: 'waves',
        problem: `${JSON.stringify(waves)} is not a list of wave sizes`,
        expected:
          'whole numbers from 1 to 999999 separated by commas, the last may be rest, like 1,5,25,rest (without rest the last size repeats)',
      },
    ]);
  });
});

describe('input canary', () => {
  it('takes one key=value, the value possibly empty', () => {
    expect(campaign({ waves: '5', canary: 'wave=' })?.canary).toEqual({ kind: 'mark', key: 'wave', value: '' });
    expect(campaign({ waves: '5', canary: 'a.b/Wave_1=first' })?.canary).toEqual({
      kind: 'mark',
      key: 'a.b/Wave_1',
      value: 'first',
    });
  });

  it.each(['=canary', 'wave =canary', 'wave= canary', 'Example.com/wave=canary', '-wave=canary', 'wave=can\u200bary'])(
    'refuses %j as a key=value',
    (canary) => {
      const p = problems({ waves: '5', canary });
      expect(p.map((x) => [x.input, x.problem.split(' is not')[1]])).toEqual([['canary', ' one key=value']]);
    },
  );

  it('takes namespace/release names, a release name with dots', () => {
    expect(campaign({ waves: '5', canary: 'team-a/vc.1,0/9' })?.canary).toEqual({
      kind: 'releases',
      releases: ['team-a/vc.1', '0/9'],
    });
  });

  it.each(['Team/vc', 'a/b/c', 'a-/b', '-a/b', 'a/-b', 'a/b.', '/b', 'a/', 'a_b/c'])(
    'refuses %j as a release',
    (name) => {
      expect(problems({ waves: '5', canary: `x/y,${name}` })).toEqual([
        {
          input: 'canary',
          problem: `${JSON.stringify(name)} is not namespace/release`,
          expected: 'namespace/release names separated by commas or lines, or one label or annotation key=value',
        },
      ]);
    },
  );

  it('names three wrong names in the plural', () => {
    expect(problems({ waves: '5', canary: 'a,b,c' })[0]!.problem).toBe('"a", "b", "c" are not namespace/release');
  });
});

describe('inputs max-failures, after-batch and batch', () => {
  it('take a whole number up to six digits, max-failures from 0, the batches from 1', () => {
    expect(campaign({ waves: '5', 'max-failures': '999999', 'after-batch': '1' })).toEqual({
      sizes: [5],
      rest: false,
      maxFailures: 999999,
      afterBatch: 1,
    });
    expect(campaign({ waves: '5', 'max-failures': '0', batch: '999999' })).toEqual({
      sizes: [5],
      rest: false,
      maxFailures: 0,
      batch: 999999,
    });
  });

  it('leave out of the campaign what is not given', () => {
    expect(Object.keys(campaign({ waves: '5' })!)).toEqual(['sizes', 'rest', 'maxFailures']);
  });

  it.each([
    ['batch', '0', 1],
    ['batch', '1000000', 1],
    ['after-batch', ' 1x', 1],
    ['max-failures', '1.0', 0],
  ])('refuses %s %j', (name, v, min) => {
    expect(problems({ waves: '5', [name]: v })).toEqual([
      {
        input: name,
        problem: `${JSON.stringify(v.trim())} is not a whole number from ${min} to 999999`,
        expected: `a whole number from ${min} to 999999, or empty`,
      },
    ]);
  });

  it('without waves: each campaign input given is refused, max-failures only when not 0', () => {
    expect(campaign({ 'max-failures': '0' })).toBeUndefined();
    expect(problems({ canary: 'a/b', 'after-batch': '1', batch: '1', 'max-failures': '1' })).toEqual(
      ['canary', 'after-batch', 'batch', 'max-failures'].map((input) => ({
        input,
        problem: 'is set, but input waves is empty',
        expected: 'waves, like 1,5,25,rest, to run the fleet as a campaign; or leave it empty',
      })),
    );
  });
});
