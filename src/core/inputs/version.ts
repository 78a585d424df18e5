// Chart versions: the one parser and the comparisons. vCluster charts use plain semver
// (0.27.0, 0.30.0-rc.1); Helm lists a release's chart as "<name>-<version>".

export interface ChartVersion {
  major: number;
  minor: number;
  patch: number;
  prerelease: string;
  /** Normalised text without a leading v. */
  text: string;
}

const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseChartVersion(input: string): ChartVersion | undefined {
  const m = SEMVER.exec(input.trim());
  if (!m) return undefined;
  const [, major, minor, patch, pre] = m;
  const text = input.trim().replace(/^v/, '');
  return { major: Number(major), minor: Number(minor), patch: Number(patch), prerelease: pre ?? '', text };
}

/** The version in Helm's chart field ("vcluster-0.27.0", "my-chart-1.2.3-rc.1"). */
export function chartVersionOfChartField(chart: string): ChartVersion | undefined {
  const m = /-(v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)$/.exec(chart);
  return m ? parseChartVersion(m[1]!) : undefined;
}

/** Semver precedence of two pre-release strings: dot-separated, numbers numerically and below words. */
function comparePrerelease(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] === undefined) return -1;
    if (y[i] === undefined) return 1;
    const [p, q] = [x[i]!, y[i]!];
    const [pn, qn] = [/^\d+$/.test(p), /^\d+$/.test(q)];
    if (pn && qn && Number(p) !== Number(q)) return Number(p) - Number(q);
    if (pn !== qn) return pn ? -1 : 1;
    if (!pn && p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

/** Negative when a < b. A prerelease sorts before its release, as in semver. */
export function compareVersions(a: ChartVersion, b: ChartVersion): number {
  const d = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (d !== 0) return d;
  if (a.prerelease === b.prerelease) return 0;
  if (a.prerelease === '') return 1;
  if (b.prerelease === '') return -1;
  return comparePrerelease(a.prerelease, b.prerelease);
}

function constant(text: string): ChartVersion {
  const v = parseChartVersion(text);
  if (!v) throw new Error(`bad version constant ${text}`);
  return v;
}

/** v is min or later; a pre-release of min (0.24.2-rc.1) comes before min, so it is not. */
export function atLeast(v: ChartVersion, min: string): boolean {
  return compareVersions(v, constant(min)) >= 0;
}

/** v belongs to the line of `line` (major.minor) or a later one, pre-releases included: 0.29.0-rc.1 is on 0.29. */
export function onOrAfterLine(v: ChartVersion, line: string): boolean {
  const l = constant(line);
  return v.major - l.major || v.minor - l.minor
    ? v.major > l.major || (v.major === l.major && v.minor > l.minor)
    : true;
}

export const lineOf = (v: ChartVersion): string => `${v.major}.${v.minor}`;

/** Chart versions with a landmark the migration depends on. */
export const MIN_MIGRATION = '0.24.2';
// Stryker disable next-line StringLiteral: not read by the code yet (the values check names 0.25.0 in its message), a fact kept beside the others
export const MIN_SNAPSHOT_COUNT = '0.25.0';
export const MIN_EXTRA_ARGS = '0.26.0';
/** From 0.29 the deployed etcd image is 3.6.x; 0.24.2-0.28.x ship 3.5.x. */
export const ETCD_36_LINE = '0.29.0';
/** The newest chart line the action was checked against (test/fixtures/vcluster-chart-schemas). */
export const NEWEST_KNOWN_LINE = '0.36.0';

/** helm 3.10 or later: older ones lack --dry-run=server and the wait fixes the phases rely on. */
export function helmVersionOk(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 3 || (major === 3 && minor >= 10);
}
