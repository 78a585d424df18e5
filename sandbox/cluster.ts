// A real local Kubernetes cluster from the binaries sandbox/build.sh builds: etcd, kube-apiserver
// (TLS, RBAC), kube-controller-manager (StatefulSets, GC, PV binder, tokens), kube-scheduler and
// kwok (one fake Node; pods become Ready, and kwok serves their logs, exec and port-forward).
// PVCs bind to pre-made PersistentVolumes of a default StorageClass (kwok has no volume stages).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { binDir, binPath } from './bins.ts';
import { makeCA, makeCert, type CA } from './pki.ts';
import { READER_LABEL, SERVING_ANNOTATION } from './vcluster-standin.ts';
import { listenPort, logTail, startProcess, waitFor, type ManagedProcess, type StartOptions } from './processes.ts';

export interface ClusterOptions {
  /** Directory for data, certificates and logs; default a new temp dir. */
  dir?: string;
  /** Sizes of the pre-made PersistentVolumes (one PV each). */
  pvSizes?: string[];
  /** Remove the directory on stop() (default: true for a temp dir, false for a given one). */
  removeOnStop?: boolean;
}

export interface Cluster {
  dir: string;
  /** Path of a kubeconfig with cluster-admin (system:masters) rights. */
  adminKubeconfig: string;
  server: string;
  caFile: string;
  kubeConfig: k8s.KubeConfig;
  /** Directory placed first on kwok's PATH: commands run by `kubectl exec` are found here. */
  podBinDir: string;
  /**
   * Restart kube-apiserver (fault tests), then the components that watch it (controller manager,
   * scheduler, kwok); resolves when all of them serve again.
   */
  restartApiServer(downMs?: number): Promise<void>;
  /**
   * Stop one component for `downMs` and start it again (fault tests: restarting kwok cuts every
   * port-forward, exec and log stream). Resolves when it serves again.
   */
  restartComponent(name: ComponentName, downMs?: number): Promise<void>;
  /** Components that have exited since the start (each should run until stop()). */
  deadComponents(): string[];
  /** More PersistentVolumes of the default class. */
  addPersistentVolumes(sizes: string[]): Promise<void>;
  stop(): Promise<void>;
}

export type ComponentName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

export const STORAGE_CLASS = 'standard';
export const NODE_NAME = 'kwok-node-0';
/** A mid-size real node: room for the ~20 demo vClusters of one test file at the real chart's requests. */
export const NODE_CAPACITY = { cpu: '16', memory: '64Gi', 'ephemeral-storage': '200Gi', pods: '110' };
const DEFAULT_PV_SIZES = [...Array(40).fill('5Gi'), ...Array(4).fill('10Gi'), ...Array(2).fill('20Gi')] as string[];

function kubeconfigYaml(server: string, ca: string, cert: string, key: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: sandbox',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority: ${ca}`,
    'users:',
    '- name: admin',
    '  user:',
    `    client-certificate: ${cert}`,
    `    client-key: ${key}`,
    'contexts:',
    '- name: sandbox',
    '  context:',
    '    cluster: sandbox',
    '    user: admin',
    'current-context: sandbox',
    '',
  ].join('\n');
}

function httpsOk(url: string, ca: string, cert: string, key: string): Promise<boolean> {
  return new Promise((res) => {
    const req = request(
      url,
      { ca: readFileSync(ca), cert: readFileSync(cert), key: readFileSync(key), timeout: 2000 },
      (r) => {
        r.resume();
        res(r.statusCode === 200);
      },
    );
    req.on('error', () => res(false));
    req.on('timeout', () => {
      req.destroy();
      res(false);
    });
    req.end();
  });
}

// kwok runs exec'd commands on this host. The pod's view is rebuilt by a wrapper: certificate
// paths under /run/config/pki map to the pod's certificate directory (VCLUSTER_PKI_DIR), the pod's
// own 127.0.0.1:2379 maps to its etcd (VCLUSTER_ETCD_ADDR), and an ETCDCTL_* variable is dropped
// when the same flag is given (etcdctl refuses both).
function writePodBin(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const tool of ['etcdctl', 'etcdutl']) {
    const real = join(binDir(), tool);
    const script = `#!/usr/bin/env bash
set -euo pipefail
args=()
for a in "$@"; do
  if [ -n "\${VCLUSTER_PKI_DIR:-}" ]; then a="\${a//\\/run\\/config\\/pki/$VCLUSTER_PKI_DIR}"; fi
  if [ -n "\${VCLUSTER_ETCD_ADDR:-}" ]; then a="\${a//127.0.0.1:2379/$VCLUSTER_ETCD_ADDR}"; a="\${a//localhost:2379/$VCLUSTER_ETCD_ADDR}"; fi
  case "$a" in
    --cacert|--cacert=*) unset ETCDCTL_CACERT ;;
    --cert|--cert=*) unset ETCDCTL_CERT ;;
    --key|--key=*) unset ETCDCTL_KEY ;;
    --endpoints|--endpoints=*) unset ETCDCTL_ENDPOINTS ;;
  esac
  args+=("$a")
done
exec ${JSON.stringify(real)} "\${args[@]}"
`;
    writeFileSync(join(dir, tool), script, { mode: 0o755 });
  }
}

// kwok's namespaced Logs / PortForward / Exec kinds as CRDs, so the vCluster stand-in can route
// each pod of each release to its own log file, etcd port and environment at run time (a --config
// file is read once at start and cannot know the releases tests create later).
function kwokCrd(kind: string, plural: string): k8s.V1CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.kwok.x-k8s.io` },
    spec: {
      group: 'kwok.x-k8s.io',
      scope: 'Namespaced',
      names: { kind, plural, singular: plural === 'logs' ? 'logs' : kind.toLowerCase(), listKind: `${kind}List` },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
        },
      ],
    },
  };
}

// kwok reports every pod Ready as soon as it is bound; a kubelet waits for the readiness probe. The
// action's reader pod must not look Ready before the etcd the vCluster stand-in runs for it serves,
// so only a status update of a pod the stand-in marked as serving may say Ready.
async function readerReadyPolicy(kc: k8s.KubeConfig): Promise<void> {
  const adm = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
  const name = 'standin-reader-ready-when-serving';
  await adm.createValidatingAdmissionPolicy({
    body: {
      metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          objectSelector: { matchLabels: { app: READER_LABEL.split('=')[1]! } },
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['pods/status'] }],
        },
        validations: [
          {
            expression: `(has(object.metadata.annotations) && '${SERVING_ANNOTATION}' in object.metadata.annotations) || !has(object.status.conditions) || !object.status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')`,
            message: 'a reader pod is Ready only once the etcd the vCluster stand-in runs for it serves',
          },
        ],
      },
    },
  });
  await adm.createValidatingAdmissionPolicyBinding({
    body: { metadata: { name }, spec: { policyName: name, validationActions: ['Deny'] } },
  });
}

// kube-controller-manager and kube-scheduler serve /healthz with a self-signed certificate.
function healthzOk(port: number): Promise<boolean> {
  return new Promise((res) => {
    const req = request(`https://127.0.0.1:${port}/healthz`, { rejectUnauthorized: false, timeout: 2000 }, (r) => {
      r.resume();
      res(r.statusCode === 200);
    });
    req.on('error', () => res(false));
    req.on('timeout', () => {
      req.destroy();
      res(false);
    });
    req.end();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      res(true);
    });
    sock.once('error', () => res(false));
  });
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const t0 = Date.now();
  const dir = resolve(opts.dir ?? mkdtempSync(join(tmpdir(), 'vem-cluster-')));
  const removeOnStop = opts.removeOnStop ?? opts.dir === undefined;
  const pki = join(dir, 'pki');
  const logs = join(dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const procs: ManagedProcess[] = [];
  const specs = new Map<string, StartOptions>();
  const launch = (spec: StartOptions): ManagedProcess => {
    specs.set(spec.name, spec);
    const p = startProcess(spec);
    const i = procs.findIndex((x) => x.name === spec.name);
    if (i >= 0) procs[i] = p;
    else procs.push(p);
    return p;
  };
  let stopped = false;
  const stopProcs = async () => {
    for (const p of [...procs].reverse()) await p.stop(3000);
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopProcs();
    if (removeOnStop) rmSync(dir, { recursive: true, force: true });
  };

  try {
    // PKI: one CA for everything; the admin cert doubles as the components' and the API server's kubelet client.
    const ca: CA = makeCA(pki, 'ca');
    const apiCert = makeCert(pki, {
      name: 'apiserver',
      ca,
      cn: 'kube-apiserver',
      usage: 'server',
      sans: {
        dns: [
          'localhost',
          'kubernetes',
          'kubernetes.default',
          'kubernetes.default.svc',
          'kubernetes.default.svc.cluster.local',
        ],
        ip: ['127.0.0.1', '10.96.0.1'],
      },
    });
    const admin = makeCert(pki, { name: 'admin', ca, cn: 'kubernetes-admin', org: 'system:masters', usage: 'client' });
    const kubelet = makeCert(pki, {
      name: 'kwok-kubelet',
      ca,
      cn: 'localhost',
      usage: 'server',
      sans: { dns: ['localhost'], ip: ['127.0.0.1'] },
    });
    const saKey = join(pki, 'sa.key');
    const saPub = join(pki, 'sa.pub');
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', saKey], {
      stdio: 'ignore',
    });
    chmodSync(saKey, 0o600);
    execFileSync('openssl', ['pkey', '-in', saKey, '-pubout', '-out', saPub], { stdio: 'ignore' });

    const [etcdPort, etcdPeer, apiPort, kcmPort, schedPort, kubeletPort] = [
      await listenPort(),
      await listenPort(),
      await listenPort(),
      await listenPort(),
      await listenPort(),
      await listenPort(),
    ] as [number, number, number, number, number, number];
    const server = `https://127.0.0.1:${apiPort}`;
    const adminKubeconfig = join(dir, 'admin.kubeconfig');
    writeFileSync(adminKubeconfig, kubeconfigYaml(server, ca.cert, admin.cert, admin.key), { mode: 0o600 });

    // The cluster's own store: a plain etcd on loopback (the vCluster etcds are the TLS ones).
    launch({
      name: 'etcd',
      command: binPath('etcd'),
      logFile: join(logs, 'etcd.log'),
      args: [
        '--name=sandbox',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=sandbox=http://127.0.0.1:${etcdPeer}`,
        '--unsafe-no-fsync=true',
        '--quota-backend-bytes=4294967296',
        '--log-level=warn',
      ],
    });

    const apiArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--etcd-prefix=/registry',
      `--secure-port=${apiPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // Endpoints may not hold loopback addresses, so the kubernetes Service gets none.
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=${apiCert.cert}`,
      `--tls-private-key-file=${apiCert.key}`,
      `--client-ca-file=${ca.cert}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--authorization-mode=Node,RBAC',
      '--allow-privileged=true',
      `--kubelet-client-certificate=${admin.cert}`,
      `--kubelet-client-key=${admin.key}`,
      '--enable-priority-and-fairness=false',
      '--profiling=false',
      '--v=1',
    ];
    const apiserver = launch({
      name: 'kube-apiserver',
      command: binPath('kube-apiserver'),
      args: apiArgs,
      logFile: join(logs, 'kube-apiserver.log'),
    });
    const apiReady = (p: ManagedProcess) =>
      waitFor('kube-apiserver /readyz', () => httpsOk(`${server}/readyz`, ca.cert, admin.cert, admin.key), {
        proc: p,
        timeoutMs: 90_000,
        intervalMs: 300,
      });
    await apiReady(apiserver);
    const tApi = Date.now();

    const common = [
      `--kubeconfig=${adminKubeconfig}`,
      `--authentication-kubeconfig=${adminKubeconfig}`,
      `--authorization-kubeconfig=${adminKubeconfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--profiling=false',
    ];
    const kcm = launch({
      name: 'kube-controller-manager',
      command: binPath('kube-controller-manager'),
      logFile: join(logs, 'kube-controller-manager.log'),
      args: [
        ...common,
        `--secure-port=${kcmPort}`,
        `--root-ca-file=${ca.cert}`,
        `--service-account-private-key-file=${saKey}`,
        '--use-service-account-credentials=false',
        '--controllers=*',
        '--concurrent-statefulset-syncs=5',
        '--v=1',
      ],
    });
    const scheduler = launch({
      name: 'kube-scheduler',
      command: binPath('kube-scheduler'),
      logFile: join(logs, 'kube-scheduler.log'),
      // A pod rejected for an unbound PVC waits for a PVC event; when that event was missed (seen
      // once in CI: a new StatefulSet's pod Pending for 120 s next to its Bound PVC) it waits for the
      // 5 min flush. 5 s here keeps such a miss below every helm timeout the tests use.
      args: [...common, `--secure-port=${schedPort}`, '--v=1', '--pod-max-in-unschedulable-pods-duration=5s'],
    });

    const kc = new k8s.KubeConfig();
    kc.loadFromFile(adminKubeconfig);
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    for (const [kind, plural] of [
      ['Logs', 'logs'],
      ['PortForward', 'portforwards'],
      ['Exec', 'execs'],
    ] as const) {
      await ext.createCustomResourceDefinition({ body: kwokCrd(kind, plural) });
    }
    await waitFor('kwok CRDs established', async () => {
      const l = await ext.listCustomResourceDefinition();
      return (
        l.items.filter(
          (c) =>
            c.metadata?.name?.endsWith('.kwok.x-k8s.io') &&
            c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'),
        ).length === 3
      );
    });

    await readerReadyPolicy(kc);

    const podBinDir = join(dir, 'pod-bin');
    writePodBin(podBinDir);
    const kwokHome = join(dir, 'kwok-home');
    mkdirSync(kwokHome, { recursive: true });
    const kwokConfig = join(dir, 'kwok.yaml');
    writeFileSync(
      kwokConfig,
      [
        'apiVersion: config.kwok.x-k8s.io/v1alpha1',
        'kind: KwokConfiguration',
        'options:',
        '  enableCRDs: [Logs, PortForward, Exec]',
        '  nodeLeaseDurationSeconds: 40',
        '',
      ].join('\n'),
    );
    launch({
      name: 'kwok',
      command: binPath('kwok'),
      logFile: join(logs, 'kwok.log'),
      env: { ...process.env, HOME: kwokHome, PATH: `${podBinDir}:${process.env.PATH ?? ''}` },
      args: [
        `--kubeconfig=${adminKubeconfig}`,
        `--config=${kwokConfig}`,
        '--manage-all-nodes=true',
        '--node-lease-duration-seconds=40',
        '--node-ip=127.0.0.1',
        '--node-name=localhost',
        `--node-port=${kubeletPort}`,
        `--server-address=127.0.0.1:${kubeletPort}`,
        `--tls-cert-file=${kubelet.cert}`,
        `--tls-private-key-file=${kubelet.key}`,
        '--enable-crds=Logs,PortForward,Exec',
      ],
    });

    const core = kc.makeApiClient(k8s.CoreV1Api);
    const storage = kc.makeApiClient(k8s.StorageV1Api);
    const coordination = kc.makeApiClient(k8s.CoordinationV1Api);
    await core.createNode({
      body: {
        metadata: {
          name: NODE_NAME,
          labels: { type: 'kwok', 'kubernetes.io/hostname': NODE_NAME, 'kubernetes.io/os': 'linux' },
          annotations: { 'kwok.x-k8s.io/node': 'fake' },
        },
        spec: {},
        // What a real node advertises (kwok keeps a status given at creation). Without
        // ephemeral-storage the real chart's control-plane pod stays Pending ("Insufficient ephemeral-storage").
        status: { capacity: NODE_CAPACITY, allocatable: NODE_CAPACITY },
      },
    });
    await storage.createStorageClass({
      body: {
        metadata: { name: STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
        provisioner: 'kubernetes.io/no-provisioner',
        volumeBindingMode: 'Immediate',
        reclaimPolicy: 'Retain',
      },
    });
    let pvIndex = 0;
    const addPersistentVolumes = async (sizes: string[]) => {
      for (const size of sizes) {
        const name = `pv-${String(pvIndex++).padStart(3, '0')}`;
        await core.createPersistentVolume({
          body: {
            metadata: { name },
            spec: {
              capacity: { storage: size },
              accessModes: ['ReadWriteOnce'],
              persistentVolumeReclaimPolicy: 'Retain',
              storageClassName: STORAGE_CLASS,
              hostPath: { path: join(dir, 'volumes', name) },
            },
          },
        });
      }
    };
    await addPersistentVolumes(opts.pvSizes ?? DEFAULT_PV_SIZES);

    await waitFor(
      `node ${NODE_NAME} Ready (kwok)`,
      async () => {
        const n = await core.readNode({ name: NODE_NAME });
        // The node lifecycle controller may taint a node not-ready before kwok's first heartbeat.
        const tainted = (n.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
        return !tainted && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      },
      { timeoutMs: 60_000, proc: procs.find((p) => p.name === 'kwok') },
    );
    // The controller manager is working once it has made the default ServiceAccount.
    // A component that could not bind its port exits; catch that here, not as pods that never schedule.
    await waitFor('kube-scheduler /healthz', () => healthzOk(schedPort), { proc: scheduler, timeoutMs: 60_000 });
    await waitFor('kube-controller-manager /healthz', () => healthzOk(kcmPort), { proc: kcm, timeoutMs: 60_000 });
    await waitFor(
      'ServiceAccount default/default (controller manager)',
      async () => {
        await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
        return true;
      },
      { timeoutMs: 60_000, proc: procs.find((p) => p.name === 'kube-controller-manager') },
    );

    const timing = { apiserverReadyMs: tApi - t0, readyMs: Date.now() - t0 };
    writeFileSync(join(dir, 'timing.json'), JSON.stringify(timing) + '\n');

    const restartComponent = async (name: ComponentName, downMs = 0) => {
      const spec = specs.get(name);
      const cur = procs.find((p) => p.name === name);
      if (!spec || !cur) throw new Error(`no component ${name} in this cluster`);
      await cur.stop(5000);
      if (downMs > 0) await sleep(downMs);
      // A new kwok has a new holder identity and waits out the old one's node lease (40 s)
      // before it manages the node again: no pod becomes Ready meanwhile. The old kwok is gone,
      // so its lease goes with it (when the API server is up to take the delete).
      if (name === 'kwok')
        await coordination
          .deleteNamespacedLease({ name: NODE_NAME, namespace: 'kube-node-lease' })
          .catch(() => undefined);
      const p = launch(spec);
      if (name === 'kube-apiserver') await apiReady(p);
      else if (name === 'kwok')
        await waitFor('kwok kubelet port', () => tcpOpen(kubeletPort), { proc: p, timeoutMs: 30_000 });
      else if (name === 'etcd')
        await waitFor(
          'kube-apiserver /readyz after etcd restart',
          () => httpsOk(`${server}/readyz`, ca.cert, admin.cert, admin.key),
          { proc: p, timeoutMs: 60_000 },
        );
      else if (name === 'kube-scheduler')
        await waitFor('kube-scheduler /healthz', () => healthzOk(schedPort), { proc: p, timeoutMs: 60_000 });
      else await waitFor('kube-controller-manager /healthz', () => healthzOk(kcmPort), { proc: p, timeoutMs: 60_000 });
    };
    // After an API server outage, client-go reflectors in the other components retry with a
    // back-off that grows to 30 s (60 s with jitter) and is not reset for 2 minutes, so a second
    // restart within that window leaves them blind for up to a minute: StatefulSets not acted
    // on, PVC updates the scheduler never sees, kwok not knowing a PortForward made just before
    // the outage. The fault under test is the action's connection to the API server, so the
    // components that keep informers start afresh once it serves again (they keep no state of
    // their own; everything is in etcd).
    const restartApiServer = async (downMs = 0) => {
      await restartComponent('kube-apiserver', downMs);
      for (const name of ['kube-controller-manager', 'kube-scheduler', 'kwok'] as const) await restartComponent(name);
    };

    return {
      dir,
      adminKubeconfig,
      server,
      caFile: ca.cert,
      kubeConfig: kc,
      podBinDir,
      restartApiServer,
      restartComponent,
      addPersistentVolumes,
      stop,
      deadComponents: () => procs.filter((p) => !p.isRunning()).map((p) => `${p.name} (log ${p.logFile})`),
    };
  } catch (e) {
    const failed = procs
      .filter((p) => !p.isRunning())
      .map((p) => `--- ${p.name} (${p.logFile}):\n${logTail(p.logFile, 20)}`);
    await stopProcs();
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(
      `local cluster failed to start: ${msg}${failed.length ? '\n' + failed.join('\n') : ''}\nAll logs are kept in ${logs}.`,
    );
  }
}
