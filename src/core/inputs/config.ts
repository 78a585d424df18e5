// The inputs of the phases that act on one release, parsed once, before any cluster call, into one
// typed Settings object. Each reader below takes the inputs of one concern.
import { parse as parseYaml } from 'yaml';
import type { PhaseName } from './catalog.ts';
import {
  parseChartVersion,
  atLeast,
  onOrAfterLine,
  lineOf,
  MIN_MIGRATION,
  MIN_EXTRA_ARGS,
  NEWEST_KNOWN_LINE,
  type ChartVersion,
} from './version.ts';
import { etcdFlagProblems } from './etcd-flags.ts';
import { parseDuration } from './duration.ts';
import { parseQuantity } from './quantity.ts';
import { ownedPathsTouched, dataVolumePathsTouched } from '../migration/values.ts';
import { DEFAULT_VOLATILE_PREFIXES, groupOf } from '../migration/census.ts';
import { CONTROL, oddCharacters, show, type Bad, type InputReader } from './input-reader.ts';

/**
 * How the run was started: the action (phase two approved through a GitHub environment) or the
 * command line (approved by a named person, which the command line asks for itself).
 */
export type FrontDoorKind = 'action' | 'cli';

/** The `phase:` input of a single-release run (discover has its own inputs). */
export type Phase = 'plan' | 'migrate' | 'finalize' | 'abort' | 'status';

export type ChartRef =
  { kind: 'repo'; name: string; repo: string } | { kind: 'oci'; ref: string } | { kind: 'local'; path: string };

export interface Settings {
  release: string;
  namespace: string;
  chartVersion: ChartVersion;
  /** Set when chart-version is on a line newer than NEWEST_KNOWN_LINE and allow-newer-chart-line allowed it. */
  newerChartLine?: string;
  /** allow-newer-chart-line: the chart's own version is judged with it too. */
  allowNewerChartLine: boolean;
  phase: Phase;
  chart: ChartRef;
  storageSize?: string;
  storageClass?: string;
  etcdExtraArgs: string[];
  extraValues: Record<string, unknown>;
  kubeconfig?: string;
  context?: string;
  timeoutMs: number;
  migrationTimeoutMs: number;
  /** Accept equal key counts as phase one's proof when the pod that logged the success line was replaced. */
  acceptLostLogLine: boolean;
  approvalEnvironment?: string;
  requireApproval: boolean;
  deleteEtcdPvcs: boolean;
  orphanOnForbidden: boolean;
  backup: 'required' | 'skip';
  backupSkipReason?: string;
  backupDir?: string;
  volatilePrefixes: string[];
  prNumber?: number;
  githubToken?: string;
  /** A GitOps controller's marks do not stop migrate or finalize: the user says it is paused. */
  gitopsPaused: boolean;
  /** Where the values files are written (plan's files for a GitOps repository); default the run's private directory. */
  valuesDir?: string;
  /** abort: which etcd's keyspace to keep when both changed since the copy (never guessed). */
  abortSource?: 'embedded' | 'deployed';
  /** migrate: delete the embedded etcd PVCs an abort left, instead of refusing. */
  deleteStaleEmbeddedPvc: boolean;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A Kubernetes quantity's value is a signed 64-bit number (of bytes, for a volume size): below 2^63 = 8Ei. */
const QUANTITY_LIMIT_BYTES = 2 ** 63;
/** helm's --timeout is a Go duration, a signed 64-bit count of nanoseconds: at most about 2562047h. */
const MAX_DURATION_MS = 2_562_047 * 3_600_000;
/** GitHub's issue and pull request numbers are 32-bit. */
const MAX_PR_NUMBER = 2 ** 31 - 1;
/** A POSIX path from / or a Windows path from a drive or a share. */
const ABSOLUTE_PATH = /^(\/|[A-Za-z]:[\\/]|\\\\)/;
const EXTRA_ARG = /^--[a-z0-9][a-z0-9-]*(=\S.*)?$/;
const MAX_VALUES_BYTES = 256 * 1024;

/** The release, its namespace and the chart version to upgrade to. */
function readTarget(r: InputReader) {
  const { bad, text, bool } = r;
  // After a problem these give undefined: the caller throws before any value is used.
  const label = (name: string, max: number): string | undefined => {
    const v = text(name);
    if (v === '') return bad(name, 'is empty', `a DNS-1123 label of at most ${max} characters, like "my-vcluster"`);
    if (v.length > max) return bad(name, `${show(v)} has ${v.length} characters`, `at most ${max} characters`);
    if (!DNS1123_LABEL.test(v)) {
      return bad(
        name,
        `${show(v)} is not a DNS-1123 label`,
        'lower-case letters, digits and "-", starting and ending with a letter or digit',
      );
    }
    return v;
  };
  const release = label('release', 53);
  const namespace = label('namespace', 63);

  const versionText = text('chart-version');
  let chartVersion = parseChartVersion(versionText);
  if (!versionText) bad('chart-version', 'is empty', 'the vCluster chart version to upgrade to, like 0.27.0');
  else if (!chartVersion)
    bad('chart-version', `${show(versionText)} is not a semantic version`, 'a version like 0.27.0 or v0.27.0');
  else if (!atLeast(chartVersion, MIN_MIGRATION)) {
    const pre = chartVersion.prerelease ? ` (a pre-release comes before its release)` : '';
    bad(
      'chart-version',
      `${chartVersion.text} cannot migrate: migrateFromDeployedEtcd exists from chart ${MIN_MIGRATION}${pre}`,
      `${MIN_MIGRATION} or later`,
    );
    chartVersion = undefined;
  }
  const allowNewer = bool('allow-newer-chart-line');
  let newerChartLine: string | undefined;
  const newest = parseChartVersion(NEWEST_KNOWN_LINE)!;
  if (chartVersion && onOrAfterLine(chartVersion, NEWEST_KNOWN_LINE) && lineOf(chartVersion) !== lineOf(newest)) {
    newerChartLine = `Chart ${chartVersion.text} is on line ${lineOf(chartVersion)}, newer than the newest line this action knows (${lineOf(newest)}); it ran because allow-newer-chart-line is true.`;
    if (!allowNewer) {
      bad(
        'chart-version',
        `${chartVersion.text} is on chart line ${lineOf(chartVersion)}, newer than the newest line this action knows (${lineOf(newest)}); its values and migration behaviour are unchecked`,
        `a chart version up to ${lineOf(newest)}.x, or allow-newer-chart-line: true to run anyway (the summary says so in bold)`,
      );
    }
  }
  return { release, namespace, chartVersion, newerChartLine, allowNewerChartLine: allowNewer };
}

/** What the embedded etcd gets: its volume, its flags and the user's extra values. */
function readEmbedded(r: InputReader, chartVersion: ChartVersion | undefined) {
  const { bad, text, get } = r;
  const storageSize = text('storage-size') || undefined;
  const bytes = storageSize === undefined ? undefined : parseQuantity(storageSize);
  if (storageSize !== undefined && bytes === undefined) {
    bad('storage-size', `${show(storageSize)} is not a Kubernetes quantity`, 'a size like 5Gi, 20Gi or 500Mi');
  } else if (storageSize !== undefined && (bytes ?? 0) <= 0) {
    bad('storage-size', `${show(storageSize)} is zero`, 'a positive size like 5Gi');
  } else if (storageSize !== undefined && (bytes ?? 0) >= QUANTITY_LIMIT_BYTES) {
    bad(
      'storage-size',
      `${show(storageSize)} is more bytes than a Kubernetes quantity holds (its value is a signed 64-bit number)`,
      'a size below 8Ei, like 20Gi',
    );
  }
  const storageClass = text('storage-class') || undefined;
  // Stryker disable next-line ConditionalExpression: a regex tests undefined as the text 'undefined', which passes; the check is for tsc
  if (storageClass !== undefined && (storageClass.length > 253 || !DNS1123_SUBDOMAIN.test(storageClass))) {
    bad(
      'storage-class',
      storageClass.length > 253
        ? `${show(storageClass)} has ${storageClass.length} characters`
        : `${show(storageClass)} is not a StorageClass name`,
      'a DNS-1123 subdomain of at most 253 characters like "gp3" or "fast.ssd-2": lower-case letters, digits, "-" and ".", each dot-separated part starting and ending with a letter or digit',
    );
  }
  const etcdExtraArgs = parseExtraArgs(get('etcd-extra-args'), chartVersion, bad);
  const extraValues = parseValuesInput(get('values'), bad)!;
  return { storageSize, storageClass, etcdExtraArgs, extraValues };
}

/** How long the upgrades and the wait for the success line may take. */
function readTimeouts(r: InputReader) {
  const { bad, text } = r;
  const duration = (name: string, min: number, why: string): number | undefined => {
    const v = text(name);
    const ms = parseDuration(v);
    if (ms === undefined) return bad(name, `${show(v)} is not a duration`, 'a duration like 90s, 10m or 1h');
    if (ms < min) return bad(name, `${show(v)} is too short`, `at least ${min / 1000}s`);
    if (ms > MAX_DURATION_MS) return bad(name, `${show(v)} is too long: ${why}`, 'at most 2562047h, like 10m or 2h');
    return ms;
  };
  return {
    timeoutMs: duration(
      'timeout',
      30_000,
      "helm's --timeout is a Go duration, a 64-bit count of nanoseconds (at most about 2562047h)",
    ),
    migrationTimeoutMs: duration(
      'migration-timeout',
      10_000,
      "the action's waits have the bound of helm's --timeout, a Go duration (at most about 2562047h)",
    ),
  };
}

/** Who approves phase two, and what it may delete. */
function readApproval(r: InputReader, phase: PhaseName | undefined, door: FrontDoorKind) {
  const { bad, text, bool } = r;
  const requireApproval = bool('require-approval');
  const deleteEtcdPvcs = bool('delete-etcd-pvcs');
  if (deleteEtcdPvcs && phase !== undefined && phase !== 'finalize') {
    bad(
      'delete-etcd-pvcs',
      `is true for phase ${phase}; the deployed etcd's PVCs are deleted only after a verified phase two`,
      'false, or phase finalize',
    );
  }
  const approvalEnvironment = text('approval-environment') || undefined;
  if (approvalEnvironment !== undefined && (CONTROL.test(approvalEnvironment) || approvalEnvironment.length > 255)) {
    const why = CONTROL.test(approvalEnvironment)
      ? 'contains a control character (a line break?)'
      : `has ${approvalEnvironment.length} characters`;
    bad(
      'approval-environment',
      `${why}, so it is not a GitHub environment name`,
      'at most 255 characters, no control characters',
    );
  }
  if (
    (phase === 'finalize' || phase === 'abort') &&
    requireApproval &&
    door === 'action' &&
    approvalEnvironment === undefined
  ) {
    bad(
      'approval-environment',
      `is empty, and ${phase} needs a verified approval`,
      `the GitHub environment with required reviewers that the ${phase} job names`,
    );
  }
  return { requireApproval, deleteEtcdPvcs, approvalEnvironment };
}

/** The way back: which etcd abort keeps when both changed, and whether migrate may delete what an abort left. */
function readWayBack(r: InputReader, phase: PhaseName | undefined) {
  const { bad, text, bool } = r;
  const abortSourceText = text('abort-source');
  let abortSource: Settings['abortSource'];
  if (abortSourceText !== '') {
    if (abortSourceText !== 'embedded' && abortSourceText !== 'deployed') {
      bad('abort-source', `${show(abortSourceText)} is not an etcd of the release`, 'embedded, deployed or empty');
    } else if (phase !== undefined && phase !== 'abort') {
      bad('abort-source', `is set for phase ${phase}; only abort chooses which etcd to keep`, 'empty, or phase abort');
    } else abortSource = abortSourceText;
  }
  const deleteStaleEmbeddedPvc = bool('delete-stale-embedded-pvc');
  if (deleteStaleEmbeddedPvc && phase !== undefined && phase !== 'migrate') {
    bad(
      'delete-stale-embedded-pvc',
      `is true for phase ${phase}; only migrate deletes the embedded etcd PVCs an abort left`,
      'false, or phase migrate',
    );
  }
  return { abortSource, deleteStaleEmbeddedPvc };
}

/** The snapshot before phase one: taken or skipped (with a reason), and where. */
function readBackup(r: InputReader, door: FrontDoorKind) {
  const { bad, text, line } = r;
  const backupText = text('backup');
  const backup: Settings['backup'] | undefined =
    backupText === 'required' || backupText === 'skip'
      ? backupText
      : bad('backup', `${show(backupText)} is not a backup mode`, 'required or skip');
  // It is shown in the summary, the PR comment and the state record: one line, like a sentence.
  const backupSkipReason = line(
    'backup-skip-reason',
    'one sentence on one line saying why no snapshot is taken',
    'contains a control character (a line break?)',
  );
  if (backup === 'skip' && backupSkipReason === undefined) {
    bad(
      'backup-skip-reason',
      'is empty while backup is skip',
      'a sentence saying why no snapshot is taken (it is shown in bold in the summary)',
    );
  }
  const backupDir = directory(r, 'backup-dir', door, '${{ runner.temp }}/etcd-backup');
  return { backup, backupSkipReason, backupDir };
}

/**
 * An input naming a directory on the runner: one line; for the action an absolute path (a relative
 * one would depend on the step's working directory); never an existing file.
 */
function directory(r: InputReader, name: string, door: FrontDoorKind, example: string): string | undefined {
  const expected = door === 'action' ? `an absolute directory path on the runner, like ${example}` : 'a directory path';
  const v = r.line(name, expected);
  if (v === undefined || CONTROL.test(v)) return v;
  if (door === 'action' && !ABSOLUTE_PATH.test(v))
    return r.bad(name, `${show(v)} is a relative path, which depends on the step's working directory`, expected);
  if (r.probe?.(v) === 'file') return r.bad(name, `${show(v)} is a file, not a directory`, expected);
  return v;
}

/** The built-in volatile groups always apply; the input only adds to them. */
function readVolatile(r: InputReader): string[] {
  const extraVolatile = r
    .get('volatile-prefixes')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (const p of extraVolatile) {
    if (CONTROL.test(p) || !p.startsWith('/'))
      r.bad(
        'volatile-prefixes',
        `${show(p)} is not an etcd key prefix`,
        'one prefix per line starting with "/", like /registry/leases/',
      );
    else if (!p.startsWith(groupOf(`${p}x/`)))
      // Shorter than a group: it would exempt every group below it from the proof, / and /registry/ all of them.
      r.bad(
        'volatile-prefixes',
        `${show(p)} covers whole groups (every resource whose keys start with it), so the proof could no longer fail for them`,
        `a prefix at or below one group, like /registry/leases/ or ${groupOf(`${p}x/`)}`,
      );
  }
  return [...DEFAULT_VOLATILE_PREFIXES, ...extraVolatile];
}

/** Where the run reports: the pull request, and the token it reports with. */
function readGitHub(r: InputReader) {
  const { bad, text } = r;
  const prText = text('pr-number');
  let prNumber: number | undefined;
  if (prText !== '') {
    prNumber = !/^[1-9]\d{0,9}$/.test(prText)
      ? bad('pr-number', `${show(prText)} is not a pull request number`, 'a positive whole number')
      : Number(prText) > MAX_PR_NUMBER
        ? bad(
            'pr-number',
            `${show(prText)} is larger than any pull request number (GitHub's are 32-bit)`,
            `a positive whole number up to ${MAX_PR_NUMBER}`,
          )
        : Number(prText);
  }
  const githubToken = text('github-token') || undefined;
  // Checked as every one-line input, but never shown: it is a secret.
  if (githubToken !== undefined && CONTROL.test(githubToken))
    bad(
      'github-token',
      `contains ${oddCharacters(githubToken).join(', ')}; the token is not shown`,
      'a GitHub token on one line, like ${{ github.token }} or a secret holding a token',
    );
  return { prNumber, githubToken };
}

/**
 * The inputs every release phase reads, apart from the target (release, namespace, chart-version),
 * which discover reads its own way; discover checks these too, so a bad value is refused in every phase.
 */
export function readReleaseOptions(
  r: InputReader,
  phase: PhaseName | undefined,
  chartVersion: ChartVersion | undefined,
  door: FrontDoorKind = 'action',
) {
  const chart = parseChart(r);
  return {
    chart,
    ...readEmbedded(r, chartVersion),
    ...readTimeouts(r),
    acceptLostLogLine: r.bool('accept-lost-log-line'),
    orphanOnForbidden: r.bool('orphan-on-forbidden'),
    ...readApproval(r, phase, door),
    ...readWayBack(r, phase),
    ...readBackup(r, door),
    volatilePrefixes: readVolatile(r),
    ...readGitHub(r),
    gitopsPaused: r.bool('gitops-paused'),
    valuesDir: directory(r, 'values-dir', door, '${{ github.workspace }}/gitops/vclusters'),
  };
}

/** The Settings of a release phase; undefined values only after a problem, when `done()` throws. */
export function readSettings(r: InputReader, phase: Phase, door: FrontDoorKind = 'action'): Settings {
  const target = readTarget(r);
  const options = readReleaseOptions(r, phase, target.chartVersion, door);
  const { kubeconfig, context } = r.kube();
  return {
    ...options,
    ...target,
    release: target.release!,
    namespace: target.namespace!,
    chartVersion: target.chartVersion!,
    phase,
    chart: options.chart!,
    timeoutMs: options.timeoutMs!,
    migrationTimeoutMs: options.migrationTimeoutMs!,
    backup: options.backup!,
    kubeconfig,
    context,
  };
}

/** Input chart-repo, checked whatever the chart: a repository URL helm takes with --repo. */
function parseChartRepo(r: InputReader): string | undefined {
  const repo = r.text('chart-repo');
  const expected = 'an https:// (or http://) chart repository URL like https://charts.loft.sh';
  if (CONTROL.test(repo) || repo.length > 2048)
    return r.bad('chart-repo', `${show(repo)} is not a repository URL`, expected);
  if (repo.startsWith('oci://'))
    return r.bad(
      'chart-repo',
      `${show(repo)} is an OCI registry, which helm takes as the chart itself, not as a repository (--repo)`,
      `chart: ${repo.replace(/\/+$/, '')}/vcluster (an oci:// chart reference; chart-repo is then not read), or ${expected}`,
    );
  let url: URL | undefined;
  try {
    url = /^https?:\/\/[^\s/?#]+([/?#]\S*)?$/.test(repo) ? new URL(repo) : undefined;
  } catch {
    // Not a URL: refused below.
  }
  if (!url || url.hostname === '') return r.bad('chart-repo', `${show(repo)} is not a repository URL`, expected);
  if (url.username !== '' || url.password !== '')
    // The URL is shown in the log and the summary; credentials in it would be too.
    return r.bad(
      'chart-repo',
      'holds a user name or password (user:password@), which the log and the summary would show; it is not shown here',
      `${expected}, without credentials (a public repository, or an oci:// chart after a registry login step)`,
    );
  return repo;
}

function parseChart(r: InputReader): ChartRef | undefined {
  const { bad } = r;
  const chart = r.text('chart');
  const repo = parseChartRepo(r);
  if (CONTROL.test(chart))
    return bad('chart', 'contains a control character', 'a chart name, an oci:// reference or a chart directory');
  if (chart.startsWith('oci://')) {
    return /^[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._-]+)+$/.test(chart.slice('oci://'.length))
      ? { kind: 'oci', ref: chart }
      : bad('chart', `${show(chart)} is not an OCI chart reference`, 'oci://registry.example.com/path/vcluster');
  }
  if (chart.startsWith('/') || chart.startsWith('./') || chart.startsWith('../')) {
    return localChart(r, chart);
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(chart)) {
    return bad(
      'chart',
      `${show(chart)} is not a chart name`,
      'a chart name like vcluster, an oci:// reference, or a directory path starting with ./ or /',
    );
  }
  return repo === undefined ? undefined : { kind: 'repo', name: chart, repo };
}

/** A chart on the runner: a directory holding Chart.yaml, or a packaged chart, as helm loads it. */
function localChart(r: InputReader, path: string): ChartRef | undefined {
  const expected =
    'a chart directory holding Chart.yaml, or a packaged chart (.tgz), on the runner (after actions/checkout, a path like ./charts/vcluster)';
  const found = r.probe?.(path);
  if (found === 'missing') return r.bad('chart', `${show(path)} looks like a path, but nothing is there`, expected);
  if (found === 'directory' && r.probe?.(`${path.replace(/\/+$/, '')}/Chart.yaml`) !== 'file')
    return r.bad('chart', `${show(path)} is a directory without a Chart.yaml`, expected);
  if (found === 'file' && !/\.(tgz|tar\.gz)$/.test(path))
    return r.bad('chart', `${show(path)} is a file, not a chart directory or a packaged chart (.tgz)`, expected);
  return { kind: 'local', path };
}

function parseExtraArgs(raw: string, version: ChartVersion | undefined, bad: Bad): string[] {
  const args = raw
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (args.length === 0) return [];
  if (version && !atLeast(version, MIN_EXTRA_ARGS)) {
    bad(
      'etcd-extra-args',
      `chart ${version.text}${version.prerelease ? ` (a pre-release of ${version.major}.${version.minor}.${version.patch})` : ''} has no controlPlane.backingStore.etcd.embedded.extraArgs (added in ${MIN_EXTRA_ARGS}) and rejects it`,
      `chart-version ${MIN_EXTRA_ARGS} or later, or no etcd-extra-args`,
    );
    // Stryker disable next-line ArrayDeclaration: bad() was called, so parseSettings throws and never uses this value
    return [];
  }
  let wellFormed = true;
  for (const a of args) {
    if (!EXTRA_ARG.test(a) || CONTROL.test(a)) {
      bad(
        'etcd-extra-args',
        `${show(a)} is not one --flag=value`,
        'one flag per line, like --quota-backend-bytes=8589934592',
      );
      wellFormed = false;
    }
  }
  if (wellFormed) for (const p of etcdFlagProblems(args)) bad('etcd-extra-args', p.problem, p.expected);
  return args;
}

/** The values input as a mapping; undefined after a problem (parseSettings then throws). */
function parseValuesInput(raw: string, bad: Bad): Record<string, unknown> | undefined {
  if (Buffer.byteLength(raw) > MAX_VALUES_BYTES) {
    return bad('values', `is ${Buffer.byteLength(raw)} bytes`, `at most ${MAX_VALUES_BYTES} bytes of YAML`);
  }
  let doc: unknown;
  try {
    // A low alias limit stops "billion laughs" documents before they expand.
    // Merge keys resolved here, as Helm resolves them, so the owned-keys check below sees them.
    doc = parseYaml(raw, { maxAliasCount: 20, uniqueKeys: true, merge: true });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    return bad(
      'values',
      `is not valid YAML (${msg})`,
      'a YAML mapping of Helm values, like "sync: {toHost: {ingresses: {enabled: true}}}"',
    );
  }
  // An empty input, or one with only comments, is null.
  if (doc === null) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    return bad('values', 'is not a YAML mapping', 'a mapping of Helm values at the top level');
  }
  if (hasMergeKey(doc)) {
    // A quoted '<<' stays a plain key here but is written unquoted to the values file, where Helm merges it.
    return bad('values', "has a '<<' key, which Helm reads as a YAML merge key", 'the keys written out, without "<<"');
  }
  const touched = ownedPathsTouched(doc as Record<string, unknown>);
  if (touched.length > 0) {
    return bad(
      'values',
      `sets ${touched.join(', ')}, which the migration owns`,
      'values without those keys; use storage-size, storage-class and etcd-extra-args for the embedded etcd',
    );
  }
  const dataVolume = dataVolumePathsTouched(doc as Record<string, unknown>);
  if (dataVolume.length > 0) {
    return (
      // Stryker disable next-line LogicalOperator: bad() was called, so parseSettings throws and never uses this value
      bad(
        'values',
        `sets ${dataVolume.join(', ')}, which would give /data (the embedded etcd) a volume other than the control plane's volume claim`,
        'values without those keys; the migration keeps /data on controlPlane.statefulSet.persistence.volumeClaim (storage-size, storage-class)',
      ) ?? {}
    );
  }
  return doc as Record<string, unknown>;
}

/** Whether any mapping holds a '<<' key (a list's entries are keyed by index, so lists are searched too). */
function hasMergeKey(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false;
  return Object.entries(node).some(([k, v]) => k === '<<' || hasMergeKey(v));
}
