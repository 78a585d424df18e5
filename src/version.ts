// Chart versions: parsing and comparison. vCluster charts use plain semver (0.27.0, 0.30.0-rc.1).

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

/** Negative when a < b. A prerelease sorts before its release, as in semver. */
export function compareVersions(a: ChartVersion, b: ChartVersion): number {
  const d = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (d !== 0) return d;
  if (a.prerelease === b.prerelease) return 0;
  if (a.prerelease === '') return 1;
  if (b.prerelease === '') return -1;
  return a.prerelease < b.prerelease ? -1 : 1;
}

export function atLeast(v: ChartVersion, min: string): boolean {
  const m = parseChartVersion(min);
  if (!m) throw new Error(`bad version constant ${min}`);
  return compareVersions({ ...v, prerelease: '' }, m) >= 0;
}

/** Chart versions with a landmark the migration depends on. */
export const MIN_MIGRATION = '0.24.2';
export const MIN_SNAPSHOT_COUNT = '0.25.0';
export const MIN_EXTRA_ARGS = '0.26.0';
/** From 0.29 the deployed etcd image is 3.6.x; 0.24.2-0.28.x ship 3.5.x. */
export const ETCD_36_LINE = '0.29.0';

/** helm 3.10 or later: older ones lack --dry-run=server and the wait fixes the phases rely on. */
export function helmVersionOk(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 3 || (major === 3 && minor >= 10);
}
