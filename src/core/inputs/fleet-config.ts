// The inputs of phase discover, parsed once before any cluster call. Like config.ts, every problem
// is collected and each names the input, what is wrong and what would be right.
import { CONTROL, inputReader, show, type GetInput } from './config.ts';
import { atLeast, parseChartVersion, MIN_MIGRATION, type ChartVersion } from './version.ts';
import { MATRIX_MAX, type NextPhase } from '../fleet/matrix.ts';
import type { CampaignSettings, CanaryChoice } from '../fleet/campaign.ts';

/** Which namespaces discover reads: all, a list, or a label selector. */
export type NamespaceScope =
  { kind: 'all' } | { kind: 'names'; names: string[] } | { kind: 'selector'; selector: string };

export interface FleetSettings {
  phase: 'discover';
  scope: NamespaceScope;
  chartVersion: ChartVersion | 'keep';
  maxReleases: number;
  nextPhase: NextPhase;
  /** Read Helm release Secrets and vc-config Secrets, metadata only. */
  secrets: boolean;
  gitopsPaused: boolean;
  /** Set by input `waves`: the fleet runs as a campaign in waves. */
  campaign?: Omit<CampaignSettings, 'batchSize'>;
  kubeconfig?: string;
  context?: string;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Splits a selector at the commas outside parentheses. */
function requirements(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of selector) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

/** Whether each requirement is one of Kubernetes' label selector forms. */
export function validSelector(selector: string): boolean {
  if (selector.length > 1000 || CONTROL.test(selector)) return false;
  return requirements(selector).every((r) => {
    let m = /^!?\s*(\S+)$/.exec(r);
    if (m && !/[=!()]/.test(m[1]!)) return LABEL_NAME.test(m[1]!);
    m = /^(\S+?)\s*(==|!=|=)\s*(\S*)$/.exec(r);
    if (m) return LABEL_NAME.test(m[1]!) && LABEL_VALUE.test(m[3]!);
    m = /^(\S+)\s+(in|notin)\s+\(([^()]*)\)$/.exec(r);
    if (m)
      return LABEL_NAME.test(m[1]!) && m[3]!.split(',').every((v) => LABEL_VALUE.test(v.trim()) && v.trim() !== '');
    return false;
  });
}

export function parseFleetSettings(get: GetInput): FleetSettings {
  const { bad, text, bool, kube, done } = inputReader(get);

  for (const name of ['release', 'namespace']) {
    if (text(name) !== '')
      bad(
        name,
        `is set (${show(text(name))}), but phase discover lists every vCluster release`,
        "no release or namespace input with phase discover; narrow the fleet with 'namespaces'",
      );
  }

  const ns = text('namespaces');
  let scope: NamespaceScope = { kind: 'all' };
  if (/[=!(]/.test(ns)) {
    if (validSelector(ns)) scope = { kind: 'selector', selector: ns };
    else
      bad(
        'namespaces',
        `${show(ns)} is not a label selector`,
        'a selector like "team=a,env in (prod,staging)", or namespace names separated by commas or lines',
      );
  } else if (ns !== '') {
    const names = [...new Set(ns.split(/[\s,]+/).filter(Boolean))];
    const wrong = names.filter((n) => n.length > 63 || !DNS1123_LABEL.test(n));
    if (wrong.length > 0)
      bad(
        'namespaces',
        `${wrong.slice(0, 3).map(show).join(', ')} ${wrong.length === 1 ? 'is not a namespace name' : 'are not namespace names'}`,
        'DNS-1123 labels separated by commas or lines, or a label selector with =, != or in (...)',
      );
    else scope = { kind: 'names', names };
  }

  const versionText = text('chart-version');
  let chartVersion: ChartVersion | 'keep' | undefined;
  if (versionText === 'keep') chartVersion = 'keep';
  else if (!versionText)
    bad(
      'chart-version',
      'is empty',
      'keep (each release keeps its installed chart version), or a version like 0.27.0 for all',
    );
  else {
    chartVersion = parseChartVersion(versionText);
    if (!chartVersion)
      bad('chart-version', `${show(versionText)} is not a semantic version or keep`, 'keep, or a version like 0.27.0');
    else if (!atLeast(chartVersion, MIN_MIGRATION)) {
      bad(
        'chart-version',
        `${chartVersion.text} cannot migrate: migrateFromDeployedEtcd exists from chart ${MIN_MIGRATION}`,
        `${MIN_MIGRATION} or later, or keep`,
      );
    }
  }

  const maxText = text('max-releases') || String(MATRIX_MAX);
  const maxReleases =
    /^[1-9]\d{0,3}$/.test(maxText) && Number(maxText) <= MATRIX_MAX
      ? Number(maxText)
      : bad(
          'max-releases',
          `${show(maxText)} is not a whole number from 1 to ${MATRIX_MAX}`,
          `1 to ${MATRIX_MAX}: GitHub expands a matrix into at most ${MATRIX_MAX} jobs`,
        );

  const nextText = text('next-phase') || 'migrate';
  const nextPhase =
    nextText === 'migrate' || nextText === 'finalize'
      ? nextText
      : bad(
          'next-phase',
          `${show(nextText)} is not a phase a matrix runs`,
          'migrate (deployed and migrating releases) or finalize (verified releases)',
        );

  const campaign = campaignInputs(text, bad);

  const secrets = bool('discover-secrets', false);
  const gitopsPaused = bool('gitops-paused', false);
  const { kubeconfig, context } = kube();

  done();
  return {
    phase: 'discover',
    scope,
    chartVersion: chartVersion!,
    maxReleases: maxReleases!,
    nextPhase: nextPhase!,
    secrets,
    gitopsPaused,
    ...(campaign ? { campaign } : {}),
    kubeconfig,
    context,
  };
}

const WAVE_SIZE = /^[1-9]\d{0,5}$/;
const RELEASE_REF = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Inputs waves, canary, max-failures, after-batch and batch; undefined when waves is empty (no campaign). */
function campaignInputs(
  text: (name: string) => string,
  bad: (input: string, problem: string, expected: string) => undefined,
): Omit<CampaignSettings, 'batchSize'> | undefined {
  const wavesText = text('waves');
  const others = ['canary', 'after-batch', 'batch'].filter((n) => text(n) !== '');
  const maxText = text('max-failures');
  if (wavesText === '') {
    for (const n of [...others, ...(maxText !== '' && maxText !== '0' ? ['max-failures'] : [])])
      bad(
        n,
        'is set, but input waves is empty',
        'waves, like 1,5,25,rest, to run the fleet as a campaign; or leave it empty',
      );
    return undefined;
  }
  const parts = wavesText.split(',').map((x) => x.trim());
  const rest = parts[parts.length - 1] === 'rest';
  const numbers = rest ? parts.slice(0, -1) : parts;
  let sizes: number[] | undefined = numbers.map(Number);
  if ((numbers.length === 0 && !rest) || !numbers.every((x) => WAVE_SIZE.test(x)))
    sizes = bad(
      'waves',
      `${show(wavesText)} is not a list of wave sizes`,
      'whole numbers from 1 separated by commas, the last may be rest, like 1,5,25,rest (without rest the last size repeats)',
    );

  let canary: CanaryChoice | undefined;
  const canaryText = text('canary');
  if (canaryText.includes('=')) {
    const m = /^([^=\s]+)=([^=\s]*)$/.exec(canaryText);
    const name = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
    if (m && name.test(m[1]!) && !CONTROL.test(m[2]!)) canary = { kind: 'mark', key: m[1]!, value: m[2]! };
    else
      bad(
        'canary',
        `${show(canaryText)} is not one key=value`,
        'a label or annotation key=value on the namespace or control plane, like example.com/wave=canary; or namespace/release names',
      );
  } else if (canaryText !== '') {
    const releases = [...new Set(canaryText.split(/[\s,]+/).filter(Boolean))];
    const wrong = releases.filter((r) => !RELEASE_REF.test(r));
    if (wrong.length > 0)
      bad(
        'canary',
        `${wrong.slice(0, 3).map(show).join(', ')} ${wrong.length === 1 ? 'is not' : 'are not'} namespace/release`,
        'namespace/release names separated by commas or lines, or one label or annotation key=value',
      );
    else canary = { kind: 'releases', releases };
  }

  const count = (name: string, min: number): number | undefined => {
    const v = text(name);
    if (v === '') return undefined;
    return /^\d{1,6}$/.test(v) && Number(v) >= min
      ? Number(v)
      : bad(name, `${show(v)} is not a whole number from ${min}`, `a whole number from ${min}, or empty`);
  };
  const maxFailures = count('max-failures', 0) ?? 0;
  const afterBatch = count('after-batch', 1);
  const batch = count('batch', 1);
  if (afterBatch !== undefined && batch !== undefined)
    bad(
      'batch',
      'is set together with after-batch',
      'batch (finalize the batch migrate just ran) or after-batch (start the batch after it), not both',
    );
  if (!sizes) return undefined;
  return {
    sizes,
    rest,
    ...(canary ? { canary } : {}),
    maxFailures,
    ...(afterBatch !== undefined ? { afterBatch } : {}),
    ...(batch !== undefined ? { batch } : {}),
  };
}
