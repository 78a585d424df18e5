// The one chart-version parser and its comparisons: pre-releases sort below their release, chart
// lines compare by major.minor, and Helm's "<name>-<version>" chart field parses the same way.
import { describe, it, expect } from 'vitest';
import {
  atLeast,
  chartVersionOfChartField,
  compareVersions,
  onOrAfterLine,
  parseChartVersion,
} from '../../../../src/core/inputs/version.ts';

const v = (t: string) => parseChartVersion(t)!;

describe('chart versions', () => {
  it('a pre-release is below its release, so below a minimum that is that release', () => {
    expect(atLeast(v('0.24.2-rc.1'), '0.24.2')).toBe(false);
    expect(atLeast(v('0.26.0-alpha.1'), '0.26.0')).toBe(false);
    expect(atLeast(v('0.24.3-rc.1'), '0.24.2')).toBe(true);
    expect(atLeast(v('0.24.2'), '0.24.2')).toBe(true);
  });

  it('orders pre-releases as semver does', () => {
    const order = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
    ];
    for (let i = 1; i < order.length; i++)
      expect(compareVersions(v(order[i - 1]!), v(order[i]!)), `${order[i - 1]} < ${order[i]}`).toBeLessThan(0);
  });

  it('a pre-release belongs to its line', () => {
    expect(onOrAfterLine(v('0.29.0-rc.1'), '0.29.0')).toBe(true);
    expect(onOrAfterLine(v('0.28.9'), '0.29.0')).toBe(false);
    expect(onOrAfterLine(v('1.0.0'), '0.29.0')).toBe(true);
  });

  it("reads Helm's chart field", () => {
    expect(chartVersionOfChartField('vcluster-0.27.0')?.text).toBe('0.27.0');
    expect(chartVersionOfChartField('my-vcluster-chart-0.30.0-rc.1')?.text).toBe('0.30.0-rc.1');
    expect(chartVersionOfChartField('vcluster')).toBeUndefined();
  });
});
