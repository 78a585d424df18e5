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
}

const ARGO_TRACKING = 'argocd.argoproj.io/tracking-id';
const ARGO_INSTANCE = 'argocd.argoproj.io/instance';
const STANDARD_INSTANCE = 'app.kubernetes.io/instance';
const FLUX_NAME = 'helm.toolkit.fluxcd.io/name';
const FLUX_NAMESPACE = 'helm.toolkit.fluxcd.io/namespace';
const PLATFORM_NAME = 'loft.sh/vcluster-instance-name';
const PLATFORM_NAMESPACE = 'loft.sh/vcluster-instance-namespace';

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

function argo(release: string, o: MarkedObject): GitOpsMark | undefined {
  const found = argoApp(release, o);
  if (!found) return undefined;
  return {
    controller: 'Argo CD',
    owner: `Application ${found.app}`,
    evidence: found.evidence,
    todo: ARGO_TODO(found.app),
  };
}

function flux(o: MarkedObject): GitOpsMark | undefined {
  const name = o.labels?.[FLUX_NAME];
  if (!name) return undefined;
  const ns = o.labels?.[FLUX_NAMESPACE] ?? '?';
  const hr = `${ns}/${name}`;
  return {
    controller: 'Flux',
    owner: `HelmRelease ${hr}`,
    evidence: `labels ${FLUX_NAME}/${FLUX_NAMESPACE} on ${o.what}`,
    todo: FLUX_TODO(hr, ns, name),
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

/** Said in bold when a run goes ahead on the word of gitops-paused. */
export function gitopsPausedNote(marks: GitOpsMark[]): string {
  return `Managed by ${marks.map((m) => `${m.controller} (${m.owner})`).join(' and ')}: going ahead because gitops-paused: true says the controller is paused. Keep it paused until its source holds the values this run applied.`;
}
