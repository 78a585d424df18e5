// Chart and helm versions the preflight reads: the version at the end of Helm's chart field, semver
// pre-release order (which release line a chart is on, whether it is at least a minimum), and the helm
// client that is new enough.
import { describe, expect, it } from 'vitest';
import {
  atLeast,
  chartVersionOfChartField,
  compareVersions,
  helmVersionOk,
  onOrAfterLine,
  parseChartVersion,
} from '../../../../src/core/inputs/version.ts';

const v = (t: string) => parseChartVersion(t)!;
const sign = (a: string, b: string) => Math.sign(compareVersions(v(a), v(b)));

describe("the version in Helm's chart field", () => {
  it('reads multi-digit majors and patches', () => {
    expect(chartVersionOfChartField('vcluster-10.1.0')?.text).toBe('10.1.0');
    expect(chartVersionOfChartField('vcluster-0.27.10')?.text).toBe('0.27.10');
  });
  it('is the one at the end, not a version-like part of the chart name', () => {
    expect(chartVersionOfChartField('tools-1.2.3.4-0.27.0')?.text).toBe('0.27.0');
  });
});

describe('pre-release order (semver)', () => {
  it('compares numeric identifiers as numbers: rc.20 comes before rc.100', () => {
    expect(sign('0.30.0-rc.20', '0.30.0-rc.100')).toBe(-1);
    expect(sign('0.30.0-rc.100', '0.30.0-rc.20')).toBe(1);
  });
  it('compares later identifiers once the first ones are equal', () => {
    expect(sign('0.30.0-rc.1', '0.30.0-rc.2')).toBe(-1);
  });
  it('puts a longer pre-release after its prefix, in either order of the arguments', () => {
    expect(sign('0.30.0-rc.1.1', '0.30.0-rc.1')).toBe(1);
    expect(sign('0.30.0-rc.1', '0.30.0-rc.1.1')).toBe(-1);
  });
  it('puts numbers below words, and compares words with digits as text', () => {
    expect(sign('0.30.0-1', '0.30.0-beta')).toBe(-1);
    expect(sign('0.30.0-beta', '0.30.0-1')).toBe(1);
    expect(sign('0.30.0-rc1', '0.30.0-rc2')).toBe(-1);
    expect(sign('0.30.0-1a', '0.30.0-1b')).toBe(-1);
    expect(sign('0.30.0-rc', '0.30.0-beta')).toBe(1);
    expect(sign('0.30.0-rc1', '0.30.0-beta')).toBe(1);
    expect(sign('0.30.0-1a', '0.30.0-1')).toBe(1);
  });
  it('takes rc.01 and rc.1 for the same pre-release', () => {
    expect(compareVersions(v('0.30.0-rc.01'), v('0.30.0-rc.1'))).toBe(0);
    expect(atLeast(v('0.30.0-rc.01'), '0.30.0-rc.1')).toBe(true);
  });
});

describe('onOrAfterLine', () => {
  it('puts a pre-release of a line on that line, also for majors above 0', () => {
    expect(onOrAfterLine(v('1.2.0-rc.1'), '1.2.0')).toBe(true);
    expect(onOrAfterLine(v('1.1.9'), '1.2.0')).toBe(false);
  });
  it('puts a lower major before the line whatever its minor', () => {
    expect(onOrAfterLine(v('0.40.0'), '1.30.0')).toBe(false);
    expect(onOrAfterLine(v('2.0.0'), '1.30.0')).toBe(true);
  });
});

describe('helmVersionOk (helm 3.10 or later)', () => {
  it('accepts 3.10 exactly, later minors and majors, with or without the v', () => {
    expect(helmVersionOk('v3.10.0')).toBe(true);
    expect(helmVersionOk('3.12.3')).toBe(true);
    expect(helmVersionOk('v10.0.0')).toBe(true);
  });
  it('refuses older helm, even with a minor of 10 or more', () => {
    expect(helmVersionOk('v3.9.4')).toBe(false);
    expect(helmVersionOk('v2.16.0')).toBe(false);
  });
  it('refuses a version text it cannot read from the start, without throwing', () => {
    expect(helmVersionOk('unknown')).toBe(false);
    expect(helmVersionOk('build 3.12.0')).toBe(false);
  });

  it('requires helm 3.10 or later', () => {
    expect(helmVersionOk('v3.18.6')).toBe(true);
    expect(helmVersionOk('v3.9.4')).toBe(false);
    expect(helmVersionOk('v4.0.0')).toBe(true);
  });
});
