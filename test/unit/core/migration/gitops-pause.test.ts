// gitops-paused: true verified where the cluster holds the controller's object: Flux's HelmRelease
// (spec.suspend) and Argo CD's Application (spec.syncPolicy.automated); refused when that object
// shows a controller that is not paused, taken on trust (and said so) where it cannot be read.
import { describe, expect, it } from 'vitest';
import {
  argoApplication,
  gitopsMarks,
  gitopsVerdict,
  pauseState,
  pauseStates,
  type ControllerObject,
  type ControllerReading,
  type GitOpsMark,
} from '../../../../src/core/migration/gitops.ts';
import { gitopsAccessNeed } from '../../../../src/core/migration/permissions.ts';

const FLUX = { 'helm.toolkit.fluxcd.io/name': 'vc', 'helm.toolkit.fluxcd.io/namespace': 'flux-system' };
const fluxMark = (): GitOpsMark => gitopsMarks('vc', [{ what: 'StatefulSet vc', labels: FLUX }])[0]!;
const argoMark = (app = 'argocd_team-vc'): GitOpsMark =>
  gitopsMarks('vc', [
    { what: 'StatefulSet vc', annotations: { 'argocd.argoproj.io/tracking-id': `${app}:apps/StatefulSet:team/vc` } },
  ])[0]!;
const platformMark = (): GitOpsMark =>
  gitopsMarks('vc', [{ what: 'Namespace team', labels: { 'loft.sh/vcluster-instance-name': 'vc' } }])[0]!;
const read = (object: ControllerObject, spec: unknown, annotations?: Record<string, string>): ControllerReading => ({
  object,
  state: 'read',
  version: 'v2',
  spec,
  annotations,
});

describe("the controller's object a mark names", () => {
  it('Flux: HelmRelease <helm.toolkit.fluxcd.io/namespace>/<helm.toolkit.fluxcd.io/name>', () => {
    expect(fluxMark().object).toEqual({
      kind: 'HelmRelease',
      group: 'helm.toolkit.fluxcd.io',
      plural: 'helmreleases',
      namespace: 'flux-system',
      name: 'vc',
    });
    const noNamespace = gitopsMarks('vc', [{ what: 'x', labels: { 'helm.toolkit.fluxcd.io/name': 'vc' } }])[0]!;
    expect(noNamespace.object).toBeUndefined();
    expect(pauseState(noNamespace, undefined)).toMatchObject({
      paused: 'unknown',
      detail: 'the marks do not name the namespace of HelmRelease ?/vc',
    });
  });

  it("Argo CD: <namespace>_<name> names both; a bare name is looked for in Argo CD's default namespace, and says so", () => {
    expect(argoMark().object).toMatchObject({ kind: 'Application', namespace: 'argocd', name: 'team-vc' });
    expect(argoMark().object).not.toHaveProperty('namespaceAssumed');
    expect(argoApplication('apps_vc')).toMatchObject({ namespace: 'apps', name: 'vc', group: 'argoproj.io' });
    expect(argoApplication('vc-app')).toMatchObject({
      namespace: 'argocd',
      name: 'vc-app',
      namespaceAssumed: "Argo CD's default namespace argocd",
    });
    const label = gitopsMarks('vc', [{ what: 'x', labels: { 'argocd.argoproj.io/instance': 'ops_vc-app' } }])[0]!;
    expect(label.object).toMatchObject({ namespace: 'ops', name: 'vc-app' });
  });

  it('vCluster Platform has no object to read: its pause stays on the word of gitops-paused', () => {
    expect(platformMark().object).toBeUndefined();
    expect(pauseState(platformMark(), undefined)).toMatchObject({ paused: 'unknown' });
  });

  it('the permission asked for is get on that resource in its own namespace', () => {
    expect(gitopsAccessNeed(fluxMark().object!)).toEqual({
      verb: 'get',
      resource: 'helmreleases',
      group: 'helm.toolkit.fluxcd.io',
      namespaced: true,
      namespace: 'flux-system',
    });
    expect(gitopsAccessNeed(argoMark().object!)).toMatchObject({ resource: 'applications', namespace: 'argocd' });
  });
});

describe('whether the controller is paused, from its object', () => {
  const hr = fluxMark();
  const app = argoMark();
  it('HelmRelease: paused only with spec.suspend: true', () => {
    expect(pauseState(hr, read(hr.object!, { suspend: true }))).toMatchObject({
      paused: 'yes',
      detail: 'spec.suspend: true',
    });
    expect(pauseState(hr, read(hr.object!, { suspend: false }))).toMatchObject({
      paused: 'no',
      detail: 'spec.suspend is false',
    });
    expect(pauseState(hr, read(hr.object!, { interval: '5m' }))).toMatchObject({
      paused: 'no',
      detail: 'spec.suspend is not set',
    });
    // A string is not the boolean Flux reads.
    expect(pauseState(hr, read(hr.object!, { suspend: 'true' }))).toMatchObject({ paused: 'no' });
  });

  it('Application: paused without automated sync, with automated.enabled: false, or skipping reconcile', () => {
    const state = (spec: unknown, annotations?: Record<string, string>) =>
      pauseState(app, read(app.object!, spec, annotations)).paused;
    expect(state({ syncPolicy: { automated: { prune: true, selfHeal: true } } })).toBe('no');
    expect(state({ syncPolicy: { automated: {} } })).toBe('no');
    // Argo CD counts enabled: null as on.
    expect(state({ syncPolicy: { automated: { enabled: null } } })).toBe('no');
    expect(state({ syncPolicy: { automated: { enabled: true } } })).toBe('no');
    expect(state({ syncPolicy: { automated: { enabled: false, selfHeal: true } } })).toBe('yes');
    expect(state({ syncPolicy: { syncOptions: ['CreateNamespace=true'] } })).toBe('yes');
    expect(state({})).toBe('yes');
    expect(state({ syncPolicy: { automated: {} } }, { 'argocd.argoproj.io/skip-reconcile': 'true' })).toBe('yes');
    expect(state({ syncPolicy: { automated: {} } }, { 'argocd.argoproj.io/skip-reconcile': 'false' })).toBe('no');
  });

  it('an object that could not be read is unknown, with why', () => {
    const why = 'the credentials may not get helmreleases.helm.toolkit.fluxcd.io in namespace flux-system';
    expect(pauseState(hr, { object: hr.object!, state: 'forbidden', why })).toEqual({
      mark: hr,
      paused: 'unknown',
      detail: why,
    });
  });

  it('matches readings to marks by object', () => {
    const states = pauseStates(
      [hr, app],
      [read(app.object!, { syncPolicy: { automated: {} } }), read(hr.object!, { suspend: true })],
    );
    expect(states.map((s) => s.paused)).toEqual(['yes', 'no']);
  });
});

describe('the verdict for migrate, finalize and abort', () => {
  const hr = fluxMark();
  const suspended = pauseStates([hr], [read(hr.object!, { suspend: true })]);
  const running = pauseStates([hr], [read(hr.object!, { suspend: false })]);
  const forbidden = pauseStates(
    [hr],
    [{ object: hr.object!, state: 'forbidden', why: 'the credentials may not get helmreleases' }],
  );
  const absent = pauseStates(
    [hr],
    [{ object: hr.object!, state: 'absent', why: 'this cluster serves no HelmRelease API' }],
  );

  it('without gitops-paused: refused as before, whatever the object says', () => {
    for (const states of [suspended, running, forbidden]) {
      const v = gitopsVerdict('vc', states, false, 'migrate');
      expect(v.kind).toBe('refuse');
      expect(v.kind === 'refuse' && v.remedy).toContain('flux suspend helmrelease vc -n flux-system');
    }
  });

  it('gitops-paused with a suspended HelmRelease: goes ahead, saying it was read from the cluster', () => {
    const v = gitopsVerdict('vc', suspended, true, 'migrate');
    expect(v).toEqual({
      kind: 'go',
      note: 'Managed by Flux: HelmRelease flux-system/vc is paused, read from the cluster (spec.suspend: true). Keep it paused until its source holds the values this run applied.',
    });
  });

  it('gitops-paused with a HelmRelease that is not suspended: refused, naming it and how to pause it', () => {
    const v = gitopsVerdict('vc', running, true, 'finalize');
    expect(v.kind).toBe('refuse');
    if (v.kind !== 'refuse') return;
    expect(v.why).toBe(
      'gitops-paused: true, but Flux HelmRelease flux-system/vc is not paused (spec.suspend is false): after a manual helm upgrade it puts the old values back, and after phase one that revert leaves a control plane that refuses to start, so finalize changed nothing',
    );
    expect(v.remedy).toContain('HelmRelease flux-system/vc: suspend it (flux suspend helmrelease vc -n flux-system');
    expect(v.remedy).toMatch(/then run finalize again$/);
  });

  it('an Application with automated sync: refused, naming it and the argocd command', () => {
    const app = argoMark();
    const v = gitopsVerdict(
      'vc',
      pauseStates([app], [read(app.object!, { syncPolicy: { automated: { selfHeal: true } } })]),
      true,
      'migrate',
    );
    expect(v.kind === 'refuse' && v.why).toContain('Argo CD Application argocd/team-vc is not paused');
    expect(v.kind === 'refuse' && v.remedy).toContain('argocd app set argocd/team-vc --sync-policy none');
  });

  it('where the object cannot be read (RBAC, no CRD): goes ahead on the word of gitops-paused, and says which and why', () => {
    for (const [states, why] of [
      [forbidden, 'the credentials may not get helmreleases'],
      [absent, 'this cluster serves no HelmRelease API'],
    ] as const) {
      const v = gitopsVerdict('vc', states, true, 'migrate');
      expect(v).toEqual({
        kind: 'go',
        note: `Managed by Flux (HelmRelease flux-system/vc): its pause is not verified (${why}); going ahead because gitops-paused: true says it is paused. Keep it paused until its source holds the values this run applied.`,
      });
    }
  });

  it('one controller running among paused and unverified ones: refused naming only that one', () => {
    const app = argoMark();
    const states = pauseStates(
      [hr, app, platformMark()],
      [read(hr.object!, { suspend: true }), read(app.object!, { syncPolicy: { automated: {} } })],
    );
    const v = gitopsVerdict('vc', states, true, 'abort');
    expect(v.kind === 'refuse' && v.why).toMatch(
      /^gitops-paused: true, but Argo CD Application argocd\/team-vc is not paused/,
    );
    expect(v.kind === 'refuse' && v.why).not.toContain('HelmRelease');
    expect(v.kind === 'refuse' && v.remedy).not.toContain('flux suspend');
  });
});
