// What discover makes of each listed object: a state record reduced to the facts the fleet shows,
// the objects that are left out (no release label, a name that does not fit the release), the
// Helm revision and store that count, the namespace's labels, and the GitOps marks on each object.
import { describe, expect, it } from 'vitest';
import { groupFleet, recordFacts, type ObjMeta } from '../../../../src/core/fleet/grouping.ts';
import { emptyState, type StateRecord } from '../../../../src/core/migration/state.ts';
import { census, helm, workload } from './fixtures.ts';

const text = (f: (s: StateRecord) => void, release = 'vc', namespace = 'ns') => {
  const s = emptyState(release, namespace);
  f(s);
  return JSON.stringify(s);
};
const configSecret = (name: string, labels: Record<string, string>, annotations: Record<string, string> = {}) =>
  ({ namespace: 'ns', name, labels, annotations }) satisfies ObjMeta;

describe('a state record as the fleet shows it', () => {
  it('keeps status, failure, verification time and chart of each phase, the key counts, leftover PVCs, lock and abort', () => {
    const t = text((s) => {
      s.phase1 = {
        status: 'verified',
        startedAt: 's',
        chartVersion: '0.27.0',
        valuesDigest: 'd',
        verifiedAt: 'v1',
        before: census(90),
        deployedAtSuccess: census(100),
        after: census(95),
      };
      s.phase2 = {
        status: 'failed',
        startedAt: 's2',
        valuesDigest: 'e',
        verifiedAt: 'v2',
        failure: 'census differs',
        census: census(101),
        leftoverPvcs: ['data-vc-etcd-0'],
      };
      s.lock = { runId: '7-1', phase: 'finalize', acquiredAt: 'a', renewedAt: 'b' };
      // Only the fields the fleet reads; the rest of an abort record does not reach it.
      s.abort = {
        status: 'failed',
        startedAt: 'x',
        failure: 'helm upgrade failed',
        abortedAt: 'y',
        leftoverPvcs: ['data-vc-0'],
      } as unknown as StateRecord['abort'];
    });
    expect(recordFacts(t, 'ns', 'vc')).toEqual({
      p1: { status: 'verified', failure: undefined, verifiedAt: 'v1', chartVersion: '0.27.0' },
      p2: { status: 'failed', failure: 'census differs', verifiedAt: 'v2' },
      keysBefore: 100,
      keysAfter: 101,
      leftoverPvcs: ['data-vc-etcd-0'],
      lock: { runId: '7-1', phase: 'finalize' },
      abort: { status: 'failed', failure: 'helm upgrade failed', abortedAt: 'y', leftoverPvcs: ['data-vc-0'] },
    });
  });

  it('counts keys before from the census before phase one until the success census is there, and after from phase one until phase two counted', () => {
    const t = text((s) => {
      s.phase1 = {
        status: 'upgraded',
        startedAt: 's',
        chartVersion: '0.27.0',
        valuesDigest: 'd',
        failure: 'no success line',
        before: census(90),
        after: census(95),
      };
    });
    const f = recordFacts(t, 'ns', 'vc');
    expect(f).toMatchObject({ keysBefore: 90, keysAfter: 95, p1: { status: 'upgraded', failure: 'no success line' } });
    expect(f.p2).toBeUndefined();
    // Phase two began and has not counted yet: keys after are still phase one's.
    const started = text((s) => {
      s.phase1 = { status: 'verified', startedAt: 's', chartVersion: '0.27.0', valuesDigest: 'd', after: census(95) };
      s.phase2 = { status: 'started', startedAt: 's2', valuesDigest: 'e' };
    });
    expect(recordFacts(started, 'ns', 'vc')).toMatchObject({ keysAfter: 95, p2: { status: 'started' } });
    const fresh = recordFacts(
      text(() => {}),
      'ns',
      'vc',
    );
    expect(fresh).toEqual({});
    expect(Object.values(fresh).every((x) => x === undefined)).toBe(true);
  });

  it('says which ConfigMap is wrong and how', () => {
    expect(recordFacts('{not json', 'ns', 'vc')).toEqual({
      error: 'ConfigMap vc-etcd-migration holds a state.json that is not JSON',
    });
    const notOurs = { error: 'ConfigMap vc-etcd-migration does not hold a state record of release vc in ns' };
    expect(recordFacts('null', 'ns', 'vc')).toEqual(notOurs);
    expect(recordFacts(JSON.stringify({ ...emptyState('vc', 'ns'), version: 2 }), 'ns', 'vc')).toEqual(notOurs);
    expect(
      recordFacts(
        text(() => {}, 'vc', 'other'),
        'ns',
        'vc',
      ),
    ).toEqual(notOurs);
    expect(
      recordFacts(
        text(() => {}, 'other', 'ns'),
        'ns',
        'vc',
      ),
    ).toEqual(notOurs);
  });
});

describe('grouping what was listed', () => {
  it('leaves out workloads without a release label and records whose name is not the release’s', () => {
    const unlabelled = { ...workload('Deployment', 'ns', 'loose'), labels: { app: 'vcluster' } };
    const facts = groupFleet({
      controlPlanes: [unlabelled, workload('Deployment', 'ns', 'vc')],
      etcds: [
        { ...workload('StatefulSet', 'ns', 'x-etcd', { app: 'vcluster-etcd' }), labels: { app: 'vcluster-etcd' } },
      ],
      records: [
        { namespace: 'ns', name: 'someone-elses-config', text: text(() => {}, 'someone-elses-config') },
        { namespace: 'ns', name: 'vc-etcd-migration', release: 'other', text: text(() => {}, 'other') },
        { namespace: 'ns2', name: 'b-etcd-migration', text: text(() => {}, 'b', 'ns2') },
      ],
    });
    expect(facts.map((f) => `${f.namespace}/${f.release}`)).toEqual(['ns/vc', 'ns2/b']);
    expect(facts[0]!.record).toBeUndefined();
    expect(facts[0]!.etcd).toBeUndefined();
    expect(facts[1]).toMatchObject({ record: {}, marks: [] });
    expect(facts[1]!.controlPlane).toBeUndefined();
  });

  it('keeps the StatefulSet control plane whichever order they are listed in, and the first Deployment otherwise', () => {
    const [sts] = groupFleet({
      controlPlanes: [workload('StatefulSet', 'ns', 'vc'), workload('Deployment', 'ns', 'vc')],
      etcds: [],
      records: [],
    });
    expect(sts!.controlPlane!.kind).toBe('StatefulSet');
    const [dep] = groupFleet({
      controlPlanes: [
        workload('Deployment', 'ns', 'vc', { replicas: 1 }),
        workload('Deployment', 'ns', 'vc', { replicas: 3 }),
      ],
      etcds: [],
      records: [],
    });
    expect(dep!.controlPlane!.replicas).toBe(1);
  });

  it('takes the highest Helm revision of each vCluster release, skipping Secrets without a name or a whole revision', () => {
    const bad = (labels: Record<string, string>) => ({
      namespace: 'ns',
      name: 'sh.helm.release.v1.x',
      labels,
      annotations: {},
    });
    const facts = groupFleet({
      controlPlanes: [workload('Deployment', 'ns', 'vc'), workload('Deployment', 'ns', 'bare')],
      etcds: [],
      records: [],
      helmSecrets: [
        helm('ns', 'vc', 1, 'superseded'),
        helm('ns', 'vc', 3, 'failed'),
        helm('ns', 'vc', 2, 'superseded'),
        bad({ name: 'bare', version: '9.5', status: 'deployed' }),
        bad({ name: 'bare', version: 'v9', status: 'deployed' }),
        bad({ version: '9', status: 'deployed' }),
        helm('ns', 'not-a-vcluster', 1, 'deployed'),
        helm('other-ns', 'vc', 5, 'deployed'),
      ],
    });
    expect(facts.map((f) => [f.release, f.helm])).toEqual([
      ['vc', { status: 'failed', revision: 3 }],
      ['bare', null],
    ]);
  });

  it('takes the store of the vc-config Secret of a listed release, null when it has none', () => {
    const facts = groupFleet({
      controlPlanes: [
        workload('Deployment', 'ns', 'a'),
        workload('Deployment', 'ns', 'b'),
        workload('Deployment', 'ns', 'c'),
      ],
      etcds: [],
      records: [],
      configSecrets: [
        configSecret('vc-config-a', { release: 'a' }, { 'vcluster.loft.sh/store': 'embedded-etcd' }),
        configSecret('vc-config-b', { release: 'b' }),
        // The label names c, the name another release: not c's config.
        configSecret('vc-config-other', { release: 'c' }, { 'vcluster.loft.sh/store': 'embedded-etcd' }),
        // A config of a release with no control plane listed does not add a release.
        configSecret('vc-config-gone', {}, { 'vcluster.loft.sh/store': 'embedded-etcd' }),
      ],
    });
    expect(facts.map((f) => [f.release, f.store])).toEqual([
      ['a', 'embedded-etcd'],
      ['b', null],
      ['c', null],
    ]);
  });

  it('keeps the labels and annotations of the release’s own namespace', () => {
    const facts = groupFleet({
      controlPlanes: [
        workload('Deployment', 'a', 'vc'),
        workload('Deployment', 'b', 'vc'),
        workload('Deployment', 'c', 'vc'),
      ],
      etcds: [],
      records: [],
      namespaces: [
        { name: 'a', labels: { team: 'a' }, annotations: { 'example.com/wave': 'canary' } },
        { name: 'b', labels: { team: 'b' } },
      ],
    });
    expect(facts.map((f) => f.namespaceMeta)).toEqual([
      { labels: { team: 'a' }, annotations: { 'example.com/wave': 'canary' } },
      { labels: { team: 'b' }, annotations: {} },
      undefined,
    ]);
  });

  it('finds GitOps marks on the control plane, the etcd StatefulSet and the namespace, naming the object each is on', () => {
    const facts = groupFleet({
      controlPlanes: [
        workload('Deployment', 'ns', 'vc', {
          annotations: { 'argocd.argoproj.io/tracking-id': 'apps:apps/Deployment:ns/vc' },
        }),
      ],
      etcds: [
        workload('StatefulSet', 'ns', 'vc-etcd', {
          app: 'vcluster-etcd',
          release: 'vc',
          labels: { 'helm.toolkit.fluxcd.io/name': 'vc', 'helm.toolkit.fluxcd.io/namespace': 'flux' },
        }),
      ],
      records: [],
      namespaces: [{ name: 'ns', labels: { 'loft.sh/vcluster-instance-name': 'vc' } }],
    });
    expect(facts[0]!.marks.map((m) => [m.controller, m.evidence])).toEqual([
      ['Argo CD', 'annotation argocd.argoproj.io/tracking-id on Deployment vc'],
      ['Flux', 'labels helm.toolkit.fluxcd.io/name/helm.toolkit.fluxcd.io/namespace on StatefulSet vc-etcd'],
      ['vCluster Platform', 'loft.sh/vcluster-instance-name on Namespace ns'],
    ]);
  });
});
