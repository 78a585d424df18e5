import { describe, expect, it } from 'vitest';
import { chartVersionOfLabel } from '../../../../src/core/fleet/classification.ts';
import { classify, deployed, find, helm, record, v, workload } from './fixtures.ts';

describe('classifying the fleet', () => {
  it('puts the releases that need a person first', () => {
    const es = classify({
      workloads: [
        ...deployed('ns', 'ok'),
        ...deployed('ns', 'zero', { replicas: 0 }),
        workload('StatefulSet', 'ns', 'done'),
      ],
      records: [record('ns', 'done', 'verified', 'verified')],
    });
    expect(es.map((e) => e.release)).toEqual(['zero', 'ok', 'done']);
  });

  it('a phase one that failed is migrating and needs a person; one in progress does not', () => {
    const failed = record('ns', 'f', 'failed');
    const doc = JSON.parse(failed.text);
    doc.phase1.failure = 'log gate: timeout';
    failed.text = JSON.stringify(doc);
    const es = classify({
      workloads: [...deployed('ns', 'f'), ...deployed('ns', 'u')],
      records: [failed, record('ns', 'u', 'upgraded')],
    });
    expect(find(es, 'f')).toMatchObject({ state: 'migrating', attention: true });
    expect(find(es, 'f').reason).toContain('log gate: timeout');
    expect(find(es, 'u')).toMatchObject({ state: 'migrating', attention: false });
  });

  it('says why a release is not eligible: old chart, scaled to zero, Helm status, other store', () => {
    const es = classify({
      workloads: [
        ...deployed('ns', 'old', { chart: '0.24.1' }),
        ...deployed('ns', 'zero', { replicas: 0 }),
        ...deployed('ns', 'pending'),
        ...deployed('ns', 'nohelm'),
        ...deployed('ns', 'fine'),
        workload('StatefulSet', 'ns', 'sqlite'),
      ],
      helmSecrets: [
        helm('ns', 'old', 1, 'deployed'),
        helm('ns', 'zero', 1, 'deployed'),
        helm('ns', 'pending', 1, 'superseded'),
        helm('ns', 'pending', 2, 'pending-upgrade'),
        helm('ns', 'fine', 3, 'deployed'),
        helm('ns', 'fine', 2, 'superseded'),
        helm('ns', 'sqlite', 1, 'deployed'),
      ],
      configSecrets: [
        {
          namespace: 'ns',
          name: 'vc-config-sqlite',
          labels: { app: 'vcluster', release: 'sqlite' },
          annotations: { 'vcluster.loft.sh/store': 'embedded-database' },
        },
      ],
    });
    expect(find(es, 'old').reason).toContain('0.24.1 is older than 0.24.2');
    expect(find(es, 'zero').reason).toMatch(/scaled to zero .*Deployment zero/);
    expect(find(es, 'pending').reason).toContain('pending-upgrade (revision 2)');
    expect(find(es, 'nohelm').reason).toContain('no Helm release nohelm');
    expect(find(es, 'sqlite').reason).toContain('embedded-database');
    expect(find(es, 'fine')).toMatchObject({ state: 'deployed' });
    expect(find(es, 'fine').reason).toContain('Helm revision 3 deployed');
    for (const r of ['old', 'zero', 'pending', 'nohelm', 'sqlite']) expect(find(es, r).state, r).toBe('not-eligible');
  });

  it('keeps each release on its chart with keep; a common chart-version that crosses the etcd 3.6 line is refused per release', () => {
    const workloads = [...deployed('ns', 'old', { chart: '0.26.1' }), ...deployed('ns', 'new', { chart: '0.29.0' })];
    const keep = classify({ workloads });
    expect(find(keep, 'old')).toMatchObject({ state: 'deployed', target: '0.26.1' });
    expect(find(keep, 'new')).toMatchObject({ state: 'deployed', target: '0.29.0' });
    const all = classify({ workloads }, { chartVersion: v('0.29.1'), gitopsPaused: false });
    expect(find(all, 'old').state).toBe('not-eligible');
    expect(find(all, 'old').reason).toContain('etcd 3.5');
    expect(find(all, 'new')).toMatchObject({ state: 'deployed', target: '0.29.1' });
    const older = classify({ workloads }, { chartVersion: v('0.28.0'), gitopsPaused: false });
    expect(find(older, 'new').reason).toContain('older than the installed chart 0.29.0');
  });

  it('a GitOps-managed release is not eligible, naming the controller and what to do; gitops-paused lets it through', () => {
    const workloads = [
      ...deployed('ns', 'argo', {
        annotations: { 'argocd.argoproj.io/tracking-id': 'vc-argo:apps/Deployment:ns/argo' },
      }),
      ...deployed('ns', 'flux', {
        labels: { 'helm.toolkit.fluxcd.io/name': 'vc', 'helm.toolkit.fluxcd.io/namespace': 'flux-system' },
      }),
      ...deployed('plat', 'p'),
      ...deployed('ns', 'plain', { labels: { 'app.kubernetes.io/instance': 'plain' } }),
    ];
    const namespaces: { name: string; labels: Record<string, string> }[] = [
      {
        name: 'plat',
        labels: { 'loft.sh/vcluster-instance-name': 'p', 'loft.sh/vcluster-instance-namespace': 'loft-p-team' },
      },
      { name: 'ns', labels: {} },
    ];
    const es = classify({ workloads, namespaces });
    expect(find(es, 'argo')).toMatchObject({ state: 'not-eligible', attention: true });
    expect(find(es, 'argo').reason).toContain('Argo CD (Application vc-argo');
    expect(find(es, 'argo').next).toContain('automated sync');
    expect(find(es, 'flux').reason).toContain('HelmRelease flux-system/vc');
    expect(find(es, 'flux').next).toContain('flux suspend helmrelease vc -n flux-system');
    expect(find(es, 'p').reason).toContain('vCluster Platform (VirtualClusterInstance loft-p-team/p');
    // Helm's own instance label (the release name) is not Argo CD's.
    expect(find(es, 'plain').state).toBe('deployed');
    const paused = classify({ workloads, namespaces }, { chartVersion: 'keep', gitopsPaused: true });
    expect(find(paused, 'flux').state).toBe('deployed');
    expect(find(paused, 'flux').reason).toContain('paused per gitops-paused');
  });

  it('a GitOps-managed release in the middle of a migration is held back too, and a finished one stays embedded', () => {
    const argo = { annotations: { 'argocd.argoproj.io/tracking-id': 'app:apps/StatefulSet:ns/x' } };
    const es = classify({
      workloads: [
        workload('StatefulSet', 'ns', 'mid', argo),
        workload('StatefulSet', 'ns', 'mid-etcd', { app: 'vcluster-etcd', release: 'mid' }),
        workload('StatefulSet', 'ns', 'done', argo),
      ],
      records: [record('ns', 'mid', 'verified'), record('ns', 'done', 'verified', 'verified')],
    });
    expect(find(es, 'mid')).toMatchObject({ state: 'not-eligible', attention: true });
    expect(find(es, 'mid').reason).toMatch(/phase one verified.*but managed by Argo CD/);
    expect(find(es, 'done').state).toBe('embedded');
  });

  it('reads the chart version from the chart label', () => {
    expect(chartVersionOfLabel('vcluster-0.27.0')).toBe('0.27.0');
    expect(chartVersionOfLabel('vcluster-0.30.0-beta.1')).toBe('0.30.0-beta.1');
    expect(chartVersionOfLabel('vcluster-k8s-0.19.0')).toBe('0.19.0');
    expect(chartVersionOfLabel('nginx')).toBeUndefined();
    expect(chartVersionOfLabel(undefined)).toBeUndefined();
  });
});
