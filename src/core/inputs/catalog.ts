// Every input of the action, in one table: what it is, its default, which phases require it and
// which read it, and whether it is a secret. action.yml repeats name, description, default and
// required-ness because the runner reads them from there; a test and `npm run docs -- --check`
// keep the two equal.

export type PhaseName = 'plan' | 'migrate' | 'finalize' | 'abort' | 'status' | 'discover';

export const PHASE_NAMES: readonly PhaseName[] = ['plan', 'migrate', 'finalize', 'abort', 'status', 'discover'];
const RELEASE_PHASES: readonly PhaseName[] = ['plan', 'migrate', 'finalize', 'abort', 'status'];
const CHANGING: readonly PhaseName[] = ['migrate', 'finalize', 'abort'];
/** The phases that compute the values files. */
const VALUES_PHASES: readonly PhaseName[] = ['plan', 'migrate', 'finalize'];

export interface InputSpec {
  name: string;
  description: string;
  /** What the runner passes when the workflow does not set the input ('' for none). */
  default: string;
  /** Whether action.yml marks it required (the runner refuses a workflow that omits it). */
  required: boolean;
  /** The phases that refuse the input empty (beyond `required`, which means every phase). */
  requiredBy: readonly PhaseName[];
  /** The phases that read it; a value given to another phase is checked, then warned about. */
  phases: readonly PhaseName[];
  /** Never shown: masked in the log as soon as it is read. */
  secret: boolean;
}

const input = (
  name: string,
  phases: readonly PhaseName[],
  description: string,
  more: Partial<Pick<InputSpec, 'default' | 'required' | 'requiredBy' | 'secret'>> = {},
): InputSpec => ({
  name,
  description,
  default: more.default ?? '',
  required: more.required ?? false,
  requiredBy: more.requiredBy ?? (more.required ? PHASE_NAMES : []),
  phases,
  secret: more.secret ?? false,
});

export const INPUTS: readonly InputSpec[] = [
  input(
    'release',
    RELEASE_PHASES,
    'Helm release name of the vCluster (DNS-1123 label, at most 53 characters). Required by every phase but discover.',
    { requiredBy: RELEASE_PHASES },
  ),
  input(
    'namespace',
    RELEASE_PHASES,
    'Namespace of the vCluster release (DNS-1123 label, at most 63 characters). Required by every phase but discover.',
    { requiredBy: RELEASE_PHASES },
  ),
  input(
    'chart-version',
    PHASE_NAMES,
    'vCluster chart version to upgrade to, 0.24.2 or later (a leading v is accepted). With phase discover also keep (each release keeps its installed version).',
    { required: true },
  ),
  input(
    'allow-newer-chart-line',
    RELEASE_PHASES,
    'Run with a chart-version on a line newer than the newest this action knows (0.36). Its values and behaviour are unchecked; the summary and PR comment say so in bold.',
    { default: 'false' },
  ),
  input(
    'phase',
    PHASE_NAMES,
    'plan (read-only dry run, the default), migrate (phase one), finalize (phase two), abort (the way back before phase two: the release returns to its deployed etcd with every key the virtual cluster wrote), status (read-only report) or discover (read-only: every vCluster release of the host cluster, and a matrix for the next phase). An empty value is refused.',
    { default: 'plan', requiredBy: PHASE_NAMES },
  ),
  input('chart', RELEASE_PHASES, 'Chart name in chart-repo, an oci:// reference, or a local chart directory.', {
    default: 'vcluster',
  }),
  input('chart-repo', RELEASE_PHASES, 'Helm repository URL used when chart is a plain name.', {
    default: 'https://charts.loft.sh',
  }),
  input(
    'storage-size',
    VALUES_PHASES,
    "Size of the embedded etcd volume (a Kubernetes quantity). Default is what the release has, else the chart default 5Gi. Never smaller than the deployed etcd's PVC.",
  ),
  input(
    'storage-class',
    VALUES_PHASES,
    "Storage class of the embedded etcd volume. Default is what the release has, else the cluster's default class.",
  ),
  input(
    'etcd-extra-args',
    VALUES_PHASES,
    'Extra embedded etcd flags, one --flag=value per line (chart 0.26.0 or later).',
  ),
  input(
    'values',
    VALUES_PHASES,
    'Extra Helm values (YAML) merged into the computed values. Must not set the keys the migration owns.',
    { secret: true },
  ),
  input(
    'kubeconfig',
    PHASE_NAMES,
    'Kubeconfig content. Written to a private temp file and removed at exit; never printed. Default is KUBECONFIG, else the in-cluster service account.',
    { secret: true },
  ),
  input('context', PHASE_NAMES, "Kubeconfig context to use. Default is the kubeconfig's current context."),
  input('timeout', CHANGING, 'Timeout of each helm upgrade --wait, as 90s, 10m or 1h.', { default: '10m' }),
  input(
    'migration-timeout',
    ['migrate'],
    "How long to wait for vCluster's success log line after the phase-one upgrade.",
    {
      default: '15m',
    },
  ),
  input(
    'accept-lost-log-line',
    ['migrate'],
    "Only when migrate stopped because the control-plane pod that ran the copy was replaced after the upgrade (its log, with the success line, is gone): accept equal key counts and the same keys and values of both etcds, per resource, as phase one's proof instead. The summary and PR comment say so in bold.",
    { default: 'false' },
  ),
  input(
    'approval-environment',
    CHANGING,
    'GitHub environment whose approval phase two and abort need (required for finalize and abort).',
  ),
  input(
    'require-approval',
    ['finalize', 'abort'],
    "Set to false only where the repository's plan has no required reviewers: finalize and abort then run without a verified approval and say so in bold.",
    { default: 'true' },
  ),
  input(
    'delete-etcd-pvcs',
    ['finalize'],
    "After a verified finalize, delete the deployed etcd's PVCs (their data is gone for good). true is refused by every other phase.",
    { default: 'false' },
  ),
  input(
    'abort-source',
    ['abort'],
    'abort only, when phase one was never verified and both etcds hold writes the other lacks: embedded or deployed, the etcd whose keyspace the release keeps (what the other loses is listed in the summary). Empty: abort decides from the state record and the comparison of both etcds, and refuses rather than guess.',
  ),
  input(
    'delete-stale-embedded-pvc',
    ['migrate'],
    "migrate only: delete the embedded etcd PVC (data-<release>-0) an abort left, instead of refusing. Its data is gone for good (the abort's snapshot still has it).",
    { default: 'false' },
  ),
  input(
    'orphan-on-forbidden',
    CHANGING,
    "On 'StatefulSet.apps ... is invalid: spec: Forbidden', delete that StatefulSet with orphan propagation (pods keep running) and retry the upgrade once.",
    { default: 'true' },
  ),
  input(
    'backup',
    ['migrate'],
    'required (take and verify an etcd snapshot of the deployed etcd before phase one) or skip (needs backup-skip-reason).',
    { default: 'required' },
  ),
  input('backup-skip-reason', ['migrate'], 'Why the backup is skipped; shown in bold in the summary and PR comment.'),
  input(
    'backup-dir',
    ['migrate', 'abort'],
    'Absolute directory on the runner for the snapshot (abort: of the embedded etcd at the stop). Default is a directory under RUNNER_TEMP.',
  ),
  input(
    'volatile-prefixes',
    ['plan', 'migrate', 'finalize', 'abort', 'status'],
    'Extra etcd key prefixes whose counts may change between two moments (one per line), on top of events, leases and compact_rev_key.',
  ),
  input('pr-number', RELEASE_PHASES, 'Pull request to comment on when the run does not belong to one.'),
  input(
    'namespaces',
    ['discover'],
    'discover: namespaces to read, as names separated by commas or lines (one set of list calls per namespace), or a label selector on namespaces like team=a,env in (prod) (a value that reads as both is refused; prefix selector: to force a selector). Default: all namespaces.',
  ),
  input(
    'max-releases',
    ['discover'],
    "discover: at most this many releases in the matrix (1 to 256, GitHub's matrix limit); output releases-left says how many wait for the next run.",
    { default: '256' },
  ),
  input(
    'next-phase',
    ['discover'],
    'discover: which phase the matrix is for: migrate (deployed and migrating releases) or finalize (verified releases).',
    { default: 'migrate' },
  ),
  input(
    'waves',
    ['discover'],
    'discover: run the fleet as a campaign in waves: the sizes of the waves after the canaries, like 1,5,25,rest (rest takes all that is left; without it the last size repeats). Each release is in one wave, chosen the same on every run; a wave larger than max-releases runs as several batches. Empty: no campaign.',
  ),
  input(
    'canary',
    ['discover'],
    'discover, with waves: the releases that go first, as one label or annotation key=value on their namespace or control plane (like example.com/wave=canary), or namespace/release names separated by commas. Nothing starts while none is found.',
  ),
  input(
    'max-failures',
    ['discover'],
    'discover, with waves: how many failed or refused releases the campaign tolerates; beyond that no later wave starts. A failed release is never taken up by a later wave; a new run of the workflow resumes its wave with it.',
    { default: '0' },
  ),
  input(
    'after-batch',
    ['discover'],
    "discover, with waves: the batch the workflow's previous wave step ran (its output batch): what of it is not embedded counts as failed, and the matrix is the next batch's. Empty: the first batch not done (a new run resumes there).",
  ),
  input(
    'batch',
    ['discover'],
    "discover, with waves and next-phase: finalize: the batch whose verified releases the matrix holds (the plan step's output batch).",
  ),
  input(
    'discover-secrets',
    ['discover'],
    "discover: also list Secrets, metadata only (never their data), for the Helm release status and vc-config's store annotation. Needs list on secrets, which Kubernetes RBAC grants for every Secret; without it discover goes on and says so.",
    { default: 'false' },
  ),
  input(
    'gitops-paused',
    ['plan', 'migrate', 'finalize', 'abort', 'discover'],
    'Say that the Argo CD, Flux or vCluster Platform controller managing the release is paused: migrate, finalize and abort then go ahead (and say so in bold) instead of refusing. A Flux HelmRelease or Argo CD Application the credentials can read in the cluster is checked: one that is not paused is refused all the same (examples/rbac-gitops.yaml grants that read).',
    { default: 'false' },
  ),
  input(
    'values-dir',
    VALUES_PHASES,
    'Absolute directory where the phase-one and phase-two values files are written (mode 0600), for example to commit them to a GitOps repository after plan. Default: a private directory under RUNNER_TEMP.',
  ),
  input(
    'github-token',
    RELEASE_PHASES,
    'Token for the approval check (actions read) and the PR comment (pull-requests write).',
    { default: '${{ github.token }}', secret: true },
  ),
];

export const INPUT_NAMES: ReadonlySet<string> = new Set(INPUTS.map((i) => i.name));

export function inputSpec(name: string): InputSpec {
  const spec = INPUTS.find((i) => i.name === name);
  if (!spec) throw new Error(`no input named ${name} in the catalog`);
  return spec;
}

/** The default as a value: '' for a default the runner evaluates (a `${{ }}` expression). */
export function literalDefault(name: string): string {
  const d = inputSpec(name).default;
  return d.startsWith('${{') ? '' : d;
}

/**
 * The inputs given a value other than their default that `phase` does not read: checked like the
 * others, then named in a warning so a user does not believe they took effect.
 */
export function ignoredInputs(phase: PhaseName, get: (name: string) => string): InputSpec[] {
  return INPUTS.filter((i) => {
    // The runner fills an expression default (the run's token) in: given and not given look alike.
    if (i.phases.includes(phase) || i.default.startsWith('${{')) return false;
    const v = get(i.name).trim();
    return v !== '' && v !== i.default;
  });
}

/** The warning for an input the phase does not read. */
export function ignoredWarning(phase: PhaseName, spec: InputSpec): string {
  return `input '${spec.name}' is set, but phase ${phase} does not read it (it applies to ${spec.phases.join(', ')}); it was checked and has no effect in this run`;
}

/** Where action.yml and the catalog disagree, one line each; empty when they agree. */
export function catalogMismatches(
  actionInputs: Record<string, { description?: string; required?: boolean; default?: string }>,
): string[] {
  const out: string[] = [];
  const yml = Object.keys(actionInputs);
  const names = INPUTS.map((i) => i.name);
  for (const n of yml) if (!INPUT_NAMES.has(n)) out.push(`action.yml has input '${n}', the catalog has not`);
  for (const n of names) if (!(n in actionInputs)) out.push(`the catalog has input '${n}', action.yml has not`);
  if (out.length === 0 && yml.join(',') !== names.join(','))
    out.push('action.yml lists the inputs in another order than the catalog');
  for (const spec of INPUTS) {
    const a = actionInputs[spec.name];
    if (!a) continue;
    if ((a.description ?? '').trim() !== spec.description)
      out.push(`input '${spec.name}': action.yml's description differs from the catalog's`);
    if ((a.required ?? false) !== spec.required)
      out.push(
        `input '${spec.name}': action.yml says required ${String(a.required ?? false)}, the catalog ${String(spec.required)}`,
      );
    if ((a.default ?? '') !== spec.default)
      out.push(
        `input '${spec.name}': action.yml's default ${JSON.stringify(a.default ?? '')} differs from the catalog's ${JSON.stringify(spec.default)}`,
      );
  }
  return out;
}

/**
 * What to mask of a secret input as soon as it is read: the whole value and, for a multi-line one
 * (a kubeconfig, Helm values), each line's value after "key:" where the key names a credential, as
 * the runner masks a multi-line value as a whole only.
 */
export function secretsToMask(get: (name: string) => string): string[] {
  const out: string[] = [];
  for (const spec of INPUTS.filter((i) => i.secret)) {
    const v = get(spec.name).trim();
    if (v === '') continue;
    out.push(v);
    for (const line of v.split('\n')) {
      const m =
        /^\s*-?\s*[\w.-]*(token|password|secret|key|data|credential)[\w.-]*\s*:\s*["']?([^"'\s]{8,})["']?\s*$/i.exec(
          line,
        );
      if (m) out.push(m[2]!);
    }
  }
  return out;
}
