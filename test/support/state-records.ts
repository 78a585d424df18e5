// Records and cluster views the pure decisions' unit tests start from: a deployed-etcd release with
// one etcd PVC, a verified phase one, a census of two groups. Each test overrides what it is about.
import type { Census } from '../../src/core/migration/census.ts';
import type { ClusterView } from '../../src/core/migration/cluster-view.ts';
import type { PhaseOneRecord, StateRecord } from '../../src/core/migration/state.ts';

/** What the cluster shows of release `vc` on its deployed etcd (chart 0.27.0, revision 5). */
export const clusterView = (over: Partial<ClusterView> = {}): ClusterView => ({
  release: { status: 'deployed', chartVersion: '0.27.0', revision: 5 },
  store: 'deployed',
  deployedEtcd: { replicas: 1, readyReplicas: 1 },
  etcdServices: ['vc-etcd', 'vc-etcd-headless'],
  controlPlane: 'Deployment',
  etcdPods: [],
  etcdPvcs: [{ name: 'data-vc-etcd-0' }],
  storageClasses: [{ name: 'standard', isDefault: true }],
  ...over,
});

/** A phase one that verified the copy (from Helm revision 3). */
export const verifiedPhaseOne = (over: Partial<PhaseOneRecord> = {}): PhaseOneRecord => ({
  status: 'verified',
  startedAt: 't0',
  chartVersion: '0.27.0',
  valuesDigest: 'd',
  helmRevisionBefore: 3,
  verifiedAt: 't1',
  ...over,
});

/** `s` with a verified phase one. */
export const withVerifiedPhaseOne = (s: StateRecord, over: Partial<PhaseOneRecord> = {}): StateRecord => ({
  ...s,
  phase1: verifiedPhaseOne(over),
});

/** 14 keys in two groups at revision 900, read through the port-forward. */
export const sampleCensus = (over: Partial<Census> = {}): Census => ({
  revision: 900,
  total: 14,
  groups: { '/registry/pods/': 10, '/registry/secrets/': 4 },
  store: 'deployed',
  path: 'port-forward',
  takenAt: '2026-12-07T08:04:00Z',
  ...over,
});
