import { describe, expect, it } from 'vitest';
import { parseFleetSettings, parseSettings } from '../../../../src/core/inputs/inputs.ts';
import { inputError, inputsWith } from '../../../support/inputs.ts';

const get = (over: Record<string, string>) => inputsWith(over, { phase: 'discover', 'chart-version': 'keep' });
const campaign = (over: Record<string, string>) => parseFleetSettings(get(over)).campaign;
const problems = (over: Record<string, string>): string =>
  inputError(() => parseFleetSettings(get(over)), over).message;

describe('the campaign inputs', () => {
  it('no waves, no campaign', () => {
    expect(campaign({})).toBeUndefined();
    expect(campaign({ 'max-failures': '0' })).toBeUndefined();
  });

  it('reads wave sizes, rest, a canary mark or names, the budget and the batch the step follows', () => {
    expect(campaign({ waves: '1, 5,25,rest', canary: 'example.com/wave=canary', 'max-failures': '2' })).toEqual({
      sizes: [1, 5, 25],
      rest: true,
      canary: { kind: 'mark', key: 'example.com/wave', value: 'canary' },
      maxFailures: 2,
    });
    expect(campaign({ waves: '10', canary: 'team-a/vc-1, team-b/vc-2\nteam-a/vc-1', 'after-batch': '3' })).toEqual({
      sizes: [10],
      rest: false,
      canary: { kind: 'releases', releases: ['team-a/vc-1', 'team-b/vc-2'] },
      maxFailures: 0,
      afterBatch: 3,
    });
    expect(campaign({ waves: 'rest', batch: '2' })).toEqual({ sizes: [], rest: true, maxFailures: 0, batch: 2 });
  });

  it('refuses each bad value naming the input, what is wrong and what would be right', () => {
    expect(problems({ waves: '1,0,rest' })).toContain(
      'input \'waves\': "1,0,rest" is not a list of wave sizes. Expected: whole numbers from 1',
    );
    expect(problems({ waves: 'rest,5' })).toContain("input 'waves'");
    expect(problems({ waves: '5', canary: 'a=b=c' })).toContain('input \'canary\': "a=b=c" is not one key=value');
    expect(problems({ waves: '5', canary: 'vc-1' })).toContain('input \'canary\': "vc-1" is not namespace/release');
    expect(problems({ waves: '5', 'max-failures': '-1' })).toContain(
      'input \'max-failures\': "-1" is not a whole number from 0 to 999999',
    );
    expect(problems({ waves: '5', 'max-failures': '1000000' })).toContain(
      'input \'max-failures\': "1000000" is not a whole number from 0 to 999999. Expected: a whole number from 0 to 999999, or empty',
    );
    expect(problems({ waves: '1,1000000' })).toContain('Expected: whole numbers from 1 to 999999 separated by commas');
    expect(problems({ waves: '5', 'after-batch': '0' })).toContain(
      'input \'after-batch\': "0" is not a whole number from 1',
    );
    expect(problems({ waves: '5', 'after-batch': '1', batch: '2' })).toContain(
      "input 'batch': is set together with after-batch",
    );
  });

  it('refuses campaign inputs without waves, whichever phase reads them', () => {
    const msg = problems({ canary: 'x/y', 'max-failures': '3' });
    expect(msg).toContain("input 'canary': is set, but input waves is empty");
    expect(msg).toContain("input 'max-failures': is set, but input waves is empty");
    const over = { phase: 'plan', waves: '1,x' };
    expect(inputError(() => parseSettings(inputsWith(over)), over).message).toContain("input 'waves'");
  });
});
