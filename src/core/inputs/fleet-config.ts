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

/** The prefix that says input namespaces is a label selector, whatever its requirements look like. */
export const SELECTOR_PREFIX = 'selector:';

/** How discover read input namespaces, for the log and the summary. */
export function describeScope(scope: NamespaceScope, matched?: number): string {
  if (scope.kind === 'all') return 'all namespaces (input namespaces is empty)';
  if (scope.kind === 'names')
    return `namespace${scope.names.length === 1 ? '' : 's'} ${scope.names.join(', ')} (input namespaces read as namespace names)`;
  const n = matched === undefined ? '' : `the ${matched} `;
  return `${n}namespaces matching label selector ${scope.selector} (input namespaces read as a label selector)`;
}

/**
 * Input namespaces: namespace names, or a label selector. The two are told apart by the
 * operators a selector needs (=, !=, !, in, notin) or by the prefix "selector:". A value holding
 * both a bare word that is a namespace name and a selector requirement ("team-a,env=prod") could be
 * either, so it is refused: a bare word in a selector means "the label exists", not "this namespace".
 */
export function readNamespaces(r: InputReader): NamespaceScope {
  const { bad, text } = r;
  const ns = text('namespaces');
  if (ns === '') return { kind: 'all' };
  const bothForms =
    'namespace names only, like "team-a,team-b", or a label selector only, like "env=prod,team in (a,b)"';
  if (ns.startsWith(SELECTOR_PREFIX)) {
    const selector = ns.slice(SELECTOR_PREFIX.length).trim();
    if (selector !== '' && validSelector(selector)) return { kind: 'selector', selector };
    return (
      bad(
        'namespaces',
        `${show(ns)} is not a label selector after "${SELECTOR_PREFIX}"`,
        `"${SELECTOR_PREFIX}" and a selector like "team-a,env=prod" (team-a: the label exists)`,
      ) ?? { kind: 'all' }
    );
  }
  if (/[=!()]/.test(ns)) {
    // Each line, and each requirement of it: the bare words that could be namespace names, and the rest.
    const parts = ns.split('\n').flatMap(requirements).filter(Boolean);
    const names = parts.filter((p) => DNS1123_LABEL.test(p));
    const rest = parts.filter((p) => !DNS1123_LABEL.test(p));
    if (names.length > 0 && rest.length > 0) {
      const few = (xs: string[]) =>
        `${xs.slice(0, 3).map(show).join(', ')}${xs.length > 3 ? ` and ${xs.length - 3} more` : ''}`;
      return (
        bad(
          'namespaces',
          `mixes the two forms: ${few(names)} read${names.length === 1 ? 's as a namespace name' : ' as namespace names'}, ${few(rest)} as ${rest.length === 1 ? 'a label selector requirement' : 'label selector requirements'}; discover reads one form, and in a label selector a bare word means "the label exists"`,
          `${bothForms}; to require that a label exists, say it is a selector: "${SELECTOR_PREFIX} ${ns.length <= 120 ? parts.join(',') : `${names[0]},${rest[0]}`}"`,
        ) ?? { kind: 'all' }
      );
    }
    if (validSelector(ns)) return { kind: 'selector', selector: ns };
    return (
      bad(
        'namespaces',
        `${show(ns)} is not a label selector`,
        'a selector like "team=a,env in (prod,staging)", or namespace names separated by commas or lines',
      ) ?? { kind: 'all' }
    );
  }
  const names = [...new Set(ns.split(/[\s,]+/).filter(Boolean))];
  const wrong = names.filter((n) => n.length > 63 || !DNS1123_LABEL.test(n));
  if (wrong.length > 0)
    return (
      bad(
        'namespaces',
        `${wrong.slice(0, 3).map(show).join(', ')}${wrong.length > 3 ? ` and ${wrong.length - 3} more` : ''} ${wrong.length === 1 ? 'is not a namespace name' : 'are not namespace names'}`,
        'DNS-1123 labels separated by commas or lines, or a label selector with =, != or in (...)',
      ) ?? { kind: 'all' }
    );
  return { kind: 'names', names };
}

/** Which namespaces discover reads, and what its matrix is for; every phase checks them. */
export function readFleetChoices(r: InputReader) {
  const { bad, text, bool } = r;
  const scope = readNamespaces(r);

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
