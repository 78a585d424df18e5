// Durations as users write them in the timeout inputs, as helm gets them (--timeout), and as log lines show them.
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, toGoDuration } from '../../../../src/core/inputs/duration.ts';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2h15m30s', 8_130_000],
    ['250ms', 250],
    ['1m500ms', 60_500],
    ['120m', 7_200_000],
    [' 15m\n', 900_000],
    ['0s', 0],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '10', 'm', '10 minutes', 'ten minutes', '1h 30m', '1d', '-5m', '1.5h', 'x10m', '10mx', '10m!', '5sec'])(
    'refuses %j (no unit, an unknown unit or other text)',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe('toGoDuration', () => {
  it('gives helm whole seconds, rounding up so a timeout is never shortened', () => {
    expect(toGoDuration(600_000)).toBe('600s');
    expect(toGoDuration(1_500)).toBe('2s');
    expect(toGoDuration(1)).toBe('1s');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [999, '999ms'],
    [1_000, '1s'],
    [1_500, '1.5s'],
    [59_000, '59s'],
    [60_000, '1m0s'],
    [90_000, '1m30s'],
    [900_000, '15m0s'],
    [3_661_000, '61m1s'],
  ])('shows %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
