import { describe, expect, it } from 'vitest';
import { gitopsMarks, gitopsRefusal } from '../../../../src/core/migration/gitops.ts';
import { gitopsGate, gitopsPlanNote } from '../../../../src/phases/steps/gitops-gate.ts';
import { newReport, type RunReport } from '../../../../src/report/report.ts';
import { renderSummary } from '../../../../src/report/summary.ts';
import { renderStatusComment } from '../../../../src/report/comment-body.ts';
import type { PhaseDeps } from '../../../../src/phases/steps/deps.ts';
import { PhaseStop } from '../../../../src/phases/steps/outcome.ts';
import type { ClusterView } from '../../../../src/core/migration/cluster-view.ts';

const FLUX = { 'helm.toolkit.fluxcd.io/name': 'vc', 'helm.toolkit.fluxcd.io/namespace': 'flux-system' };

function deps(gitopsPaused: boolean): PhaseDeps & { report: RunReport } {
  const warnings: string[] = [];
  return {
    settings: { release: 'vc', namespace: 'team', gitopsPaused } as PhaseDeps['settings'],
    report: newReport('vc', 'team', 'migrate'),
    log: {
      info: () => undefined,
      warning: (m: string) => warnings.push(m),
      group: <T>(_n: string, fn: () => Promise<T>) => fn(),
    },
  } as unknown as PhaseDeps & { report: RunReport };
}

const view = (marked: ClusterView['marked']): ClusterView => ({
  store: 'deployed',
  etcdServices: [],
  controlPlane: 'Deployment',
  etcdPods: [],
  etcdPvcs: [],
  storageClasses: [],
  marked,
});

describe('GitOps marks', () => {
  it('finds Argo CD, Flux and vCluster Platform by their marks, once per owner', () => {
    const marks = gitopsMarks('vc', [
      {
        what: 'Deployment vc',
        labels: FLUX,
        annotations: { 'argocd.argoproj.io/tracking-id': 'argocd_team-vc:apps/Deployment:team/vc' },
      },
      { what: 'StatefulSet vc-etcd', labels: FLUX },
      {
        what: 'Namespace team',
        labels: { 'loft.sh/vcluster-instance-name': 'vc', 'loft.sh/vcluster-instance-namespace': 'p-team' },
      },
    ]);
    expect(marks.map((m) => `${m.controller}: ${m.owner}`)).toEqual([
      'Argo CD: Application argocd_team-vc',
      'Flux: HelmRelease flux-system/vc',
      'vCluster Platform: VirtualClusterInstance p-team/vc',
    ]);
  });

  it("takes Argo CD's instance labels, but not the instance label Helm charts set to the release name", () => {
    expect(gitopsMarks('vc', [{ what: 'x', labels: { 'app.kubernetes.io/instance': 'vc' } }])).toEqual([]);
    expect(gitopsMarks('vc', [{ what: 'x', labels: { 'app.kubernetes.io/instance': 'team-vc' } }])[0]!.owner).toBe(
      'Application team-vc',
    );
    expect(gitopsMarks('vc', [{ what: 'x', labels: { 'argocd.argoproj.io/instance': 'vc' } }])[0]!.controller).toBe(
      'Argo CD',
    );
  });

  it('names the Argo CD mark it went by and the object that carries it', () => {
    const evidence = (o: { labels?: Record<string, string>; annotations?: Record<string, string> }) =>
      gitopsMarks('vc', [{ what: 'StatefulSet vc', ...o }]).map((m) => `${m.owner}: ${m.evidence}`);
    expect(evidence({ annotations: { 'argocd.argoproj.io/tracking-id': 'app-a:apps/StatefulSet:team/vc' } })).toEqual([
      'Application app-a: annotation argocd.argoproj.io/tracking-id on StatefulSet vc',
    ]);
    expect(evidence({ labels: { 'argocd.argoproj.io/instance': 'app-b' } })).toEqual([
      'Application app-b: label argocd.argoproj.io/instance on StatefulSet vc',
    ]);
    expect(evidence({ labels: { 'app.kubernetes.io/instance': 'app-c' } })).toEqual([
      'Application app-c: label app.kubernetes.io/instance=app-c on StatefulSet vc (not the release name)',
    ]);
  });

  it('a refusal names the controller and what to do first', () => {
    const r = gitopsRefusal('vc', gitopsMarks('vc', [{ what: 'Deployment vc', labels: FLUX }]), 'migrate');
    expect(r.why).toContain('managed by Flux (HelmRelease flux-system/vc');
    expect(r.why).toContain('migrate changed nothing');
    expect(r.remedy).toContain('flux suspend helmrelease vc -n flux-system');
    expect(r.remedy).toContain('gitops-paused: true');
  });
});

describe('the GitOps gate of migrate and finalize', () => {
  const marked = [{ what: 'Deployment vc', labels: FLUX }];

  it('refuses a marked release', () => {
    const d = deps(false);
    expect(() => gitopsGate(d, view(marked), 'finalize')).toThrow(PhaseStop);
    try {
      gitopsGate(d, view(marked), 'finalize');
    } catch (e) {
      expect((e as PhaseStop).status).toBe('refused');
      expect((e as PhaseStop).next).toContain('suspend HelmRelease flux-system/vc');
    }
  });

  it('lets an unmarked release through without a note', () => {
    const d = deps(false);
    gitopsGate(d, view([{ what: 'Deployment vc', labels: { app: 'vcluster' } }]), 'migrate');
    expect(d.report.gitopsPaused).toBeUndefined();
  });

  it('goes ahead on gitops-paused and says so in bold in the summary and the PR comment', () => {
    const d = deps(true);
    gitopsGate(d, view(marked), 'migrate');
    expect(d.report.gitopsPaused).toContain('gitops-paused: true');
    const bold = renderSummary(d.report)
      .split('\n')
      .find((l) => l.startsWith('**Managed by Flux'));
    expect(bold).toMatch(/gitops-paused: true.*\*\*$/);
    expect(renderStatusComment(d.report)).toContain('**Managed by Flux');
  });

  it('plan shows the controller as a failed check and a warning, and goes on', () => {
    const d = deps(false);
    gitopsPlanNote(d, view(marked));
    expect(d.report.checks.at(-1)).toMatchObject({ name: 'GitOps controller', state: 'failed' });
    expect(d.report.warnings.join(' ')).toContain('flux suspend helmrelease');
  });
});
