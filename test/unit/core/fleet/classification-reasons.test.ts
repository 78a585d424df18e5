// What discover says of each release, word for word: the state, why, and the next step a platform
// team follows, for a release in a migration, one an abort left, one on another store, one without
// a control plane, and one ready to migrate.
import { describe, expect, it } from 'vitest';
import { classify, type FleetOptions } from '../../../../src/core/fleet/classification.ts';
import type { ReleaseFacts, RecordFacts } from '../../../../src/core/fleet/grouping.ts';
import { KEEP, v, workload } from './fixtures.ts';

const cp = (o: { kind?: 'Deployment' | 'StatefulSet'; chart?: string; replicas?: number } = {}) =>
  workload(o.kind ?? 'Deployment', 'ns', 'vc', { chart: o.chart ?? 'vcluster-0.27.0', replicas: o.replicas });
const etcd = (replicas = 1) =>
  workload('StatefulSet', 'ns', 'vc-etcd', { app: 'vcluster-etcd', release: 'vc', replicas });

const facts = (over: Partial<ReleaseFacts> = {}): ReleaseFacts => ({
  namespace: 'ns',
  release: 'vc',
  controlPlane: cp(),
  etcd: etcd(),
  marks: [],
  ...over,
});
const withRecord = (record: RecordFacts, over: Partial<ReleaseFacts> = {}) => facts({ record, ...over });
const said = (f: ReleaseFacts, o: FleetOptions = KEEP) => {
  const e = classify(f, o);
  return { state: e.state, attention: e.attention, reason: e.reason, next: e.next };
};

const flux = {
  controller: 'Flux' as const,
  owner: 'HelmRelease flux-system/vc',
  evidence: 'labels helm.toolkit.fluxcd.io/* on StatefulSet vc',
  todo: 'suspend HelmRelease flux-system/vc',
};

describe('a release in a migration', () => {
  it('an abort under way or failed: needs a person, run abort again', () => {
    expect(said(withRecord({ abort: { status: 'failed', failure: 'helm timed out' } }))).toEqual({
      state: 'not-eligible',
      attention: true,
      reason: 'an abort is failed (helm timed out); the control plane may be stopped',
      next: 'run abort again from its job (it names the approval environment): it resumes where it stopped',
    });
    expect(said(withRecord({ abort: { status: 'started' } })).reason).toBe(
      'an abort is started; the control plane may be stopped',
    );
  });

  it('phase two verified: embedded, with the time and the PVCs left to delete', () => {
    expect(
      said(
        withRecord({
          p2: { status: 'verified', verifiedAt: '2026-12-01T10:00:00Z' },
          leftoverPvcs: ['data-vc-etcd-0'],
        }),
      ),
    ).toEqual({
      state: 'embedded',
      attention: false,
      reason: 'migrated by this action: phase two verified at 2026-12-01T10:00:00Z',
      next: "nothing; the deployed etcd's PVCs (data-vc-etcd-0) stay until you delete them",
    });
    expect(said(withRecord({ p2: { status: 'verified' }, leftoverPvcs: [] }))).toMatchObject({
      reason: 'migrated by this action: phase two verified',
      next: 'nothing',
    });
    expect(said(withRecord({ p2: { status: 'verified' } })).next).toBe('nothing');
  });

  it('phase two begun and not verified: run finalize again', () => {
    expect(said(withRecord({ p2: { status: 'failed', failure: 'no Ready pod' } }))).toEqual({
      state: 'verified',
      attention: true,
      reason: 'phase two began and is failed (no Ready pod)',
      next: 'run finalize again: it resumes phase two',
    });
    expect(said(withRecord({ p2: { status: 'started' } })).reason).toBe('phase two began and is started');
  });

  it('phase one verified: waiting for the approval of finalize', () => {
    expect(said(withRecord({ p1: { status: 'verified', verifiedAt: '2026-12-01T09:00:00Z' } }))).toEqual({
      state: 'verified',
      attention: true,
      reason: 'phase one verified at 2026-12-01T09:00:00Z; waiting for finalize',
      next: 'approve the environment of the finalize job, which runs phase two',
    });
    expect(said(withRecord({ p1: { status: 'verified' } })).reason).toBe('phase one verified; waiting for finalize');
  });

  it('phase one failed or under way, with the run that holds the lock', () => {
    expect(said(withRecord({ p1: { status: 'failed', failure: 'keys lost' } }))).toEqual({
      state: 'migrating',
      attention: true,
      reason: 'phase one failed (keys lost)',
      next: 'read the last migrate summary; run migrate again: it resumes',
    });
    expect(said(withRecord({ p1: { status: 'upgraded' }, lock: { runId: '42-1', phase: 'migrate' } }))).toEqual({
      state: 'migrating',
      attention: false,
      reason: 'phase one upgraded; run 42-1 holds the lock (migrate)',
      next: 'run migrate again: it resumes',
    });
  });

  it('phase-one values applied by hand (control plane a StatefulSet, deployed etcd still there)', () => {
    expect(said(facts({ controlPlane: cp({ kind: 'StatefulSet' }) }))).toEqual({
      state: 'migrating',
      attention: true,
      reason:
        'the control plane is StatefulSet vc while StatefulSet vc-etcd still exists: phase-one values are applied, but this action has no record of it',
      next: 'run migrate: it resumes at the wait for the success log line and the key counts',
    });
  });

  it('keeps the chart version phase one used as the target', () => {
    expect(classify(withRecord({ p1: { status: 'upgraded', chartVersion: '0.28.1' } }), KEEP).target).toBe('0.28.1');
    expect(classify(withRecord({ p1: { status: 'upgraded' } }), KEEP).target).toBe('0.27.0');
    expect(
      classify(withRecord({ p1: { status: 'upgraded' } }, { controlPlane: undefined, etcd: undefined }), {
        chartVersion: v('0.28.0'),
        gitopsPaused: false,
      }).target,
    ).toBe('0.28.0');
    expect(
      classify(withRecord({ p1: { status: 'upgraded' } }, { controlPlane: undefined, etcd: undefined }), KEEP).target,
    ).toBeUndefined();
  });

  it('GitOps-managed in the middle of a migration: held back, with the lock', () => {
    expect(
      said(withRecord({ p1: { status: 'upgraded' }, lock: { runId: '7-1', phase: 'migrate' } }, { marks: [flux] })),
    ).toEqual({
      state: 'not-eligible',
      attention: true,
      reason:
        'phase one upgraded, but managed by Flux (HelmRelease flux-system/vc; labels helm.toolkit.fluxcd.io/* on StatefulSet vc); run 7-1 holds the lock (migrate)',
      next: 'suspend HelmRelease flux-system/vc',
    });
  });
});

describe('a release not in a migration', () => {
  it('on embedded etcd by its store annotation', () => {
    expect(said(facts({ etcd: undefined, store: 'embedded-etcd' }))).toEqual({
      state: 'embedded',
      attention: false,
      reason: 'runs on embedded etcd (annotation vcluster.loft.sh/store of vc-config-vc)',
      next: 'nothing',
    });
  });

  it('without a control plane', () => {
    expect(said(facts({ controlPlane: undefined }))).toEqual({
      state: 'not-eligible',
      attention: false,
      reason:
        'no control-plane Deployment or StatefulSet labelled app=vcluster (only an etcd StatefulSet or a state record is left)',
      next: 'nothing, unless the vCluster should still exist',
    });
  });

  it('on another store, or an unknown one without a deployed etcd', () => {
    expect(said(facts({ etcd: undefined, store: 'external-database' }))).toEqual({
      state: 'not-eligible',
      attention: false,
      reason: 'the store is external-database (annotation vcluster.loft.sh/store), not a deployed etcd',
      next: 'nothing: only a deployed etcd is migrated',
    });
    expect(said(facts({ etcd: undefined })).reason).toBe(
      'no deployed etcd (no StatefulSet labelled app=vcluster-etcd,release=vc): the store is embedded etcd, the embedded database or an external one; discover-secrets: true reads which from vc-config-vc',
    );
    expect(said(facts({ etcd: undefined, store: null })).reason).toBe(
      'no deployed etcd (no StatefulSet labelled app=vcluster-etcd,release=vc): the store is embedded etcd, the embedded database or an external one',
    );
  });

  it('a chart label that is not the vCluster chart: not eligible, check with helm list', () => {
    expect(said(facts({ controlPlane: cp({ chart: 'other-1.0.0' }) }))).toMatchObject({
      state: 'not-eligible',
      reason: 'the chart version is not known (label chart of Deployment vc is "other-1.0.0")',
      next: 'check the release with helm list; only the vCluster chart is migrated',
    });
    const noLabel = cp();
    delete noLabel.labels.chart;
    const e = etcd();
    delete e.labels.chart;
    expect(said(facts({ controlPlane: noLabel, etcd: e })).reason).toBe(
      'the chart version is not known (label chart of Deployment vc is missing)',
    );
  });

  it('the chart version is read from the etcd StatefulSet when the control plane has no label', () => {
    const noLabel = cp();
    delete noLabel.labels.chart;
    expect(classify(facts({ controlPlane: noLabel }), KEEP)).toMatchObject({ chart: '0.27.0', state: 'deployed' });
  });

  it('a deployed etcd next to a store annotation that says otherwise', () => {
    expect(said(facts({ store: 'embedded-database' }))).toMatchObject({
      state: 'not-eligible',
      attention: true,
      reason: 'annotation vcluster.loft.sh/store of vc-config-vc says embedded-database while a deployed etcd exists',
      next: 'inspect the release: vCluster refuses some store changes at start',
    });
    expect(said(facts({ store: 'deployed-etcd' })).state).toBe('deployed');
  });

  it('ready: the replicas, the Helm revision, a pause, the lock, and an abort it came back from', () => {
    expect(said(facts({ helm: { status: 'deployed', revision: 3 } }))).toEqual({
      state: 'deployed',
      attention: false,
      reason: 'runs on deployed etcd (StatefulSet vc-etcd, 1 replica); Helm revision 3 deployed',
      next: 'migrate to chart 0.27.0',
    });
    expect(
      said(
        withRecord(
          {
            lock: { runId: '9-2', phase: 'plan' },
            abort: { status: 'aborted', abortedAt: '2026-12-02T08:00:00Z', leftoverPvcs: ['data-vc-0'] },
          },
          { etcd: etcd(3), marks: [flux] },
        ),
        { chartVersion: v('0.28.0'), gitopsPaused: true },
      ),
    ).toEqual({
      state: 'deployed',
      attention: false,
      reason:
        'runs on deployed etcd (StatefulSet vc-etcd, 3 replicas); Helm status not read (Secrets not listed; migrate checks it); managed by Flux (HelmRelease flux-system/vc; labels helm.toolkit.fluxcd.io/* on StatefulSet vc), paused per gitops-paused: true; run 9-2 holds the lock (plan); back from phase one by an abort at 2026-12-02T08:00:00Z',
      next: 'migrate to chart 0.28.0 once PVC data-vc-0 (the old embedded etcd) is deleted, or with delete-stale-embedded-pvc: true',
    });
    expect(said(withRecord({ abort: { status: 'aborted' } })).reason).toMatch(/; back from phase one by an abort$/);
  });
});

describe('a release that cannot start a migration: every blocker with its next step, joined', () => {
  it('an old chart, scaled to zero, and no Helm release', () => {
    const f = facts({ controlPlane: cp({ chart: 'vcluster-0.20.0', replicas: 0 }), etcd: etcd(0), helm: null });
    expect(said(f)).toEqual({
      state: 'not-eligible',
      attention: true,
      reason:
        'chart 0.20.0 is older than 0.24.2, which brought migrateFromDeployedEtcd; scaled to zero (Deployment vc, StatefulSet vc-etcd has 0 replicas); no Helm release vc in ns (no Secret labelled owner=helm,name=vc)',
      next: 'upgrade the release to a chart from 0.24.2 to 0.28.x on deployed etcd first; scale it up (or wake it from sleep mode) and wait until it is Ready, then run discover again; the action upgrades Helm releases only; install or adopt the release with Helm first',
    });
  });

  it('a chart-version older than the installed chart, and a Helm operation not finished', () => {
    const f = facts({
      controlPlane: cp({ chart: 'vcluster-0.28.0' }),
      helm: { status: 'pending-upgrade', revision: 7 },
    });
    expect(said(f, { chartVersion: v('0.27.0'), gitopsPaused: false })).toMatchObject({
      reason:
        'chart-version 0.27.0 is older than the installed chart 0.28.0; the Helm status is pending-upgrade (revision 7), not deployed',
      next: 'use chart-version: keep, or 0.28.0 or later; finish or roll back the Helm operation (helm history vc -n ns)',
    });
    // The same version is not older: no blocker.
    expect(
      said(facts({ controlPlane: cp({ chart: 'vcluster-0.28.0' }) }), {
        chartVersion: v('0.28.0'),
        gitopsPaused: false,
      }).state,
    ).toBe('deployed');
  });

  it('a chart-version across the etcd 3.6 line, and a GitOps controller not paused', () => {
    expect(said(facts({ marks: [flux] }), { chartVersion: v('0.29.0'), gitopsPaused: false })).toMatchObject({
      reason:
        'chart 0.27.0 ships etcd 3.5 and chart-version 0.29.0 etcd 3.6; vCluster requires a stop on a 0.24.2-0.28.x chart; managed by Flux (HelmRelease flux-system/vc; labels helm.toolkit.fluxcd.io/* on StatefulSet vc)',
      next: 'migrate with chart-version: keep (or a 0.28.x version) first, then upgrade; suspend HelmRelease flux-system/vc',
    });
  });

  it('an unreadable state record: inspect it, delete it only when no migration runs', () => {
    expect(said(withRecord({ error: 'ConfigMap vc-etcd-migration has no state.json' }))).toEqual({
      state: 'not-eligible',
      attention: true,
      reason: 'ConfigMap vc-etcd-migration has no state.json',
      next: 'inspect ConfigMap vc-etcd-migration in ns; delete it only if no migration is under way',
    });
  });
});
