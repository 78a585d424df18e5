// The inputs of phase discover, parsed once before any cluster call: which releases it reads, and
// what the matrix it writes is for.
import { CONTROL, show, type InputReader } from './input-reader.ts';
import { atLeast, parseChartVersion, MIN_MIGRATION, type ChartVersion } from './version.ts';
import { MATRIX_MAX, type NextPhase } from '../fleet/matrix.ts';
import { readCampaign, type CampaignChoices } from './campaign-config.ts';

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
  campaign?: CampaignChoices;
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

/** Which namespaces discover reads, and what its matrix is for; every phase checks them. */
export function readFleetChoices(r: InputReader) {
  const { bad, text, bool } = r;
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

  const maxText = text('max-releases');
  const maxReleases =
    /^[1-9]\d{0,3}$/.test(maxText) && Number(maxText) <= MATRIX_MAX
      ? Number(maxText)
      : bad(
          'max-releases',
          `${show(maxText)} is not a whole number from 1 to ${MATRIX_MAX}`,
          `1 to ${MATRIX_MAX}: GitHub expands a matrix into at most ${MATRIX_MAX} jobs`,
        );

  const nextText = text('next-phase');
  const nextPhase: NextPhase | undefined =
    nextText === 'migrate' || nextText === 'finalize'
      ? nextText
      : bad(
          'next-phase',
          `${show(nextText)} is not a phase a matrix runs`,
          'migrate (deployed and migrating releases) or finalize (verified releases)',
        );
  return { scope, maxReleases, nextPhase, secrets: bool('discover-secrets'), campaign: readCampaign(r) };
}

/** The chart version of every release discover finds; no single release. */
function readFleetTarget(r: InputReader): ChartVersion | 'keep' | undefined {
  const { bad, text } = r;
  for (const name of ['release', 'namespace']) {
    if (text(name) !== '')
      bad(
        name,
        `is set (${show(text(name))}), but phase discover lists every vCluster release`,
        "no release or namespace input with phase discover; narrow the fleet with 'namespaces'",
      );
  }
  const versionText = text('chart-version');
  if (versionText === 'keep') return 'keep';
  if (!versionText) {
    bad(
      'chart-version',
      'is empty',
      'keep (each release keeps its installed chart version), or a version like 0.27.0 for all',
    );
    return undefined;
  }
  const chartVersion = parseChartVersion(versionText);
  if (!chartVersion)
    bad('chart-version', `${show(versionText)} is not a semantic version or keep`, 'keep, or a version like 0.27.0');
  else if (!atLeast(chartVersion, MIN_MIGRATION)) {
    bad(
      'chart-version',
      `${chartVersion.text} cannot migrate: migrateFromDeployedEtcd exists from chart ${MIN_MIGRATION}`,
      `${MIN_MIGRATION} or later, or keep`,
    );
  }
  return chartVersion;
}

/** The FleetSettings of discover; undefined values only after a problem, when `done()` throws. */
export function readFleetSettings(r: InputReader): FleetSettings {
  const chartVersion = readFleetTarget(r);
  const choices = readFleetChoices(r);
  const { kubeconfig, context } = r.kube();
  return {
    phase: 'discover',
    scope: choices.scope,
    chartVersion: chartVersion!,
    maxReleases: choices.maxReleases!,
    nextPhase: choices.nextPhase!,
    secrets: choices.secrets,
    gitopsPaused: r.bool('gitops-paused'),
    ...(choices.campaign ? { campaign: choices.campaign } : {}),
    kubeconfig,
    context,
  };
}
