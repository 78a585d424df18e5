// Whether a GitOps controller manages a vCluster release, from the marks each controller leaves on
// the objects it applies. Such a controller puts the release back to its source's values after a
// manual `helm upgrade`; after phase one that revert meets vCluster's store check and the control
// plane refuses to start. Pure: takes labels and annotations, returns what was found and what to do.

export type GitOpsController = 'Argo CD' | 'Flux' | 'vCluster Platform';

export interface MarkedObject {
  /** e.g. "StatefulSet my-vc" or "Namespace team-a". */
  what: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface GitOpsMark {
  controller: GitOpsController;
  /** The controller's object that owns the release, e.g. "Application vc-team-a" or "HelmRelease flux-system/vc". */
  owner: string;
  /** The label or annotation that showed it, and on which object. */
  evidence: string;
  /** What a person does before migrate or finalize may run. */
  todo: string;
  /** Where the host cluster may hold that object, whose spec says whether the controller is paused. */
  object?: ControllerObject;
}

/** A controller's object in the host cluster: Flux's HelmRelease or Argo CD's Application. */
export interface ControllerObject {
  kind: 'HelmRelease' | 'Application';
  group: 'helm.toolkit.fluxcd.io' | 'argoproj.io';
  plural: 'helmreleases' | 'applications';
  namespace: string;
  name: string;
  /** Set when the marks did not name the namespace and it is the controller's default. */
  namespaceAssumed?: string;
}

/** The API versions to read an object at, newest first (each served version converts the same object). */
export const CONTROLLER_VERSIONS: Record<ControllerObject['kind'], readonly string[]> = {
  HelmRelease: ['v2', 'v2beta2', 'v2beta1'],
  Application: ['v1alpha1'],
};

/** What the adapter read of a controller's object. */
export type ControllerReading =
  | {
      object: ControllerObject;
      state: 'read';
      version: string;
      annotations?: Record<string, string>;
      spec?: unknown;
    }
  /** forbidden: RBAC; absent: no such object or no such CRD; error: anything else. */
  | { object: ControllerObject; state: 'forbidden' | 'absent' | 'error'; why: string };

export const refOf = (o: ControllerObject): string => `${o.kind} ${o.namespace}/${o.name}`;

const ARGO_TRACKING = 'argocd.argoproj.io/tracking-id';
const ARGO_INSTANCE = 'argocd.argoproj.io/instance';
const STANDARD_INSTANCE = 'app.kubernetes.io/instance';
const FLUX_NAME = 'helm.toolkit.fluxcd.io/name';
const FLUX_NAMESPACE = 'helm.toolkit.fluxcd.io/namespace';
const PLATFORM_NAME = 'loft.sh/vcluster-instance-name';
const PLATFORM_NAMESPACE = 'loft.sh/vcluster-instance-namespace';

/** Where Argo CD keeps its Applications unless told otherwise (its install manifests' namespace). */
export const ARGO_DEFAULT_NAMESPACE = 'argocd';

const ARGO_TODO = (app: string) =>
  `turn off automated sync of Argo CD Application ${app} (remove spec.syncPolicy.automated), put the values plan wrote into its source, then run with gitops-paused: true`;
const FLUX_TODO = (hr: string, ns: string, name: string) =>
  `suspend HelmRelease ${hr} (flux suspend helmrelease ${name} -n ${ns}), put the values plan wrote into its spec.values, then run with gitops-paused: true; resume it only once Git holds those values`;
const PLATFORM_TODO = (vci: string) =>
  `change the values of VirtualClusterInstance ${vci} in vCluster Platform (or detach the release from it) instead of upgrading it by hand, then run with gitops-paused: true`;

/** The Argo CD Application a mark names, and the mark: tracking annotation, instance label, or standard label. */
function argoApp(release: string, o: MarkedObject): { app: string; evidence: string } | undefined {
  const tracking = o.annotations?.[ARGO_TRACKING];
  // "<app>:<group>/<kind>:<namespace>/<name>"; the app may be "<namespace>_<name>".
  if (tracking)
    return { app: tracking.split(':')[0] || tracking, evidence: `annotation ${ARGO_TRACKING} on ${o.what}` };
  const instance = o.labels?.[ARGO_INSTANCE];
  if (instance) return { app: instance, evidence: `label ${ARGO_INSTANCE} on ${o.what}` };
  // Helm charts set app.kubernetes.io/instance to the release name themselves; only another
  // value is Argo CD's label tracking (it writes the Application name there).
  const std = o.labels?.[STANDARD_INSTANCE];
  if (std && std !== release)
    return { app: std, evidence: `label ${STANDARD_INSTANCE}=${std} on ${o.what} (not the release name)` };
  return undefined;
}

/**
 * The Application an Argo CD app id names: "<namespace>_<name>" for an Application outside Argo CD's
 * own namespace (an object name never holds "_"), else "<name>" in that namespace, the default
 * unless the marks say otherwise.
 */
export function argoApplication(app: string): ControllerObject | undefined {
  const at = app.indexOf('_');
  const [namespace, name] = at > 0 ? [app.slice(0, at), app.slice(at + 1)] : [ARGO_DEFAULT_NAMESPACE, app];
  if (!name) return undefined;
  return {
    kind: 'Application',
    group: 'argoproj.io',
    plural: 'applications',
    namespace,
    name,
    ...(at > 0 ? {} : { namespaceAssumed: `Argo CD's default namespace ${ARGO_DEFAULT_NAMESPACE}` }),
  };
}

function argo(release: string, o: MarkedObject): GitOpsMark | undefined {
  const found = argoApp(release, o);
  if (!found) return undefined;
  const object = argoApplication(found.app);
  return {
    controller: 'Argo CD',
    owner: `Application ${found.app}`,
    evidence: found.evidence,
    todo: ARGO_TODO(found.app),
    ...(object ? { object } : {}),
  };
}

function flux(o: MarkedObject): GitOpsMark | undefined {
  const name = o.labels?.[FLUX_NAME];
  if (!name) return undefined;
  const ns = o.labels?.[FLUX_NAMESPACE] ?? '?';
  const hr = `${ns}/${name}`;
  const known = o.labels?.[FLUX_NAMESPACE];
  return {
    controller: 'Flux',
    owner: `HelmRelease ${hr}`,
    evidence: `labels ${FLUX_NAME}/${FLUX_NAMESPACE} on ${o.what}`,
    todo: FLUX_TODO(hr, ns, name),
    ...(known
      ? {
          object: {
            kind: 'HelmRelease',
            group: 'helm.toolkit.fluxcd.io',
            plural: 'helmreleases',
            namespace: known,
            name,
          } as const,
        }
      : {}),
  };
}

function platform(o: MarkedObject): GitOpsMark | undefined {
  const name = o.labels?.[PLATFORM_NAME] ?? o.annotations?.[PLATFORM_NAME];
  if (!name) return undefined;
  const ns = o.labels?.[PLATFORM_NAMESPACE] ?? o.annotations?.[PLATFORM_NAMESPACE];
  const vci = ns ? `${ns}/${name}` : name;
  return {
    controller: 'vCluster Platform',
    owner: `VirtualClusterInstance ${vci}`,
    evidence: `${PLATFORM_NAME} on ${o.what}`,
    todo: PLATFORM_TODO(vci),
  };
}

/** Every controller whose marks the objects carry, one entry per controller and owner. */
export function gitopsMarks(release: string, objects: MarkedObject[]): GitOpsMark[] {
  const out: GitOpsMark[] = [];
  for (const o of objects) {
    for (const m of [argo(release, o), flux(o), platform(o)]) {
      if (m && !out.some((x) => x.controller === m.controller && x.owner === m.owner)) out.push(m);
    }
  }
  return out;
}

/** One sentence naming the controllers, e.g. "Flux (HelmRelease flux-system/vc; labels ... on StatefulSet vc)". */
export function describeMarks(marks: GitOpsMark[]): string {
  return marks.map((m) => `${m.controller} (${m.owner}; ${m.evidence})`).join(' and ');
}

/** Why a changing phase refuses, and what to do first. */
export function gitopsRefusal(release: string, marks: GitOpsMark[], phase: string): { why: string; remedy: string } {
  return {
    why: `release ${release} is managed by ${describeMarks(marks)}; after a manual helm upgrade the controller puts the old values back, and after phase one that revert leaves a control plane that refuses to start, so ${phase} changed nothing`,
    remedy: `${marks.map((m) => m.todo).join('; ')}`,
  };
}

/** Whether one controller is paused: read from its object in the cluster, or not known and why. */
export interface PauseState {
  mark: GitOpsMark;
  paused: 'yes' | 'no' | 'unknown';
  /** What showed it ("spec.suspend: true") or why it is not known. */
  detail: string;
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

/** Flux reconciles a HelmRelease unless spec.suspend is true. */
function helmReleasePaused(spec: unknown): Pick<PauseState, 'paused' | 'detail'> {
  const suspend = isRecord(spec) ? spec.suspend : undefined;
  return suspend === true
    ? { paused: 'yes', detail: 'spec.suspend: true' }
    : {
        paused: 'no',
        // The cluster's value shown, cut short: it reaches the summary.
        detail: `spec.suspend is ${suspend === undefined ? 'not set' : JSON.stringify(suspend).slice(0, 40)}`,
      };
}

/**
 * Argo CD syncs an Application by itself while spec.syncPolicy.automated is set, unless its
 * `enabled` is false (Argo CD 3.x; null counts as on), or the Application skips reconciling
 * altogether (annotation argocd.argoproj.io/skip-reconcile: "true").
 */
function applicationPaused(
  spec: unknown,
  annotations: Record<string, string> | undefined,
): Pick<PauseState, 'paused' | 'detail'> {
  if (annotations?.['argocd.argoproj.io/skip-reconcile'] === 'true')
    return { paused: 'yes', detail: 'annotation argocd.argoproj.io/skip-reconcile: "true"' };
  const policy = isRecord(spec) && isRecord(spec.syncPolicy) ? spec.syncPolicy : undefined;
  const automated = policy?.automated;
  if (automated === undefined || automated === null)
    return { paused: 'yes', detail: 'spec.syncPolicy.automated is not set (no automated sync)' };
  if (isRecord(automated) && automated.enabled === false)
    return { paused: 'yes', detail: 'spec.syncPolicy.automated.enabled: false' };
  return { paused: 'no', detail: 'spec.syncPolicy.automated is set (automated sync is on)' };
}

/** One controller's pause from what was read of its object (undefined: nothing could be read). */
export function pauseState(mark: GitOpsMark, reading: ControllerReading | undefined): PauseState {
  if (mark.controller === 'vCluster Platform')
    return { mark, paused: 'unknown', detail: 'vCluster Platform has no pause flag this action can read' };
  if (!mark.object) return { mark, paused: 'unknown', detail: `the marks do not name the namespace of ${mark.owner}` };
  if (!reading || reading.state !== 'read') return { mark, paused: 'unknown', detail: reading?.why ?? 'not read' };
  const seen =
    mark.object.kind === 'HelmRelease'
      ? helmReleasePaused(reading.spec)
      : applicationPaused(reading.spec, reading.annotations);
  return { mark, ...seen };
}

/** Each controller's pause, matching the readings to the marks by object. */
export function pauseStates(marks: GitOpsMark[], readings: ControllerReading[]): PauseState[] {
  return marks.map((m) =>
    pauseState(m, m.object ? readings.find((r) => refOf(r.object) === refOf(m.object!)) : undefined),
  );
}

/** The controllers the cluster shows running, e.g. "Flux HelmRelease flux-system/vc is not paused (spec.suspend is not set)". */
export function notPaused(states: PauseState[]): string {
  return states
    .filter((s) => s.paused === 'no')
    .map((s) => `${s.mark.controller} ${refOf(s.mark.object!)} is not paused (${s.detail})`)
    .join(' and ');
}

/** How to pause exactly this object, for the refusal of a controller that is not paused. */
function pauseHow(o: ControllerObject): string {
  if (o.kind === 'HelmRelease')
    return `suspend it (flux suspend helmrelease ${o.name} -n ${o.namespace}, or spec.suspend: true in its source)`;
  return `turn off its automated sync (argocd app set ${o.namespace}/${o.name} --sync-policy none, or remove spec.syncPolicy.automated from its source; for an Application an ApplicationSet generates, in the ApplicationSet)`;
}

/**
 * migrate, finalize and abort with a GitOps-managed release: refused unless gitops-paused says the
 * controllers are paused, and refused anyway when an object read from the cluster shows one that
 * is not; otherwise the note said in bold, naming what was verified and what was taken on trust.
 */
export function gitopsVerdict(
  release: string,
  states: PauseState[],
  gitopsPaused: boolean,
  phase: string,
): { kind: 'refuse'; why: string; remedy: string } | { kind: 'go'; note: string } {
  const marks = states.map((s) => s.mark);
  if (!gitopsPaused) return { kind: 'refuse', ...gitopsRefusal(release, marks, phase) };
  const running = states.filter((s) => s.paused === 'no');
  if (running.length > 0) {
    return {
      kind: 'refuse',
      why: `gitops-paused: true, but ${notPaused(states)}: after a manual helm upgrade it puts the old values back, and after phase one that revert leaves a control plane that refuses to start, so ${phase} changed nothing`,
      remedy: `${running.map((s) => `${refOf(s.mark.object!)}: ${pauseHow(s.mark.object!)}`).join('; ')}; put the values plan wrote into its source, then run ${phase} again`,
    };
  }
  return { kind: 'go', note: gitopsPausedNote(states) };
}

/** Said in bold when a run goes ahead with gitops-paused: true: what the cluster showed, and what it could not. */
export function gitopsPausedNote(states: PauseState[]): string {
  const each = states.map((s) =>
    s.paused === 'yes'
      ? `Managed by ${s.mark.controller}: ${refOf(s.mark.object!)} is paused, read from the cluster (${s.detail}).`
      : `Managed by ${s.mark.controller} (${s.mark.owner}): its pause is not verified (${s.detail}); going ahead because gitops-paused: true says it is paused.`,
  );
  return `${each.join(' ')} Keep ${states.length > 1 ? 'each' : 'it'} paused until its source holds the values this run applied.`;
}
