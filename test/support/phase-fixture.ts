// A phase's dependencies in memory, as Helm's actionConfigFixture gives its actions a memory
// driver and a fake kube client: a release whose chart is simulated (phase one's values start the
// copy into the embedded etcd, phase two's remove the deployed etcd), two etcds of key counts, the
// real StateStore over in-memory ConfigMaps with resourceVersions, and an approval verdict. For
// abort also the control plane's scale, the reader pod, vCluster's store annotation and its check at
// start, and Helm's revisions. The phases run unchanged; only the world below the adapters'
// interfaces is made up.
import { compareContent, type ContentDiff, type ContentDigest } from '../../src/core/migration/content-proof.ts';
import { emptyGroupComparison, noteDifference } from '../../src/core/migration/keyspace-comparison.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { parseSettings } from '../../src/core/inputs/inputs.ts';
import type { PhaseDeps } from '../../src/phases/steps/deps.ts';
import { stopOutcome } from '../../src/phases/steps/outcome.ts';
import { StateStore, type ConfigMapApi } from '../../src/adapters/kube/state-store.ts';
import type { ReleaseKube } from '../../src/adapters/kube/release-kube.ts';
import type { HistoryEntry, ReleaseHelm, ReleaseInfo } from '../../src/adapters/helm/helm.ts';
import type { EtcdOps } from '../../src/adapters/etcd/ops.ts';
import type { LogGateOptions, LogGateResult } from '../../src/adapters/kube/log-gate.ts';
import { newReport, type Outcome, type RunReport } from '../../src/report/report.ts';
import { backingStoreOf, type Values } from '../../src/core/migration/values.ts';
import {
  objectNames,
  type ObservedObjects,
  type PodView,
  type PvcView,
} from '../../src/core/migration/cluster-view.ts';
import type { Census, EtcdStore } from '../../src/core/migration/census.ts';
import type { ApprovalVerdict } from '../../src/core/migration/approval.ts';
import { STATE_KEY, stateConfigMapName, type StateRecord } from '../../src/core/migration/state.ts';
import {
  refOf,
  type ControllerObject,
  type ControllerReading,
  type MarkedObject,
} from '../../src/core/migration/gitops.ts';
import type { ReaderPod } from '../../src/core/migration/abort-reader.ts';
import type { AccessNeed } from '../../src/core/migration/permissions.ts';
import type { KeyspaceComparison } from '../../src/core/migration/keyspace-comparison.ts';
import type { EqualizeResult, KeyspaceProgress, RevisionBump } from '../../src/adapters/etcd/equalize.ts';
import type { SinceResult } from '../../src/adapters/etcd/equalize-since.ts';

export const RELEASE = 'vc';
export const NAMESPACE = 'team';
export const SUCCESS = 'Successfully migrated etcd database to embedded etcd';
/** vCluster's store annotation on Secret vc-config-<release>, and the value its start writes. */
export const STORE_ANNOTATION = 'vcluster.loft.sh/store';

/** An API error as client-node throws it: the HTTP status in `code`. */
const apiError = (code: number, message: string) => Object.assign(new Error(message), { code });

/** ConfigMaps in memory, with resourceVersions: a write naming an old one fails with 409 as the API server does. */
export class MemoryConfigMaps implements ConfigMapApi {
  readonly items = new Map<string, V1ConfigMap>();
  private version = 0;
  writes = 0;
  async configMap(namespace: string, name: string): Promise<V1ConfigMap | undefined> {
    const cm = this.items.get(`${namespace}/${name}`);
    return cm && structuredClone(cm);
  }
  async createConfigMap(namespace: string, body: V1ConfigMap): Promise<V1ConfigMap> {
    const key = `${namespace}/${body.metadata!.name}`;
    if (this.items.has(key)) throw apiError(409, `configmaps "${body.metadata!.name}" already exists`);
    return this.put(key, body);
  }
  async replaceConfigMap(namespace: string, body: V1ConfigMap): Promise<V1ConfigMap> {
    const key = `${namespace}/${body.metadata!.name}`;
    const old = this.items.get(key);
    if (!old) throw apiError(404, `configmaps "${body.metadata!.name}" not found`);
    if (old.metadata?.resourceVersion !== body.metadata?.resourceVersion)
      throw apiError(409, 'the object has been modified');
    return this.put(key, body);
  }
  private put(key: string, body: V1ConfigMap): V1ConfigMap {
    this.writes++;
    const stored = {
      ...structuredClone(body),
      metadata: { ...body.metadata, resourceVersion: String(++this.version) },
    };
    this.items.set(key, stored);
    return structuredClone(stored);
  }
  /** The state record as stored, or undefined. */
  record(): StateRecord | undefined {
    const text = this.items.get(`${NAMESPACE}/${stateConfigMapName(RELEASE)}`)?.data?.[STATE_KEY];
    return text ? (JSON.parse(text) as StateRecord) : undefined;
  }
  /** Makes the stored lock's last renewal `ms` old: its run stopped renewing it (was killed). */
  ageLock(ms: number): void {
    const cm = this.items.get(`${NAMESPACE}/${stateConfigMapName(RELEASE)}`)!;
    const record = JSON.parse(cm.data![STATE_KEY]!) as StateRecord;
    record.lock!.renewedAt = new Date(Date.now() - ms).toISOString();
    cm.data![STATE_KEY] = JSON.stringify(record);
  }
}

const pod = (name: string, uid: string, ready = true): PodView => ({
  name,
  uid,
  phase: 'Running',
  ready,
  restarts: 0,
  deleting: false,
});

/** The release's objects and the calls the phases made, with the chart's effect of each upgrade. */
export class FakeCluster {
  readonly namespace = NAMESPACE;
  readonly release = RELEASE;
  readonly objects = objectNames(RELEASE);
  deployedEtcd?: { replicas: number; readyReplicas: number } = { replicas: 1, readyReplicas: 1 };
  etcdServices: string[] = [this.objects.etcdSvc, this.objects.etcdHeadless];
  etcdPods: PodView[] = [pod(this.objects.etcdPod0, 'etcd-pod-1')];
  etcdPvcs: PvcView[] = [{ name: `${this.objects.etcdPvcPrefix}0`, size: '5Gi', phase: 'Bound' }];
  embeddedPod?: PodView = pod(this.objects.embeddedPod, 'cp-pod-1');
  /** The control plane: a Deployment on deployed etcd, StatefulSet <release> (with its replicas) on embedded. */
  controlPlane: 'Deployment' | 'StatefulSet' = 'Deployment';
  controlPlaneReplicas?: number;
  /** Whether the Deployment's pod is ready (false: it crash-loops on vCluster's store check). */
  deploymentReady = true;
  embeddedPvcs: PvcView[] = [];
  /** PVCs created so far: each gets a uid of its own. */
  pvcsMade = 0;
  /** Annotations of Secret vc-config-<release>. */
  configAnnotations: Record<string, string> = { [STORE_ANNOTATION]: 'deployed-etcd' };
  /** Other pods (the reader pod), by name. */
  readonly pods = new Map<string, PodView>();
  /** When set, the reader pod never becomes Ready. */
  readerFails = false;
  storageClasses = [{ name: 'standard', isDefault: true }];
  marked: MarkedObject[] = [];
  /** GitOps controllers' objects in the cluster by "Kind namespace/name": their annotations and spec. */
  readonly controllerObjects = new Map<string, { annotations?: Record<string, string>; spec: unknown }>();
  /** Verbs the credentials may not use ("get helmreleases.helm.toolkit.fluxcd.io in namespace flux-system"). */
  missing: string[] = [];
  pingError?: Error;
  /** What the log gate sees: the success line by default. */
  logGate: () => Promise<LogGateResult> = async () => ({
    line: SUCCESS,
    podUid: this.embeddedPod?.uid ?? '',
    at: new Date().toISOString(),
    container: 'current',
  });
  /** What the phases asked the log gate to wait for, one entry per wait. */
  readonly gateOptions: Pick<LogGateOptions, 'copyPodUid' | 'knownLostPodUid'>[] = [];
  /** What each call the phases made was, in order ("deletePvc data-vc-etcd-0"). */
  readonly calls: string[] = [];
  /** Each upgrade replaces the control-plane pod: its uid counts up. */
  private podGeneration = 1;

  async ping(): Promise<void> {
    if (this.pingError) throw this.pingError;
  }
  async missingAccess(needs: AccessNeed[]): Promise<string[]> {
    // The release's own needs answer with every missing verb, as before; a need in another
    // namespace (a GitOps controller's object) only with its own.
    if (!needs.some((n) => n.namespace)) return this.missing.filter((m) => !m.includes(' in namespace '));
    const asked = needs.map(
      (n) => `${n.verb} ${n.group ? `${n.resource}.${n.group}` : n.resource} in namespace ${n.namespace}`,
    );
    return this.missing.filter((m) => asked.includes(m));
  }
  async readController(o: ControllerObject): Promise<ControllerReading> {
    const found = this.controllerObjects.get(refOf(o));
    if (!found) return { object: o, state: 'absent', why: `there is no ${refOf(o)} in this cluster` };
    return { object: o, state: 'read', version: 'v2', ...found };
  }
  async observe(): Promise<ObservedObjects> {
    return structuredClone({
      deployedEtcd: this.deployedEtcd,
      etcdServices: this.etcdServices,
      controlPlane: this.controlPlane,
      controlPlaneReplicas: this.controlPlaneReplicas,
      embeddedPod: this.embeddedPod,
      etcdPods: this.etcdPods,
      etcdPvcs: this.etcdPvcs,
      embeddedPvcs: this.embeddedPvcs,
      storageClasses: this.storageClasses,
      marked: this.marked,
    });
  }
  async deleteStatefulSetOrphan(name: string): Promise<void> {
    this.calls.push(`deleteStatefulSetOrphan ${name}`);
  }
  async deletePvc(name: string): Promise<void> {
    this.calls.push(`deletePvc ${name}`);
    this.etcdPvcs = this.etcdPvcs.filter((p) => p.name !== name);
    this.embeddedPvcs = this.embeddedPvcs.filter((p) => p.name !== name);
  }
  async waitPvcsGone(pvcs: string[]): Promise<void> {
    const left = [...this.etcdPvcs, ...this.embeddedPvcs].filter((p) => pvcs.includes(p.name));
    if (left.length > 0) throw new Error(`PVC ${left.map((p) => p.name).join(', ')} still exists`);
  }
  async scaleControlPlane(replicas: number): Promise<number | undefined> {
    this.calls.push(`scaleControlPlane ${replicas}`);
    if (this.controlPlane !== 'StatefulSet') return undefined;
    const had = this.controlPlaneReplicas;
    this.controlPlaneReplicas = replicas;
    if (replicas === 0) this.embeddedPod = undefined;
    return had;
  }
  async deployedEtcdImage() {
    return this.deployedEtcd ? { image: 'registry.k8s.io/etcd:3.5.21-0', pullSecrets: [] } : undefined;
  }
  async pod(name: string): Promise<PodView | undefined> {
    if (name === this.objects.embeddedPod) return this.embeddedPod;
    return this.pods.get(name);
  }
  async createPod(manifest: ReaderPod): Promise<'created' | 'existed'> {
    const name = manifest.metadata.name;
    this.calls.push(`createPod ${name}`);
    if (this.pods.has(name)) return 'existed';
    this.pods.set(name, pod(name, `reader-${this.calls.length}`, !this.readerFails));
    return 'created';
  }
  async waitPodReady(name: string): Promise<PodView> {
    const p = await this.pod(name);
    if (!p?.ready) throw new Error(`pod ${name} was not Ready`);
    return p;
  }
  async waitPodGone(name: string): Promise<void> {
    if (await this.pod(name)) throw new Error(`pod ${name} still exists`);
  }
  async deletePod(name: string): Promise<void> {
    if (this.pods.delete(name)) this.calls.push(`deletePod ${name}`);
  }
  async clearConfigAnnotations(keys: readonly string[]): Promise<Record<string, string>> {
    this.calls.push(`clearConfigAnnotations ${keys.join(',')}`);
    const was = Object.fromEntries(Object.entries(this.configAnnotations).filter(([k]) => keys.includes(k)));
    for (const k of keys) delete this.configAnnotations[k];
    return was;
  }
  async controlPlaneDeployment() {
    if (this.controlPlane !== 'Deployment') return undefined;
    const ready = this.deploymentReady ? 1 : 0;
    return { replicas: 1, ready, updated: 1 };
  }
  async controlPlaneStatefulSetExists(): Promise<boolean> {
    return this.controlPlane === 'StatefulSet';
  }
  async controlPlaneLogLines(): Promise<string[]> {
    return this.deploymentReady ? [] : [`${this.release}: ${this.storeCheckMessage()}`];
  }
  /** vCluster's refusal at start of a switch from embedded back to deployed etcd. */
  storeCheckMessage(): string {
    return 'seems like you were using embedded-etcd as a store before and now have switched to deployed-etcd, please make sure to not switch between vCluster stores';
  }
  async diagnoseControlPlane() {
    this.calls.push('diagnoseControlPlane');
    return {
      findings: [`PVC ${this.objects.embeddedPvc} is Pending (no persistent volumes available)`],
      details: [`PVC ${this.objects.embeddedPvc}: Pending`],
    };
  }
  async settlePendingAsFailed(driver: string, revision: number): Promise<void> {
    this.calls.push(`settlePendingAsFailed ${driver} ${revision}`);
  }
  async waitForSuccessLine(o: Pick<LogGateOptions, 'copyPodUid' | 'knownLostPodUid'>): Promise<LogGateResult> {
    this.calls.push('waitForSuccessLine');
    this.gateOptions.push({ copyPodUid: o.copyPodUid, knownLostPodUid: o.knownLostPodUid });
    return this.logGate();
  }
  /** The chart's effect of an upgrade to `values`: a new control-plane pod; phase two's values remove the deployed etcd. */
  applyChart(values: Values): void {
    const store = backingStoreOf(values);
    if (store === 'deployed') {
      // vCluster's check at start: with the annotation still saying embedded-etcd it refuses to start.
      this.controlPlane = 'Deployment';
      this.controlPlaneReplicas = undefined;
      this.embeddedPod = undefined;
      this.deploymentReady = this.configAnnotations[STORE_ANNOTATION] !== 'embedded-etcd';
      if (this.deploymentReady) this.configAnnotations[STORE_ANNOTATION] = 'deployed-etcd';
      return;
    }
    this.embeddedPod = pod(this.objects.embeddedPod, `cp-pod-${++this.podGeneration}`);
    this.controlPlane = 'StatefulSet';
    this.controlPlaneReplicas = 1;
    this.configAnnotations[STORE_ANNOTATION] = 'embedded-etcd';
    if (!this.embeddedPvcs.some((p) => p.name === this.objects.embeddedPvc))
      this.embeddedPvcs.push({
        name: this.objects.embeddedPvc,
        uid: `uid-${++this.pvcsMade}`,
        size: '5Gi',
        phase: 'Bound',
      });
    if (store === 'embedded') {
      this.deployedEtcd = undefined;
      this.etcdServices = [];
      this.etcdPods = [];
    }
  }
}
/** The ReleaseKube the phases get, over a FakeCluster. */
function kubeOf(cluster: FakeCluster): ReleaseKube {
  return {
    namespace: cluster.namespace,
    release: cluster.release,
    ping: () => cluster.ping(),
    missingAccess: (needs) => cluster.missingAccess(needs),
    observe: () => cluster.observe(),
    readController: (o) => cluster.readController(o),
    embeddedPod: async () => cluster.embeddedPod,
    deleteStatefulSetOrphan: (name) => cluster.deleteStatefulSetOrphan(name),
    deletePvc: (name) => cluster.deletePvc(name),
    diagnoseControlPlane: () => cluster.diagnoseControlPlane(),
    settlePendingAsFailed: (driver, revision) => cluster.settlePendingAsFailed(driver, revision),
    waitForSuccessLine: (o) => cluster.waitForSuccessLine(o),
    waitPvcsGone: (pvcs) => cluster.waitPvcsGone(pvcs),
    scaleControlPlane: (replicas) => cluster.scaleControlPlane(replicas),
    deployedEtcdImage: () => cluster.deployedEtcdImage(),
    pod: (name) => cluster.pod(name),
    createPod: (manifest) => cluster.createPod(manifest),
    waitPodReady: (name) => cluster.waitPodReady(name),
    waitPodGone: (name) => cluster.waitPodGone(name),
    deletePod: (name) => cluster.deletePod(name),
    clearConfigAnnotations: (keys) => cluster.clearConfigAnnotations(keys),
    controlPlaneDeployment: () => cluster.controlPlaneDeployment(),
    controlPlaneStatefulSetExists: () => cluster.controlPlaneStatefulSetExists(),
    controlPlaneLogLines: () => cluster.controlPlaneLogLines(),
  };
}

/** A control-plane StatefulSet that keeps /data on a volume claim template of `size`. */
export const renderedWithClaim = (size = '100Gi'): string => `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ${RELEASE}
spec:
  template:
    spec:
      containers:
        - name: syncer
          volumeMounts:
            - name: data
              mountPath: /data
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        resources:
          requests:
            storage: ${size}
`;

/** The Helm release: its info, its user values, and each upgrade the phases ran. */
export class FakeHelm implements ReleaseHelm {
  info_: ReleaseInfo | undefined = { status: 'deployed', chartVersion: '0.27.0', revision: 1 };
  values: Values = { controlPlane: { backingStore: { etcd: { deploy: { enabled: true } } } } };
  helmVersion = 'v3.18.6';
  /** The version in the Chart.yaml of the chart the upgrade would install. */
  ownChartVersion = '0.27.0';
  manifest = renderedWithClaim();
  readonly upgrades: { values: Values; dryRun: boolean }[] = [];
  /** Every revision Helm keeps, oldest first, with its user values. */
  readonly revisions: (HistoryEntry & { values: Values })[] = [
    { revision: 1, status: 'deployed', chartVersion: '0.27.0', values: structuredClone(this.values) },
  ];
  /** When set, the next real upgrade fails with this error (and applies nothing). */
  failNextUpgrade?: Error;
  /**
   * When set, the next real upgrade fails by itself mid-apply, as helm does when the API server
   * refuses one of its writes: the new revision is stored with the new values and recorded failed,
   * the chart's effect is not reached (the deployed etcd stays), and the upgrade throws this error.
   */
  failNextApply?: Error;
  /**
   * When set, the next real upgrade is killed: the release is left pending-upgrade with the new
   * values (as a killed helm leaves it), this is called, and the upgrade never returns.
   */
  killNextUpgrade?: () => void;
  private readonly cluster: FakeCluster;
  constructor(cluster: FakeCluster) {
    this.cluster = cluster;
  }
  async version(): Promise<string> {
    return this.helmVersion;
  }
  async info(): Promise<ReleaseInfo | undefined> {
    return this.info_ && { ...this.info_ };
  }
  async userValues(): Promise<Values> {
    return structuredClone(this.values);
  }
  async upgrade(o: { valuesFile: string; timeoutMs: number; dryRun?: boolean }): Promise<string> {
    const values = parseYaml(readFileSync(o.valuesFile, 'utf8')) as Values;
    this.upgrades.push({ values, dryRun: o.dryRun === true });
    if (o.dryRun) return '';
    const killed = this.killNextUpgrade;
    if (killed) {
      this.killNextUpgrade = undefined;
      this.values = values;
      this.info_ = { status: 'pending-upgrade', chartVersion: '0.27.0', revision: (this.info_?.revision ?? 0) + 1 };
      this.revisions.push({ ...this.info_, values: structuredClone(values) });
      killed();
      return new Promise<string>(() => undefined);
    }
    const applyFailure = this.failNextApply;
    if (applyFailure) {
      this.failNextApply = undefined;
      this.values = values;
      this.info_ = { status: 'failed', chartVersion: '0.27.0', revision: (this.info_?.revision ?? 0) + 1 };
      this.revisions.push({ ...this.info_, values: structuredClone(values) });
      throw applyFailure;
    }
    const failure = this.failNextUpgrade;
    if (failure) {
      this.failNextUpgrade = undefined;
      throw failure;
    }
    this.values = values;
    this.info_ = {
      status: 'deployed',
      chartVersion: this.info_?.chartVersion ?? '0.27.0',
      revision: (this.info_?.revision ?? 0) + 1,
    };
    for (const r of this.revisions) if (r.status === 'deployed') r.status = 'superseded';
    this.revisions.push({ ...this.info_, values: structuredClone(values) });
    this.cluster.applyChart(values);
    return '';
  }
  async valuesAt(revision: number): Promise<Values> {
    const r = this.revisions.find((x) => x.revision === revision);
    if (!r) throw new Error(`release: not found (revision ${revision})`);
    return structuredClone(r.values);
  }
  async history(): Promise<HistoryEntry[]> {
    return this.revisions.map(({ values: _v, ...h }) => h);
  }
  async template(): Promise<string> {
    return this.manifest;
  }
  async chartVersion(): Promise<string> {
    return this.ownChartVersion;
  }
}

/** The two etcds as key counts per group; phase one's upgrade copies the deployed one into the embedded one. */
export class FakeEtcd implements EtcdOps {
  groups: Record<EtcdStore, Record<string, number>> = {
    deployed: { '/registry/pods/': 10, '/registry/secrets/': 4, '/registry/events/': 3 },
    embedded: {},
  };
  revision = 100;
  /** The etcds themselves: a view with another pod serving the embedded one writes its counts here. */
  protected readonly root: FakeEtcd = this;
  unreadable = new Set<EtcdStore>();
  backups = 0;
  /** Per group, how many keys both etcds hold with different values. */
  changed: Record<string, number> = {};
  /** Which pod serves the embedded etcd: only a Ready one answers (the control plane's, or the reader). */
  embeddedServedBy = (_pod: string): boolean => true;
  embeddedPod = objectNames(RELEASE).embeddedPod;
  /** The etcd operations each call went through ("census embedded via vc-embedded-etcd-reader"). */
  readonly calls: string[] = [];
  async census(store: EtcdStore): Promise<Census> {
    this.reach(store, 'census');
    const groups = { ...this.groups[store] };
    const total = Object.values(groups).reduce((a, b) => a + b, 0);
    return {
      revision: ++this.root.revision,
      total,
      groups,
      store,
      path: 'port-forward',
      takenAt: new Date().toISOString(),
    };
  }
  /** Groups whose embedded content differs from the deployed one (a value changed by the copy), with the first key. */
  corrupted: Record<string, string> = {};
  async contentProof(volatilePrefixes: readonly string[]): Promise<ContentDiff> {
    const digest = (store: EtcdStore): ContentDigest => {
      const groups: ContentDigest['groups'] = {};
      for (const [g, count] of Object.entries(this.groups[store]))
        groups[g] = { count, digest: `${count}${store === 'embedded' && this.corrupted[g] ? '!' : ''}` };
      return { revision: ++this.revision, total: Object.values(this.groups[store]).reduce((a, b) => a + b, 0), groups };
    };
    const walks = Object.entries(this.corrupted).map(([g, key]) => {
      const c = emptyGroupComparison(g);
      noteDifference(c, 'changed', key);
      return c;
    });
    return compareContent(digest('deployed'), digest('embedded'), walks, volatilePrefixes);
  }
  async backup(dir: string, store: EtcdStore = 'deployed') {
    this.reach(store, 'backup');
    this.root.backups++;
    const keys = Object.values(this.groups[store]).reduce((a, b) => a + b, 0);
    return {
      record: { file: join(dir, 'snapshot.db'), bytes: 4096, sha256: 'ab'.repeat(32), revision: this.revision, keys },
      restore: 'restore: etcdutl snapshot restore snapshot.db',
    };
  }
  /** The same etcds with the embedded one served by `pod` (abort's reader pod). */
  withEmbeddedPod(pod: string): EtcdOps {
    const view = Object.create(this) as FakeEtcd;
    view.embeddedPod = pod;
    return view;
  }
  async compare(): Promise<KeyspaceComparison> {
    this.reach('embedded', 'compare');
    this.reach('deployed', 'compare');
    const e = this.groups.embedded;
    const d = this.groups.deployed;
    const names = [...new Set([...Object.keys(e), ...Object.keys(d)])].sort();
    const key = (g: string, n: number) => `${g}key-${n}`;
    const groups = names.map((group) => {
      const [ne, nd, changed] = [e[group] ?? 0, d[group] ?? 0, this.changed[group] ?? 0];
      const onlyInSource = Math.max(0, ne - nd);
      const onlyInTarget = Math.max(0, nd - ne);
      return {
        group,
        same: Math.min(ne, nd) - changed,
        onlyInSource,
        onlyInTarget,
        changed,
        first: {
          onlyInSource: onlyInSource ? [key(group, nd)] : [],
          onlyInTarget: onlyInTarget ? [key(group, ne)] : [],
          changed: changed ? [key(group, 0)] : [],
        },
      };
    });
    const total = (x: Record<string, number>) => Object.values(x).reduce((a, b) => a + b, 0);
    return {
      sourceRevision: this.revision,
      targetRevision: this.revision,
      sourceKeys: total(e),
      targetKeys: total(d),
      groups,
    };
  }
  async equalize(revision: number, onProgress: (p: KeyspaceProgress) => void): Promise<EqualizeResult> {
    const comparison = await this.compare();
    const sum = (k: 'onlyInSource' | 'onlyInTarget' | 'changed') => comparison.groups.reduce((a, g) => a + g[k], 0);
    const written = sum('onlyInSource') + sum('changed');
    const deleted = sum('onlyInTarget');
    this.root.groups.deployed = { ...this.groups.embedded };
    this.root.changed = {};
    onProgress({ compared: comparison.sourceKeys + comparison.targetKeys, written, deleted });
    return { comparison, written, deleted, ...(await this.bumpRevision(revision)) };
  }
  /** The in-memory etcds keep no history: abort always reads both key by key here. */
  async equalizeSince(): Promise<SinceResult> {
    this.reach('embedded', 'equalizeSince');
    this.reach('deployed', 'equalizeSince');
    return { kind: 'fallback', why: 'the in-memory etcds keep no history to replay' };
  }
  async bumpRevision(above: number): Promise<RevisionBump> {
    this.reach('deployed', 'bumpRevision');
    const before = this.revision;
    this.root.revision = Math.max(before, above) + 10;
    return { before, after: this.revision, compactedAt: this.revision };
  }
  private reach(store: EtcdStore, what: string): void {
    if (this.unreadable.has(store)) throw new Error(`etcd of the ${store} store does not answer`);
    if (store === 'embedded' && !this.embeddedServedBy(this.embeddedPod))
      throw new Error(`cannot port-forward to pod ${this.embeddedPod}: it is not running`);
    this.calls.push(`${what} ${store}${store === 'embedded' ? ` via ${this.embeddedPod}` : ''}`);
  }
}

export const APPROVED: ApprovalVerdict = {
  ok: true,
  bypassed: false,
  approvers: ['alice'],
  checks: [{ name: 'run-approval', state: 'passed', reason: 'approved by alice' }],
};

export interface PhaseFixture {
  deps: PhaseDeps & { report: RunReport };
  report: RunReport;
  cluster: FakeCluster;
  helm: FakeHelm;
  etcd: FakeEtcd;
  configMaps: MemoryConfigMaps;
  approval: { verdict: ApprovalVerdict; asked: number };
  warnings: string[];
}

/**
 * A fixture for one phase with `inputs` over a valid set (release vc in namespace team, chart
 * 0.27.0). The cluster starts as a release on deployed etcd with no migration recorded.
 */
export function phaseFixture(phase: string, inputs: Record<string, string> = {}): PhaseFixture {
  const all: Record<string, string> = {
    release: RELEASE,
    namespace: NAMESPACE,
    'chart-version': '0.27.0',
    phase,
    'approval-environment': 'production',
    ...inputs,
  };
  const {
    kubeconfig: _k,
    context: _c,
    githubToken: _t,
    prNumber: _p,
    ...parsed
  } = parseSettings((name: string) => all[name] ?? '');
  // The in-memory cluster settles at once: a wait that loops (a broken decision waiting at the removal
  // check) fails within seconds instead of holding a test for helm's default 10m (the input's minimum is 30s).
  const settings = { ...parsed, timeoutMs: inputs.timeout === undefined ? 1_000 : parsed.timeoutMs };
  const cluster = new FakeCluster();
  const helm = new FakeHelm(cluster);
  const etcd = new FakeEtcd();
  // The chart's copy: phase one's upgrade gives the embedded etcd what the deployed one holds.
  const apply = cluster.applyChart.bind(cluster);
  cluster.applyChart = (values) => {
    apply(values);
    if (backingStoreOf(values) === 'migrating') etcd.groups.embedded = { ...etcd.groups.deployed };
  };
  // The embedded etcd answers only through a Ready pod on its PVC: the control plane's or the reader.
  etcd.embeddedServedBy = (name) =>
    (name === cluster.objects.embeddedPod ? cluster.embeddedPod : cluster.pods.get(name))?.ready === true;
  const configMaps = new MemoryConfigMaps();
  const report = newReport(RELEASE, NAMESPACE, settings.phase);
  const approval = { verdict: APPROVED, asked: 0 };
  const warnings: string[] = [];
  const workDir = mkdtempSync(join(tmpdir(), 'phase-fixture-'));
  const deps = {
    settings,
    kube: kubeOf(cluster),
    helm,
    store: new StateStore(configMaps, NAMESPACE, RELEASE, 'run-1'),
    etcd,
    approvals: {
      verify: async () => {
        approval.asked++;
        return approval.verdict;
      },
      howToApprove: (environment?: string) => `approve the '${environment ?? 'approval'}' environment`,
    },
    log: {
      info: () => undefined,
      warning: (m: string) => void warnings.push(m),
      group: <T>(_name: string, fn: () => Promise<T>) => fn(),
    },
    runId: 'run-1',
    workDir,
    backupDir: join(workDir, 'backup'),
    helmDriver: undefined,
    report,
  };
  return { deps, report, cluster, helm, etcd, configMaps, approval, warnings };
}

/** Runs a phase as the runner does: its outcome, or the outcome of what stopped it, into the report. */
export async function runPhaseIn(fx: PhaseFixture, phase: (deps: PhaseDeps) => Promise<Outcome>): Promise<RunReport> {
  let outcome: Outcome;
  try {
    outcome = await phase(fx.deps);
  } catch (e) {
    outcome = stopOutcome(e, RELEASE);
  }
  return Object.assign(fx.report, outcome);
}

let runs = 1;

/** A fresh fixture over the same cluster, Helm, etcds and records: the next run of the workflow. */
export function nextRun(fx: PhaseFixture, phase: string, inputs: Record<string, string> = {}): PhaseFixture {
  const next = phaseFixture(phase, inputs);
  const deps = {
    ...next.deps,
    kube: fx.deps.kube,
    helm: fx.helm,
    etcd: fx.etcd,
    store: new StateStore(fx.configMaps, NAMESPACE, RELEASE, `run-${++runs}`),
  };
  return { ...next, deps, cluster: fx.cluster, helm: fx.helm, etcd: fx.etcd, configMaps: fx.configMaps };
}
