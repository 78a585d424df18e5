// The campaign inputs' refusals as a person reads them, each with what would be right; names split
// at commas, spaces or lines; a batch or after-batch kept only when given.
import { describe, expect, it } from 'vitest';
import { parseFleetSettings } from '../../../../src/core/inputs/inputs.ts';
import { inputError, inputsWith } from '../../../support/inputs.ts';

const get = (over: Record<string, string>) => inputsWith(over, { phase: 'discover', 'chart-version': 'keep' });
const campaign = (over: Record<string, string>) => parseFleetSettings(get(over)).campaign;
const lines = (over: Record<string, string>): string[] =>
  inputError(() => parseFleetSettings(get(over)), over)
    .message.split('\n')
    .slice(1);

describe('the campaign inputs, word for word', () => {
  it('a canary that is neither one key=value nor names', () => {
    expect(lines({ waves: '5', canary: 'a=b=c' })).toEqual([
      '- input \'canary\': "a=b=c" is not one key=value. Expected: a label or annotation key=value on the namespace or control plane, like example.com/wave=canary; or namespace/release names.',
    ]);
    expect(lines({ waves: '5', canary: 'vc-1' })).toEqual([
      '- input \'canary\': "vc-1" is not namespace/release. Expected: namespace/release names separated by commas or lines, or one label or annotation key=value.',
    ]);
    expect(lines({ waves: '5', canary: 'a b/c d e f' })[0]).toBe(
      '- input \'canary\': "a", "d", "e" are not namespace/release. Expected: namespace/release names separated by commas or lines, or one label or annotation key=value.',
    );
  });

  it('canary names split at commas, spaces and lines, once each', () => {
    expect(campaign({ waves: '5', canary: 'a/b  c/d,,e/f\na/b' })?.canary).toEqual({
      kind: 'releases',
      releases: ['a/b', 'c/d', 'e/f'],
    });
  });

  it('a count with more than six digits, or not a number', () => {
    expect(lines({ waves: '5', batch: '12x' })).toEqual([
      '- input \'batch\': "12x" is not a whole number from 1 to 999999. Expected: a whole number from 1 to 999999, or empty.',
    ]);
  });

  it('campaign inputs without waves, and batch with after-batch', () => {
    expect(lines({ batch: '2' })).toEqual([
      "- input 'batch': is set, but input waves is empty. Expected: waves, like 1,5,25,rest, to run the fleet as a campaign; or leave it empty.",
    ]);
    expect(lines({ waves: '5', 'after-batch': '1', batch: '2' })).toEqual([
      "- input 'batch': is set together with after-batch. Expected: batch (finalize the batch migrate just ran) or after-batch (start the batch after it), not both.",
    ]);
  });

  it('bad wave sizes refuse the campaign even with good other inputs', () => {
    expect(lines({ waves: '0', canary: 'a/b' })).toHaveLength(1);
    expect(campaign({ waves: '5' })).toEqual({ sizes: [5], rest: false, maxFailures: 0 });
  });
});
