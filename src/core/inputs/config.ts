// Every input parsed once, before any cluster call, into one typed Settings object.
// All problems are collected so a user fixes them in one round, each naming the input,
// what is wrong and what would be right.
import { parse as parseYaml } from 'yaml';
import type { Phase } from '../types.ts';
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
import { DEFAULT_VOLATILE_PREFIXES } from '../migration/census.ts';

export type ChartRef =
  { kind: 'repo'; name: string; repo: string } | { kind: 'oci'; ref: string } | { kind: 'local'; path: string };

export interface Settings {
  release: string;
  namespace: string;
  chartVersion: ChartVersion;
  /** Set when chart-version is on a line newer than NEWEST_KNOWN_LINE and allow-newer-chart-line allowed it. */
  newerChartLine?: string;
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
  /** Which front door the run came through: the action (approval by a GitHub environment) or the CLI (by a named person). */
  door: FrontDoor;
  /** The CLI's approval: the person named by --approved-by. */
  approvedBy?: string;
}

export type FrontDoor = 'action' | 'cli';

export interface InputProblem {
  input: string;
  problem: string;
  expected: string;
}

export class InputError extends Error {
  readonly problems: InputProblem[];
  constructor(problems: InputProblem[]) {
    super(
      `${problems.length} input${problems.length === 1 ? ' is' : 's are'} not valid; nothing was changed:\n` +
        problems.map((p) => `- input '${p.input}': ${p.problem}. Expected: ${p.expected}.`).join('\n'),
    );
    this.name = 'InputError';
    this.problems = problems;
  }
}

export type GetInput = (name: string) => string;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const PHASES: readonly Phase[] = ['plan', 'migrate', 'finalize', 'status'];
const EXTRA_ARG = /^--[a-z0-9][a-z0-9-]*(=\S.*)?$/;
const MAX_VALUES_BYTES = 256 * 1024;
/** Text that would break a log line, a step output or a command line. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
export const CONTROL = /[\u0000-\u001f\u007f]/;

/** Shows a bad value safely: one line, bounded, quoted. */
export function show(value: string): string {
  const oneLine = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  return oneLine;
}

type Bad = (input: string, problem: string, expected: string) => undefined;

/** Ways a user writes a boolean in YAML 1.2 core schema, as @actions/core accepts. */
function parseBool(text: string): boolean | undefined {
  if (['true', 'True', 'TRUE'].includes(text)) return true;
  if (['false', 'False', 'FALSE'].includes(text)) return false;
  return undefined;
}

/**
 * What both parsers (this one and fleet-config.ts) read inputs with: every problem is collected by
 * bad() and thrown at once by done(), so a user fixes them all in one round.
 */
export function inputReader(get: GetInput) {
  const problems: InputProblem[] = [];
  const bad: Bad = (input, problem, expected) => {
    problems.push({ input, problem, expected });
    return undefined;
  };
  const text = (name: string): string => get(name).trim();
  /** An optional input of one line (a name, a path, a sentence): empty gives undefined. */
  const line = (name: string, expected: string, problem = 'contains a control character'): string | undefined => {
    const v = text(name);
    if (v === '') return undefined;
    if (CONTROL.test(v)) bad(name, problem, expected);
    return v;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const v = text(name);
    if (v === '') return fallback;
    const b = parseBool(v);
    return b ?? bad(name, `${show(v)} is not a boolean`, 'true or false') ?? fallback;
  };
  /** Inputs kubeconfig and context; the kubeconfig is a secret, so no message quotes it. */
  const kube = (): { kubeconfig?: string; context?: string } => {
    const raw = get('kubeconfig');
    const kubeconfig = raw.trim() ? raw : undefined;
    if (kubeconfig !== undefined) {
      let doc: unknown;
      try {
        doc = parseYaml(kubeconfig, { maxAliasCount: 20 });
      } catch {
        // Not YAML: doc stays undefined and is refused below.
      }
      if (!doc || typeof doc !== 'object' || !('clusters' in doc)) {
        bad(
          'kubeconfig',
          'is not a kubeconfig (not YAML with a clusters list); its content is not shown',
          'the content of a kubeconfig file, for example from a repository secret',
        );
      }
    }
    return { kubeconfig, context: line('context', 'a context name from the kubeconfig') };
  };
  const done = (): void => {
    if (problems.length > 0) throw new InputError(problems);
  };
  return { bad, text, line, bool, kube, done };
}

export function parseSettings(get: GetInput, door: FrontDoor = 'action'): Settings {
  const { bad, text, line, bool, kube, done } = inputReader(get);

  // After a problem these give undefined: parseSettings throws before any value is used.
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
  const release = label('release', 53)!;
  const namespace = label('namespace', 63)!;

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
  const allowNewer = bool('allow-newer-chart-line', false);
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

  const phaseText = text('phase') || 'migrate';
  const phase = PHASES.includes(phaseText as Phase)
    ? (phaseText as Phase)
    : bad('phase', `${show(phaseText)} is not a phase`, [...PHASES, 'discover'].join(', '));

  const chart = parseChart(text('chart') || 'vcluster', text('chart-repo') || 'https://charts.loft.sh', bad);

  const storageSize = text('storage-size') || undefined;
  if (storageSize !== undefined && parseQuantity(storageSize) === undefined) {
    bad('storage-size', `${show(storageSize)} is not a Kubernetes quantity`, 'a size like 5Gi, 20Gi or 500Mi');
  } else if (storageSize !== undefined && (parseQuantity(storageSize) ?? 0) <= 0) {
    bad('storage-size', `${show(storageSize)} is zero`, 'a positive size like 5Gi');
  }
  const storageClass = text('storage-class') || undefined;
  // Stryker disable next-line ConditionalExpression: a regex tests undefined as the text 'undefined', which passes; the check is for tsc
  if (storageClass !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(storageClass)) {
    bad(
      'storage-class',
      `${show(storageClass)} is not a StorageClass name`,
      'a DNS-1123 subdomain like "gp3" or "standard"',
    );
  }

  const etcdExtraArgs = parseExtraArgs(get('etcd-extra-args'), chartVersion, bad);
  const extraValues = parseValuesInput(get('values'), bad)!;

  const { kubeconfig, context } = kube();

  const duration = (name: string, fallback: string, min: number): number | undefined => {
    const v = text(name) || fallback;
    const ms = parseDuration(v);
    if (ms === undefined) return bad(name, `${show(v)} is not a duration`, 'a duration like 90s, 10m or 1h');
    if (ms < min) return bad(name, `${show(v)} is too short`, `at least ${min / 1000}s`);
    return ms;
  };
  const timeoutMs = duration('timeout', '10m', 30_000)!;
  const migrationTimeoutMs = duration('migration-timeout', '15m', 10_000)!;

  const requireApproval = bool('require-approval', true);
  const deleteEtcdPvcs = bool('delete-etcd-pvcs', false);
  const orphanOnForbidden = bool('orphan-on-forbidden', true);
  const acceptLostLogLine = bool('accept-lost-log-line', false);

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
  const approvedBy =
    door === 'cli' ? line('approved-by', 'the name of the person who approves, on one line') : undefined;
  if (phase === 'finalize' && requireApproval && door === 'action' && approvalEnvironment === undefined) {
    bad(
      'approval-environment',
      'is empty, and finalize needs a verified approval',
      'the GitHub environment with required reviewers that the finalize job names',
    );
  }
  if (phase === 'finalize' && requireApproval && door === 'cli' && approvedBy === undefined) {
    bad(
      'approved-by',
      'is empty, and finalize needs a named approval',
      'the name of the person who approves phase two, with --yes or the release name typed at the prompt',
    );
  }

  const backupText = text('backup') || 'required';
  const backup =
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
  const backupDir = line('backup-dir', 'a directory path on the runner');

  const extraVolatile = get('volatile-prefixes')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (const p of extraVolatile) {
    if (CONTROL.test(p) || !p.startsWith('/'))
      bad(
        'volatile-prefixes',
        `${show(p)} is not an etcd key prefix`,
        'one prefix per line starting with "/", like /registry/leases/',
      );
  }

  // The built-in volatile groups always apply; the input only adds to them.
  const volatilePrefixes = [...DEFAULT_VOLATILE_PREFIXES, ...extraVolatile];
  const prText = text('pr-number');
  let prNumber: number | undefined;
  if (prText !== '') {
    prNumber = /^[1-9]\d{0,9}$/.test(prText)
      ? Number(prText)
      : bad('pr-number', `${show(prText)} is not a pull request number`, 'a positive whole number');
  }
  const githubToken = text('github-token') || undefined;
  const gitopsPaused = bool('gitops-paused', false);
  const valuesDir = line('values-dir', 'a directory path on the runner, like gitops/vclusters');

  done();
  return {
    release,
    namespace,
    chartVersion: chartVersion!,
    newerChartLine,
    phase: phase!,
    chart: chart!,
    storageSize,
    storageClass,
    etcdExtraArgs,
    extraValues,
    kubeconfig,
    context,
    timeoutMs,
    migrationTimeoutMs,
    acceptLostLogLine,
    approvalEnvironment,
    requireApproval,
    deleteEtcdPvcs,
    orphanOnForbidden,
    backup: backup!,
    backupSkipReason,
    backupDir,
    volatilePrefixes,
    prNumber,
    githubToken,
    gitopsPaused,
    valuesDir,
    door,
    approvedBy,
  };
}

function parseChart(chart: string, repo: string, bad: Bad): ChartRef | undefined {
  if (CONTROL.test(chart))
    return bad('chart', 'contains a control character', 'a chart name, an oci:// reference or a chart directory');
  if (chart.startsWith('oci://')) {
    return /^[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._-]+)+$/.test(chart.slice('oci://'.length))
      ? { kind: 'oci', ref: chart }
      : bad('chart', `${show(chart)} is not an OCI chart reference`, 'oci://registry.example.com/path/vcluster');
  }
  if (chart.startsWith('/') || chart.startsWith('./') || chart.startsWith('../')) {
    return { kind: 'local', path: chart };
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(chart)) {
    return bad(
      'chart',
      `${show(chart)} is not a chart name`,
      'a chart name like vcluster, an oci:// reference, or a directory path starting with ./ or /',
    );
  }
  if (CONTROL.test(repo) || !/^https?:\/\/[^\s]+$/.test(repo)) {
    return bad('chart-repo', `${show(repo)} is not a repository URL`, 'an https:// URL like https://charts.loft.sh');
  }
  return { kind: 'repo', name: chart, repo };
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
