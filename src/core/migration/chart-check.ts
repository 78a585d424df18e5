// The chart helm will install, judged by its own version: a local chart directory gets no --version
// from the action, and a repository could serve a chart whose Chart.yaml says another version than
// its index. The checks of chart-version (the minimum, the extraArgs gate, the newest known line,
// the etcd 3.5 to 3.6 line) hold only when chart-version is the version of that chart.
import type { ChartRef } from '../inputs/config.ts';
import {
  atLeast,
  compareVersions,
  lineOf,
  onOrAfterLine,
  parseChartVersion,
  ETCD_36_LINE,
  MIN_EXTRA_ARGS,
  MIN_MIGRATION,
  NEWEST_KNOWN_LINE,
  type ChartVersion,
} from '../inputs/version.ts';
import type { Check } from './preflight.ts';

/** How the summary names the chart, and where its version was read. */
export function describeChart(chart: ChartRef, version: string): { name: string; source: string } {
  switch (chart.kind) {
    case 'local':
      return { name: `chart ${chart.path}`, source: 'its Chart.yaml' };
    case 'oci':
      return { name: `chart ${chart.ref} (--version ${version})`, source: 'its Chart.yaml, read by helm show chart' };
    case 'repo':
      return {
        name: `chart ${chart.name} of ${chart.repo} (--version ${version})`,
        source: 'its Chart.yaml, read by helm show chart',
      };
  }
}

/** From an etcd 3.5 chart (before 0.29) straight to an etcd 3.6 one: vCluster requires a stop on 0.28.x. */
export function crossesEtcdLine(installed: ChartVersion, target: ChartVersion): boolean {
  return !onOrAfterLine(installed, ETCD_36_LINE) && onOrAfterLine(target, ETCD_36_LINE);
}

export interface ChartCheckInput {
  chart: ChartRef;
  chartVersion: ChartVersion;
  /** The version in the chart's own Chart.yaml, as read. */
  own: string;
  /** The chart version the release runs now, when there is a release. */
  installed?: string;
  etcdExtraArgs: readonly string[];
  allowNewerChartLine: boolean;
}

/** What the checks of chart-version would say of `v`, had it been chart-version. */
export function versionRuleProblems(
  v: ChartVersion,
  o: { installed?: string; etcdExtraArgs: readonly string[]; allowNewerChartLine: boolean },
): string[] {
  const problems: string[] = [];
  if (!atLeast(v, MIN_MIGRATION))
    problems.push(`${v.text} cannot migrate (migrateFromDeployedEtcd exists from chart ${MIN_MIGRATION})`);
  if (o.etcdExtraArgs.length > 0 && !atLeast(v, MIN_EXTRA_ARGS))
    problems.push(
      `${v.text} has no controlPlane.backingStore.etcd.embedded.extraArgs (added in ${MIN_EXTRA_ARGS}), which etcd-extra-args sets`,
    );
  const newest = parseChartVersion(NEWEST_KNOWN_LINE)!;
  if (!o.allowNewerChartLine && onOrAfterLine(v, NEWEST_KNOWN_LINE) && lineOf(v) !== lineOf(newest))
    problems.push(
      `${v.text} is on chart line ${lineOf(v)}, newer than the newest line this action knows (${lineOf(newest)})`,
    );
  const installed = o.installed === undefined ? undefined : parseChartVersion(o.installed);
  if (installed && crossesEtcdLine(installed, v))
    problems.push(
      `the release runs chart ${installed.text} (etcd 3.5) and ${v.text} ships etcd 3.6; vCluster requires a stop on a 0.24.2-0.28.x chart`,
    );
  return problems;
}

/**
 * The 'chart version' check: passed when the chart's own version is chart-version; failed, with what
 * the chart's own version would be refused for, when it is not. `next` says how to fix a failure.
 */
export function chartCheck(i: ChartCheckInput): Check & { next?: string } {
  const { name, source } = describeChart(i.chart, i.chartVersion.text);
  const own = parseChartVersion(i.own);
  const shown = JSON.stringify(i.own.length > 40 ? `${i.own.slice(0, 40)}…` : i.own);
  if (!own)
    return {
      name: 'chart version',
      state: 'failed',
      reason: `${name} has version ${shown} (${source}), which is not a semantic version, so its checks cannot be made`,
      next: `point input 'chart' at a vCluster chart whose Chart.yaml version is chart-version ${i.chartVersion.text}; nothing was changed`,
    };
  if (compareVersions(own, i.chartVersion) === 0)
    return {
      name: 'chart version',
      state: 'passed',
      reason: `${name} is version ${own.text} (${source}), as chart-version says`,
    };
  const rules = versionRuleProblems(own, i);
  const consequence = rules.length
    ? `; judged as the chart helm installs, ${rules.join('; ')}`
    : '; the checks judged chart-version, not the chart helm installs';
  const fix = rules.length
    ? `point input 'chart' at a chart whose Chart.yaml version is chart-version ${i.chartVersion.text}`
    : `set chart-version: ${own.text} (then every check judges the chart helm installs), or point input 'chart' at a chart of version ${i.chartVersion.text}`;
  return {
    name: 'chart version',
    state: 'failed',
    reason: `${name} is version ${own.text} (${source}), not chart-version ${i.chartVersion.text}${consequence}`,
    next: `${fix}; nothing was changed`,
  };
}
