// vCluster stand-in: test code that plays the closed-source part of vCluster on the local cluster,
// following only vCluster's contract (object names, secret `<release>-certs`, secret
// `vc-config-<release>` key `config.yaml`, the values keys), so it works with the fixture chart and
// with the real chart alike.
//
// - "Deployed" etcd: a real etcd process (TLS from `<release>-certs`) behind pod `<release>-etcd-0`,
//   data in the PersistentVolume bound to PVC `data-<release>-etcd-0`, seeded with a
//   Kubernetes-shaped keyspace, reached by kwok port-forward (port 2379) and kwok exec (etcdctl).
// - Control plane pod `<release>-0`: each new pod UID is a container start. With embedded etcd it
//   runs a second real etcd on PVC `data-<release>-0`; with `migrateFromDeployedEtcd: true` and no
//   earlier migration it first copies the deployed etcd (snapshot save + restore) and writes
//   vCluster's success line to the CRI log kwok serves. Without the flag it starts empty.
// - When StatefulSet `<release>-etcd` and its pod are gone, the deployed etcd process stops.
// - Every control-plane start (pod `<release>-0`, or a pod of Deployment `<release>` while etcd is
//   deployed) first runs vCluster's store check on the annotations of `vc-config-<release>`: a
//   switch vCluster refuses crash-loops with vCluster's message in the log.
// - A pod labelled `app=vcluster-etcd-migrate-reader` that mounts `data-<release>-0` gets a real etcd
//   on the embedded etcd's data (port 2379, Ready once it serves) until the pod is deleted.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { binPath } from './bins.ts';
import { startEtcd, vClusterEtcdPki, type EtcdProcess } from './etcd-process.ts';
import { countByGroup, deletePrefix, listKeys, seedKeyspace, type EtcdTls } from './keyspace.ts';
import { adoptProcess, listenPort } from './processes.ts';
import { storeCheck, type StoreCheckCode } from './vcluster-store-check.ts';

const run = promisify(execFile);

export const SUCCESS_LINE = 'Successfully migrated etcd database to embedded etcd';
/** Label of the pod the action runs etcd in on the embedded etcd's PVC while the control plane is stopped. */
export const READER_LABEL = 'app=vcluster-etcd-migrate-reader';
/** Set by the stand-in on a reader pod once its etcd serves; without it the cluster refuses to mark the pod Ready. */
export const SERVING_ANNOTATION = 'vcluster-standin/etcd-serving';

export interface StandInFaults {
  /** Copy the data but never write the success line. */
  neverLogSuccess?: boolean;
  /** Leave out every key under this prefix while copying (e.g. '/registry/configmaps/'). */
  dropPrefix?: string;
  /** The control-plane container fails at every start and restarts in a loop. */
  crashLoop?: boolean;
  /** The copy takes this long before the success line (real migrations take 1 to 5 minutes). */
  copyDelayMs?: number;
  /**
   * The control-plane container restarts right after it logs the success line (same pod, restart
   * count + 1): the line is then only in the previous container's log.
   */
  restartAfterSuccess?: boolean;
  /**
   * Pod <release>-0 is deleted right after it logs the success line (an eviction or a node
   * drain); its StatefulSet makes a new pod, which starts on the migrated data without the line.
   */
  replacePodAfterSuccess?: boolean;
  /** The reader pod's etcd does not start while this is set: the pod stays not Ready (held at that step). */
  holdReader?: boolean;
}

export interface StandInOptions {
  /** A kubeconfig file with rights to read the release's objects and write pod status and kwok objects. */
  kubeconfig: string;
  namespace: string;
  release: string;
  /** Working directory: certificates, logs, snapshots. */
  dir: string;
  faults?: StandInFaults;
  /**
   * Which vCluster code plays the store check at each start (default `before-0.33`, the fixture
   * chart's 0.27: annotations written at every start). `since-0.33`: a vCluster first created on
   * 0.33 or later, whose store annotation is only rewritten when it already exists.
   */
  storeCheck?: StoreCheckCode;
  pollMs?: number;
}

/** The deployed etcd, the control plane's embedded etcd, or the reader pod's etcd on the embedded data. */
export type EtcdWhich = 'deployed' | 'embedded' | 'reader';

export interface VClusterStandIn {
  start(): Promise<void>;
  stop(): Promise<void>;
  setFaults(f: StandInFaults): void;
  /** Direct TLS access to one of the two etcds, for the tests' own checks. */
  etcdTls(which: EtcdWhich): EtcdTls | undefined;
  /** Keys per census group of one etcd, read directly (not through the action). */
  keyCounts(which: EtcdWhich): Promise<Map<string, number>>;
  /**
   * Freeze one etcd process (SIGSTOP): every request to it hangs, so a run is provably held at the
   * step that talks to it. `resumeEtcd` lets it go on (SIGCONT).
   */
  pauseEtcd(which: EtcdWhich): Promise<void>;
  resumeEtcd(which: EtcdWhich): void;
  /** Stop the deployed etcd process now (fault: deployed etcd down); it is not restarted. */
  stopDeployedEtcd(): Promise<void>;
  /** Number of keys written when the deployed etcd was seeded (0 until then). */
  seededKeys(): number;
  /** Files kwok serves as the logs of container `syncer` of a control-plane pod (default `<release>-0`). */
  logFiles(pod?: string): { current: string; previous: string };
  /** What the stand-in did, one line each (no secrets). */
  history: string[];
  /** Resolves when `pred` holds on the history; rejects after timeoutMs. */
  waitForHistory(pred: (h: string[]) => boolean, timeoutMs?: number): Promise<void>;
}

function isNotFound(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: number }).code === 404;
}
function isConflict(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: number }).code === 409;
}
async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (isNotFound(e)) return null;
    throw e;
  }
}

/** RFC3339Nano timestamp as CRI log files carry it. */
function criTime(d = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

export function createVClusterStandIn(o: StandInOptions): VClusterStandIn {
  const { namespace: ns, release } = o;
  const dir = resolve(o.dir);
  const pkiDir = join(dir, 'pki');
  const logDir = join(dir, 'pod-logs');
  mkdirSync(logDir, { recursive: true });
  const logCurrent = join(logDir, `${release}-0.syncer.log`);
  const logPrevious = join(logDir, `${release}-0.syncer.previous.log`);
  let faults: StandInFaults = { ...(o.faults ?? {}) };

  const kc = new k8s.KubeConfig();
  kc.loadFromFile(o.kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);

  const history: string[] = [];
  const note = (s: string) => {
    history.push(`${new Date().toISOString()} ${s}`);
  };

  let pki: Record<string, string> | undefined;
  let deployed: { etcd: EtcdProcess; forget: () => void } | undefined;
  let deployedDisabled = false;
  let embedded: { etcd: EtcdProcess; forget: () => void } | undefined;
  let reader: { pod: string; uid: string; etcd: EtcdProcess; forget: () => void; marked?: boolean } | undefined;
  let readerWaiting = ''; // why the reader pod waits (noted once per reason)
  let storeRefused = false; // pod <release>-0's last start was refused by the store check
  const deploymentPods = new Map<string, { uid: string; restarts: number; retryAt: number }>();
  let podUid: string | undefined;
  let restartCount = 0;
  let retryAt = 0; // a container start that must be tried again (deployed etcd unreachable)
  let nextCrash = 0;
  let seeded = 0;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  let stopped = false;

  const paused = new Set<EtcdProcess>();
  const cont = (p: EtcdProcess) => {
    try {
      process.kill(p.pid, 'SIGCONT');
    } catch {
      /* exited meanwhile */
    }
    paused.delete(p);
  };
  const etcdOf = (which: EtcdWhich): EtcdProcess | undefined =>
    which === 'deployed' ? deployed?.etcd : which === 'embedded' ? embedded?.etcd : reader?.etcd;

  const tlsFor = (p: EtcdProcess | undefined): EtcdTls | undefined =>
    p && pki
      ? {
          endpoint: p.endpoint,
          ca: pki['etcd-ca.crt']!,
          cert: pki['apiserver-etcd-client.crt']!,
          key: pki['apiserver-etcd-client.key']!,
        }
      : undefined;

  const writeLog = (text: string, file = logCurrent) => {
    appendFileSync(file, `${criTime()} stdout F ${text}\n`);
  };
  const info = (src: string, msg: string, file = logCurrent) =>
    writeLog(`${criTime().slice(0, 23)}Z\tINFO\t${src}\t${msg}\t{"component": "vcluster"}`, file);
  const fatal = (src: string, msg: string) =>
    writeLog(`${criTime().slice(0, 23)}Z\tFATAL\t${src}\t${msg}\t{"component": "vcluster"}`);
  // What vCluster's main does with an error its start returned: log it, exit 1.
  const startError = (err: string, file: string) =>
    writeLog(
      `${criTime().slice(0, 23)}Z\tERROR\tcmd/root.go:56\terror\t{"component": "vcluster", "error": ${JSON.stringify(err)}}`,
      file,
    );
  const podLogFiles = (pod: string) =>
    pod === `${release}-0`
      ? { current: logCurrent, previous: logPrevious }
      : { current: join(logDir, `${pod}.syncer.log`), previous: join(logDir, `${pod}.syncer.previous.log`) };

  // kwok objects (Logs, PortForward, Exec) named after the pod: create, or replace when they exist.
  async function putKwok(plural: string, kind: string, name: string, spec: Record<string, unknown>): Promise<void> {
    const body = {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind,
      metadata: { name, namespace: ns, labels: { 'vcluster-standin/release': release } },
      spec,
    };
    try {
      await custom.createNamespacedCustomObject({
        group: 'kwok.x-k8s.io',
        version: 'v1alpha1',
        namespace: ns,
        plural,
        body,
      });
    } catch (e) {
      if (!isConflict(e)) throw e;
      const cur = (await custom.getNamespacedCustomObject({
        group: 'kwok.x-k8s.io',
        version: 'v1alpha1',
        namespace: ns,
        plural,
        name,
      })) as { metadata: { resourceVersion: string } };
      await custom.replaceNamespacedCustomObject({
        group: 'kwok.x-k8s.io',
        version: 'v1alpha1',
        namespace: ns,
        plural,
        name,
        body: { ...body, metadata: { ...body.metadata, resourceVersion: cur.metadata.resourceVersion } },
      });
    }
  }
  async function dropKwok(plural: string, name: string): Promise<void> {
    await orNull(
      custom.deleteNamespacedCustomObject({ group: 'kwok.x-k8s.io', version: 'v1alpha1', namespace: ns, plural, name }),
    );
  }
  function etcdctlEnv(p: EtcdProcess): Array<{ name: string; value: string }> {
    return [
      { name: 'ETCDCTL_API', value: '3' },
      { name: 'ETCDCTL_ENDPOINTS', value: p.endpoint },
      { name: 'ETCDCTL_CACERT', value: pki!['etcd-ca.crt']! },
      { name: 'ETCDCTL_CERT', value: pki!['etcd-server.crt']! },
      { name: 'ETCDCTL_KEY', value: pki!['etcd-server.key']! },
      { name: 'VCLUSTER_PKI_DIR', value: pkiDir },
      { name: 'VCLUSTER_ETCD_ADDR', value: `127.0.0.1:${p.port}` },
    ];
  }
  async function routePod(pod: string, container: string, p: EtcdProcess): Promise<void> {
    await putKwok('portforwards', 'PortForward', pod, {
      forwards: [{ ports: [2379], target: { address: '127.0.0.1', port: p.port } }],
    });
    await putKwok('execs', 'Exec', pod, {
      execs: [{ containers: [container], local: { workDir: dir, envs: etcdctlEnv(p) } }],
    });
  }

  // The secret vCluster writes at run time. Reused when it exists, so a restarted stand-in (or
  // one started after the release) keeps the certificates the etcd data was made with.
  async function ensureCerts(): Promise<boolean> {
    if (pki) return true;
    if (!(await orNull(core.readNamespace({ name: ns })))) return false;
    const name = `${release}-certs`;
    const sec = await orNull(core.readNamespacedSecret({ name, namespace: ns }));
    mkdirSync(pkiDir, { recursive: true });
    if (sec?.data?.['etcd-ca.crt']) {
      const files: Record<string, string> = {};
      for (const [k, v] of Object.entries(sec.data)) {
        const f = join(pkiDir, k);
        writeFileSync(f, Buffer.from(v, 'base64'), { mode: 0o600 });
        files[k] = f;
      }
      pki = files;
      note(`reused secret ${name}`);
      return true;
    }
    const files = vClusterEtcdPki(pkiDir, release);
    const data: Record<string, string> = {};
    for (const [k, f] of Object.entries(files)) data[k] = readFileSync(f).toString('base64');
    await core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name, namespace: ns, labels: { 'vcluster.loft.sh/created-by': 'vcluster-standin' } },
        type: 'Opaque',
        data,
      },
    });
    pki = files;
    note(`created secret ${name}`);
    return true;
  }

  /** Host directory of the PersistentVolume bound to a PVC; undefined while it is not bound. */
  async function pvcDir(claim: string): Promise<string | undefined> {
    const pvc = await orNull(core.readNamespacedPersistentVolumeClaim({ name: claim, namespace: ns }));
    if (!pvc || pvc.status?.phase !== 'Bound' || !pvc.spec?.volumeName) return undefined;
    const pv = await core.readPersistentVolume({ name: pvc.spec.volumeName });
    const path = pv.spec?.hostPath?.path ?? join(dir, 'volumes', pvc.spec.volumeName);
    mkdirSync(path, { recursive: true });
    return path;
  }

  function podRunning(p: k8s.V1Pod | null): p is k8s.V1Pod {
    return !!p && !p.metadata?.deletionTimestamp && !!p.status?.podIP && !!p.spec?.nodeName;
  }

  async function syncDeployed(): Promise<void> {
    const podName = `${release}-etcd-0`;
    const sts = await orNull(apps.readNamespacedStatefulSet({ name: `${release}-etcd`, namespace: ns }));
    const pod = await orNull(core.readNamespacedPod({ name: podName, namespace: ns }));
    if (!sts && !pod) {
      if (deployed) {
        await deployed.etcd.stop();
        deployed.forget();
        deployed = undefined;
        await dropKwok('portforwards', podName);
        await dropKwok('execs', podName);
        note('deployed etcd stopped: StatefulSet and pod gone');
      }
      return;
    }
    if (deployed || deployedDisabled || !podRunning(pod)) return;
    const usesPvc = (pod.spec?.volumes ?? []).every((v) => v.name !== 'data' || !v.emptyDir);
    const base = usesPvc ? await pvcDir(`data-${podName}`) : join(dir, 'emptydir', pod.metadata!.uid!);
    if (!base) return;
    const dataDir = join(base, 'etcd');
    const fresh = !existsSync(join(dataDir, 'member'));
    const etcd = await startEtcd({
      dir: join(dir, 'etcd-logs'),
      name: podName,
      ca: pki!['etcd-ca.crt']!,
      cert: pki!['etcd-server.crt']!,
      key: pki!['etcd-server.key']!,
      dataDir,
      clientPort: await listenPort(),
      peerPort: await listenPort(),
      extraArgs: ['--unsafe-no-fsync=true'],
    });
    deployed = { etcd, forget: adoptProcess(etcd.pid) };
    note(`deployed etcd started for pod ${podName} (${fresh ? 'new' : 'existing'} data)`);
    if (fresh) {
      seeded = await seedKeyspace(tlsFor(etcd)!);
      writeFileSync(join(base, 'seeded-keys'), String(seeded));
      note(`deployed etcd seeded with ${seeded} keys`);
    } else if (existsSync(join(base, 'seeded-keys'))) {
      seeded = Number(readFileSync(join(base, 'seeded-keys'), 'utf8'));
    }
    await routePod(podName, 'etcd', etcd);
  }

  async function readConfigSecret(): Promise<
    { cfg: Record<string, unknown> | undefined; annotations: Record<string, string> } | undefined
  > {
    const sec = await orNull(core.readNamespacedSecret({ name: `vc-config-${release}`, namespace: ns }));
    if (!sec) return undefined;
    const raw = sec.data?.['config.yaml'];
    const cfg = raw ? (YAML.parse(Buffer.from(raw, 'base64').toString()) as Record<string, unknown>) : undefined;
    return { cfg, annotations: sec.metadata?.annotations ?? {} };
  }
  async function readConfig(): Promise<Record<string, unknown> | undefined> {
    return (await readConfigSecret())?.cfg;
  }

  // vCluster's store check at one container start, before anything else runs. A refusal is
  // logged as vCluster's main logs the error its start returned; the caller crash-loops the pod.
  async function checkStore(pod: string, file: string): Promise<boolean> {
    const sec = await readConfigSecret();
    if (!sec) return true;
    const r = storeCheck(o.storeCheck ?? 'before-0.33', sec.cfg, sec.annotations);
    if (r.refused) {
      startError(r.refused, file);
      note(`store check refused the start of ${pod}: ${r.refused}`);
      return false;
    }
    if (r.write) {
      await core.patchNamespacedSecret(
        { name: `vc-config-${release}`, namespace: ns, body: { metadata: { annotations: r.write } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    }
    const wrote = r.write
      ? `; wrote ${Object.entries(r.write)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}`
      : '';
    note(`store check passed for ${pod} (${r.store})${wrote}`);
    return true;
  }

  // Container status of a control-plane pod as kubelet reports it: crashed (CrashLoopBackOff,
  // not Ready) or running and Ready again after a restart.
  async function setContainerState(podName: string, restarts: number, crashed: boolean): Promise<void> {
    const now = new Date();
    const fresh = await core.readNamespacedPod({ name: podName, namespace: ns });
    const lastState = { terminated: { exitCode: 1, reason: 'Error', startedAt: now, finishedAt: now } };
    fresh.status = {
      ...fresh.status,
      containerStatuses:
        fresh.spec?.containers.map((c) => ({
          name: c.name,
          image: c.image ?? '',
          imageID: '',
          ready: !crashed,
          started: !crashed,
          restartCount: restarts,
          state: crashed
            ? {
                waiting: {
                  reason: 'CrashLoopBackOff',
                  message: `back-off 10s restarting failed container=${c.name} pod=${podName}`,
                },
              }
            : { running: { startedAt: now } },
          ...(restarts > 0 || crashed ? { lastState } : {}),
        })) ?? [],
      conditions: (fresh.status?.conditions ?? []).map((c) =>
        c.type === 'Ready' || c.type === 'ContainersReady'
          ? crashed
            ? { ...c, status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now }
            : { type: c.type, status: 'True', lastTransitionTime: now }
          : c,
      ),
    };
    await core.replaceNamespacedPodStatus({ name: podName, namespace: ns, body: fresh });
  }

  async function stopEmbedded(): Promise<void> {
    if (!embedded) return;
    await embedded.etcd.stop();
    embedded.forget();
    embedded = undefined;
  }

  // Crash loop: the container exits at once; kubelet would restart it with back-off.
  async function crash(pod: k8s.V1Pod, restarted: boolean): Promise<void> {
    if (restarted) {
      if (existsSync(logCurrent)) renameSync(logCurrent, logPrevious);
      writeFileSync(logCurrent, '');
    }
    info('setup/controller_context.go:214', 'Using embedded etcd');
    fatal('etcd/embedded.go:88', 'start embedded etcd: etcdserver: member data is corrupted (stand-in fault)');
    await setContainerState(pod.metadata!.name!, restartCount, true);
    restartCount++;
    nextCrash = Date.now() + 4000;
    note(`control plane crashed (restart ${restartCount})`);
  }

  // The container exits and kubelet starts it again in the same pod: its log becomes the previous
  // log and the restart count rises. The embedded etcd keeps its data (it is on the PVC).
  async function restartContainer(pod: k8s.V1Pod): Promise<void> {
    renameSync(logCurrent, logPrevious);
    writeFileSync(logCurrent, '');
    info('setup/config.go:51', 'Using config from /var/lib/vcluster/config.yaml (vCluster stand-in)');
    info('setup/controller_context.go:214', 'Using embedded etcd (existing data)');
    const now = new Date();
    const fresh = await core.readNamespacedPod({ name: pod.metadata!.name!, namespace: ns });
    fresh.status = {
      ...fresh.status,
      containerStatuses: (fresh.status?.containerStatuses ?? []).map((c) => ({
        ...c,
        restartCount: (c.restartCount ?? 0) + 1,
        state: { running: { startedAt: now } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: now, finishedAt: now } },
      })),
    };
    await core.replaceNamespacedPodStatus({ name: pod.metadata!.name!, namespace: ns, body: fresh });
    note('fault: control-plane container restarted after the success line');
  }

  // A container's log at its start. A new pod has no previous container (its log went with the
  // old pod); the same pod's next start keeps the last one as the previous log.
  async function newContainerLog(podName: string, newPod: boolean): Promise<void> {
    const f = podLogFiles(podName);
    if (newPod) writeFileSync(f.previous, '');
    else if (existsSync(f.current)) renameSync(f.current, f.previous);
    writeFileSync(f.current, '');
    await putKwok('logs', 'Logs', podName, {
      logs: [{ containers: ['syncer'], logsFile: f.current, previousLogsFile: f.previous, follow: true }],
    });
  }

  // One start of container `syncer` of a pod of Deployment <release> (the control plane while etcd
  // is deployed): only the store check runs here; the control plane then serves from that etcd.
  async function deploymentPodStart(pod: k8s.V1Pod): Promise<void> {
    const name = pod.metadata!.name!;
    const uid = pod.metadata!.uid!;
    const prev = deploymentPods.get(name);
    const newPod = prev?.uid !== uid;
    const st = newPod ? { uid, restarts: 0, retryAt: 0 } : prev!;
    const file = podLogFiles(name).current;
    await newContainerLog(name, newPod);
    info('setup/config.go:51', 'Using config from /var/lib/vcluster/config.yaml (vCluster stand-in)', file);
    if (!(await checkStore(name, file))) {
      await setContainerState(name, st.restarts, true);
      st.restarts++;
      st.retryAt = Date.now() + 4000;
    } else {
      if (st.retryAt) await setContainerState(name, st.restarts, false);
      st.retryAt = 0;
      info(
        'setup/controller_context.go:190',
        'Backing store is not embedded etcd; nothing to run in the stand-in',
        file,
      );
      note(`container syncer of ${name} started (uid ${uid.slice(0, 8)})`);
    }
    deploymentPods.set(name, st);
  }

  async function syncDeploymentPods(pods: k8s.V1Pod[]): Promise<void> {
    const seen = new Set<string>();
    for (const pod of pods) {
      const name = pod.metadata!.name!;
      if (name === `${release}-0` || !podRunning(pod)) continue;
      seen.add(name);
      const st = deploymentPods.get(name);
      if (st && st.uid === pod.metadata!.uid && !(st.retryAt && Date.now() > st.retryAt)) continue;
      await deploymentPodStart(pod);
    }
    for (const name of [...deploymentPods.keys()]) if (!seen.has(name)) deploymentPods.delete(name);
  }

  // The action's reader pod: a real etcd on the embedded etcd's data while the control plane is
  // stopped, stopped again when the pod is deleted. The cluster lets only this stand-in report it
  // Ready (kwok would at once), and the stand-in does so once its etcd serves: Ready means serving.
  async function syncReader(): Promise<void> {
    const claim = `data-${release}-0`;
    const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: READER_LABEL })).items.filter((p) =>
      (p.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim),
    );
    const live = pods.find((p) => !!p.spec?.nodeName && !p.metadata?.deletionTimestamp);
    if (reader && live?.metadata?.uid !== reader.uid) {
      await reader.etcd.stop();
      reader.forget();
      await dropKwok('portforwards', reader.pod);
      await dropKwok('execs', reader.pod);
      note(`reader etcd stopped: pod ${reader.pod} gone`);
      reader = undefined;
    }
    if (reader && !reader.marked) {
      // Marking it Ready lost a race with kwok's own status write: try again on this tick.
      await markServing(reader.pod);
      reader.marked = true;
    }
    if (reader || !live) return;
    const podName = live.metadata!.name!;
    const wait = (why: string) => {
      if (readerWaiting !== why) note(`reader pod ${podName} waits: ${why}`);
      readerWaiting = why;
    };
    if (faults.holdReader) return wait('held by the stand-in (fault holdReader)');
    if (embedded) return wait(`the embedded etcd of ${release}-0 still runs on ${claim}`);
    const base = await pvcDir(claim);
    if (!base) return wait(`PVC ${claim} is not bound`);
    readerWaiting = '';
    const etcd = await startEtcd({
      dir: join(dir, 'etcd-logs'),
      name: podName,
      ca: pki!['etcd-ca.crt']!,
      cert: pki!['etcd-server.crt']!,
      key: pki!['etcd-server.key']!,
      dataDir: join(base, 'etcd'),
      clientPort: await listenPort(),
      peerPort: await listenPort(),
      extraArgs: ['--unsafe-no-fsync=true'],
    });
    reader = { pod: podName, uid: live.metadata!.uid!, etcd, forget: adoptProcess(etcd.pid) };
    note(`reader etcd started for pod ${podName} on the data of ${claim}`);
    await routePod(podName, 'etcd', etcd);
    await markServing(podName);
    reader.marked = true;
  }

  // The status kubelet reports once the readiness probe passed: Running, every container Ready.
  async function markServing(podName: string): Promise<void> {
    await core.patchNamespacedPod(
      { name: podName, namespace: ns, body: { metadata: { annotations: { [SERVING_ANNOTATION]: 'true' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const pod = await core.readNamespacedPod({ name: podName, namespace: ns });
    const now = new Date();
    const conditions = ['Initialized', 'ContainersReady', 'Ready', 'PodScheduled'].map((type) => ({
      type,
      status: 'True',
      lastTransitionTime: now,
    }));
    pod.status = {
      ...pod.status,
      phase: 'Running',
      hostIP: '127.0.0.1',
      podIP: '127.0.0.1',
      podIPs: [{ ip: '127.0.0.1' }],
      startTime: pod.status?.startTime ?? now,
      conditions,
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: '',
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: now } },
      })),
    };
    await core.replaceNamespacedPodStatus({ name: podName, namespace: ns, body: pod });
  }

  // One start of container `syncer` of pod <release>-0.
  async function containerStart(pod: k8s.V1Pod, newPod: boolean): Promise<boolean> {
    const podName = `${release}-0`;
    const cfg = await readConfig();
    const etcdCfg = ((
      (cfg?.controlPlane as Record<string, unknown> | undefined)?.backingStore as Record<string, unknown> | undefined
    )?.etcd ?? {}) as Record<string, Record<string, unknown>>;
    const embeddedEnabled = etcdCfg.embedded?.enabled === true;
    const migrateFlag = etcdCfg.embedded?.migrateFromDeployedEtcd === true;
    const usesPvc = (pod.spec?.volumes ?? []).every((v) => v.name !== 'data' || !v.emptyDir);
    const base = usesPvc ? await pvcDir(`data-${podName}`) : join(dir, 'emptydir', pod.metadata!.uid!);
    if (!base) return false; // PVC not bound yet: the container cannot start
    if (reader) return false; // the reader pod's etcd holds the embedded etcd's data
    await stopEmbedded();
    if (newPod) storeRefused = false;
    await newContainerLog(podName, newPod);
    info('setup/config.go:51', 'Using config from /var/lib/vcluster/config.yaml (vCluster stand-in)');
    if (!(await checkStore(podName, logCurrent))) {
      await setContainerState(podName, restartCount, true);
      restartCount++;
      retryAt = Date.now() + 4000; // kubelet's next start of the container
      storeRefused = true;
      return true;
    }
    if (storeRefused) {
      storeRefused = false;
      await setContainerState(podName, restartCount, false);
    }
    if (!embeddedEnabled) {
      info('setup/controller_context.go:190', 'Backing store is not embedded etcd; nothing to run in the stand-in');
      return true;
    }
    if (faults.crashLoop) {
      await crash(pod, false);
      return true;
    }
    const dataDir = join(base, 'etcd');
    const marker = join(base, 'migrated-from-deployed-etcd');
    const peerPort = await listenPort();
    const name = podName;
    // On the data dir the migration restored into, or on the one an earlier start left.
    const startEmbeddedEtcd = async () =>
      startEtcd({
        dir: join(dir, 'etcd-logs'),
        name,
        ca: pki!['etcd-ca.crt']!,
        cert: pki!['etcd-server.crt']!,
        key: pki!['etcd-server.key']!,
        dataDir,
        clientPort: await listenPort(),
        peerPort,
        extraArgs: ['--unsafe-no-fsync=true'],
      });
    if (migrateFlag && !existsSync(marker)) {
      const from = `https://${release}-etcd:2379`;
      if (!deployed) {
        writeLog(
          `${criTime().slice(0, 23)}Z\tERROR\tetcd/migrate.go:61\tmigrate etcd: dial tcp: lookup ${release}-etcd: connection refused; retrying\t{"component": "vcluster"}`,
        );
        note('migration waiting: deployed etcd not running');
        retryAt = Date.now() + 3000;
        return true;
      }
      info('etcd/migrate.go:70', `Migrating etcd from ${from} to embedded etcd...`);
      rmSync(dataDir, { recursive: true, force: true });
      const snap = join(dir, 'snapshots', `migrate-${Date.now()}.db`);
      mkdirSync(join(dir, 'snapshots'), { recursive: true });
      const t = tlsFor(deployed.etcd)!;
      await run(binPath('etcdctl'), [
        '--endpoints',
        t.endpoint,
        '--cacert',
        t.ca,
        '--cert',
        t.cert,
        '--key',
        t.key,
        'snapshot',
        'save',
        snap,
      ]);
      await run(binPath('etcdutl'), [
        'snapshot',
        'restore',
        snap,
        '--data-dir',
        dataDir,
        '--name',
        name,
        '--initial-cluster',
        `${name}=http://127.0.0.1:${peerPort}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${peerPort}`,
      ]);
      rmSync(snap, { force: true });
      const etcd = await startEmbeddedEtcd();
      embedded = { etcd, forget: adoptProcess(etcd.pid) };
      if (faults.dropPrefix) {
        const n = await deletePrefix(tlsFor(etcd)!, faults.dropPrefix);
        note(`fault: dropped ${n} keys under ${faults.dropPrefix}`);
      }
      if (faults.copyDelayMs) {
        note(`copy takes ${faults.copyDelayMs} ms`);
        await new Promise((r) => setTimeout(r, faults.copyDelayMs));
      }
      writeFileSync(marker, new Date().toISOString());
      note('migration copied deployed etcd to embedded etcd');
      if (faults.neverLogSuccess) note('fault: success line withheld');
      else info('etcd/migrate.go:112', SUCCESS_LINE);
      if (faults.restartAfterSuccess && !faults.neverLogSuccess) await restartContainer(pod);
      if (faults.replacePodAfterSuccess && !faults.neverLogSuccess) {
        await core.deleteNamespacedPod({ name: podName, namespace: ns, gracePeriodSeconds: 0 });
        note(`fault: pod ${podName} deleted after the success line; its StatefulSet makes a new one`);
        return true;
      }
    } else {
      const etcd = await startEmbeddedEtcd();
      embedded = { etcd, forget: adoptProcess(etcd.pid) };
      note(
        existsSync(marker)
          ? 'embedded etcd started on migrated data'
          : 'embedded etcd started empty (no migration flag)',
      );
    }
    info('etcd/embedded.go:143', 'Embedded etcd is ready');
    info('setup/controller_context.go:301', 'Starting vCluster control plane');
    await routePod(podName, 'syncer', embedded.etcd);
    return true;
  }

  async function syncControlPlane(): Promise<void> {
    const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: `app=vcluster,release=${release}` }))
      .items;
    await syncDeploymentPods(pods);
    const pod = pods.find((p) => p.metadata?.name === `${release}-0`) ?? null;
    if (!podRunning(pod)) {
      if (!pod && embedded) {
        await stopEmbedded();
        note('embedded etcd stopped: pod gone');
      }
      return;
    }
    const uid = pod.metadata!.uid!;
    if (uid !== podUid || (retryAt && Date.now() > retryAt)) {
      retryAt = 0;
      const restart = uid !== podUid;
      if (restart) restartCount = 0;
      const started = await containerStart(pod, restart);
      if (started) {
        podUid = uid;
        note(`container syncer of ${release}-0 started (uid ${uid.slice(0, 8)})`);
      }
      return;
    }
    if (faults.crashLoop && nextCrash && Date.now() > nextCrash) await crash(pod, true);
  }

  async function tick(): Promise<void> {
    if (!(await ensureCerts())) return;
    await syncDeployed();
    await syncReader();
    await syncControlPlane();
  }

  const loop = () => {
    if (stopped) return;
    ticking = tick()
      .catch((e: unknown) => {
        note(`tick error: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      })
      .finally(() => {
        ticking = undefined;
        if (!stopped) timer = setTimeout(loop, o.pollMs ?? 400);
      });
  };

  return {
    history,
    async start() {
      stopped = false;
      loop();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await ticking;
      for (const p of [...paused]) cont(p);
      await stopEmbedded();
      if (reader) {
        await reader.etcd.stop();
        reader.forget();
        reader = undefined;
      }
      if (deployed) {
        await deployed.etcd.stop();
        deployed.forget();
        deployed = undefined;
      }
    },
    setFaults(f) {
      faults = { ...f };
    },
    etcdTls: (which) => tlsFor(etcdOf(which)),
    async pauseEtcd(which) {
      const p = etcdOf(which);
      if (!p) throw new Error(`the stand-in's ${which} etcd of ${ns}/${release} is not running`);
      process.kill(p.pid, 'SIGSTOP');
      paused.add(p);
      note(`fault: ${which} etcd paused`);
    },
    resumeEtcd(which) {
      for (const p of [...paused]) {
        if (p !== etcdOf(which)) continue;
        cont(p);
        note(`fault: ${which} etcd resumed`);
      }
    },
    async keyCounts(which) {
      const t = tlsFor(etcdOf(which));
      if (!t) throw new Error(`the stand-in's ${which} etcd of ${ns}/${release} is not running`);
      return countByGroup(await listKeys(t));
    },
    async stopDeployedEtcd() {
      deployedDisabled = true;
      if (deployed) {
        await deployed.etcd.stop();
        deployed.forget();
        deployed = undefined;
        note('fault: deployed etcd stopped');
      }
    },
    seededKeys: () => seeded,
    logFiles: (pod) => podLogFiles(pod ?? `${release}-0`),
    async waitForHistory(pred, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pred(history)) {
        if (Date.now() > deadline)
          throw new Error(
            `vCluster stand-in: condition not reached in ${timeoutMs} ms. History:\n${history.slice(-15).join('\n')}`,
          );
        await new Promise((r) => setTimeout(r, 200));
      }
    },
  };
}
