// Chart versions as users write chart-version, and the order that decides which chart features the migration may use.
import { describe, expect, it } from 'vitest';
import { atLeast, compareVersions, parseChartVersion } from '../../../../src/core/inputs/version.ts';

const v = (t: string) => parseChartVersion(t)!;

describe('parseChartVersion', () => {
  it.each([
    ['0.27.0', { major: 0, minor: 27, patch: 0, prerelease: '', text: '0.27.0' }],
    ['v0.28.2', { major: 0, minor: 28, patch: 2, prerelease: '', text: '0.28.2' }],
    [' 0.26.1\n', { major: 0, minor: 26, patch: 1, prerelease: '', text: '0.26.1' }],
    ['10.100.1000', { major: 10, minor: 100, patch: 1000, prerelease: '', text: '10.100.1000' }],
    ['0.27.0+build.5', { major: 0, minor: 27, patch: 0, prerelease: '', text: '0.27.0+build.5' }],
  ])('reads %j', (text, version) => {
    expect(parseChartVersion(text)).toEqual(version);
  });

  // Whether chart-version accepts a prerelease is config.ts's decision; the parser reads it.
  it('reads a prerelease', () => {
    expect(parseChartVersion('0.30.0-rc.1')).toEqual({
      major: 0,
      minor: 30,
      patch: 0,
      prerelease: 'rc.1',
      text: '0.30.0-rc.1',
    });
    expect(parseChartVersion('0.30.0-dev')).toEqual({
      major: 0,
      minor: 30,
      patch: 0,
      prerelease: 'dev',
      text: '0.30.0-dev',
    });
  });

  it.each([
    '',
    '0.27',
    '0.27.0.1',
    'x0.27.0',
    '0.27.0x',
    '01.27.0',
    '0.027.0',
    '0.27.00',
    '0.27.0-',
    '0.27.0-rc_1',
    '0.27.0+',
    'V0.27.0',
    'vv0.27.0',
  ])('refuses %j', (text) => {
    expect(parseChartVersion(text)).toBeUndefined();
  });
});

describe('compareVersions', () => {
  const pre = (prerelease: string) => ({
    major: 0,
    minor: 30,
    patch: 0,
    prerelease,
    text: `0.30.0${prerelease ? `-${prerelease}` : ''}`,
  });
  it('orders by major, minor, then patch', () => {
    expect(compareVersions(v('1.0.0'), v('1.2.0'))).toBeLessThan(0);
    expect(compareVersions(v('2.0.0'), v('1.9.9'))).toBeGreaterThan(0);
    expect(compareVersions(v('0.27.1'), v('0.27.0'))).toBeGreaterThan(0);
    expect(compareVersions(v('0.27.0'), v('v0.27.0'))).toBe(0);
  });

  it('puts a prerelease before its release, and orders prereleases', () => {
    expect(compareVersions(pre('rc.1'), pre(''))).toBe(-1);
    expect(compareVersions(pre(''), pre('rc.1'))).toBe(1);
    expect(compareVersions(pre('rc.1'), pre('rc.2'))).toBe(-1);
    expect(compareVersions(pre('rc.2'), pre('rc.1'))).toBe(1);
    expect(compareVersions(pre('rc.1'), pre('rc.1'))).toBe(0);
    expect(compareVersions(pre('rc.1'), v('0.29.9'))).toBeGreaterThan(0);
  });
});

describe('atLeast', () => {
  it('is true from the minimum on', () => {
    expect(atLeast(v('0.24.2'), '0.24.2')).toBe(true);
    expect(atLeast(v('0.24.1'), '0.24.2')).toBe(false);
    expect(atLeast(v('1.0.0'), '0.26.0')).toBe(true);
  });

  it('refuses a minimum that is not a version', () => {
    expect(() => atLeast(v('0.27.0'), '0.26')).toThrow('bad version constant 0.26');
  });
});
