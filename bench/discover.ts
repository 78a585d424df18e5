// npm run bench:discover -- --releases N
// Starts a real etcd and kube-apiserver (no controllers, so no pods), installs one vCluster release of
// the fixture chart with the real helm, and clones what discover reads for N releases (10 per
// namespace): the control-plane Deployment, the etcd StatefulSet, vc-config-<release>, two Helm
// release Secrets (revision 1 superseded, 2 deployed, payloads re-encoded with the new name) and,
// for every tenth release, a state record. Then times, on the same objects and alternating, the built
// action (dist/index.js, phase discover with discover-secrets: true) and `helm list -A -o json`, three
// times each, and prints the medians. Ends with exactly one line:
// discover releases=<N> ours_s=<s> helm_list_s=<s> ratio=<ours/helm> ours_rss_mb=<peak MB> outputs_kb=<kB> summary_kb=<kB>
// discover runs the fleet as a campaign (waves 1,5,25,rest), and its outputs and job summary must stay
// within GitHub's limits (1 MB of outputs per job, 1 MiB per summary) at any size.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as k8s from '@kubernetes/client-node';
import { binPath } from '../sandbox/bins.ts';
import { makeCA, makeCert } from '../sandbox/pki.ts';
import { listenPort, startProcess, waitFor, type ManagedProcess } from '../sandbox/processes.ts';
import { ACTION_ENTRY, parseGithubOutput } from '../sandbox/action-runner.ts';
import { FIXTURE_CHART } from '../sandbox/vcluster-release.ts';
import { median, positiveInt } from './rounds.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: { releases: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '3' } },
});
const n = positiveInt('releases', values.releases);
const rounds = positiveInt('rounds', values.rounds);
const log = (s: string) => process.stderr.write(s + '\n');

/** etcd and kube-apiserver only: the objects stay objects (no controller turns them into pods). */
async function startApiServer(
  dir: string,
): Promise<{ kubeconfig: string; kc: k8s.KubeConfig; procs: ManagedProcess[] }> {
  const pki = join(dir, 'pki');
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const ca = makeCA(pki, 'ca');
  const api = makeCert(pki, {
    name: 'apiserver',
    ca,
    cn: 'kube-apiserver',
    usage: 'server',
    sans: { dns: ['localhost'], ip: ['127.0.0.1', '10.96.0.1'] },
  });
  const admin = makeCert(pki, { name: 'admin', ca, cn: 'bench-admin', org: 'system:masters', usage: 'client' });
  const saKey = join(pki, 'sa.key');
  await run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', saKey]);
  const [etcdPort, peerPort, apiPort] = [await listenPort(), await listenPort(), await listenPort()];
  const etcd = startProcess({
    name: 'etcd',
    command: binPath('etcd'),
    logFile: join(dir, 'logs', 'etcd.log'),
    args: [
      '--name=bench',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=bench=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync=true',
      '--quota-backend-bytes=4294967296',
      '--log-level=warn',
    ],
  });
  const apiserver = startProcess({
    name: 'kube-apiserver',
    command: binPath('kube-apiserver'),
    logFile: join(dir, 'logs', 'kube-apiserver.log'),
    args: [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      `--secure-port=${apiPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=${api.cert}`,
      `--tls-private-key-file=${api.key}`,
      `--client-ca-file=${ca.cert}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${saKey}`,
      `--service-account-signing-key-file=${saKey}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--authorization-mode=RBAC',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
      '--v=0',
    ],
  });
  const kubeconfig = join(dir, 'admin.kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: bench',
      '  cluster:',
      `    server: https://127.0.0.1:${apiPort}`,
      `    certificate-authority: ${ca.cert}`,
      'users:',
      '- name: admin',
      '  user:',
      `    client-certificate: ${admin.cert}`,
      `    client-key: ${admin.key}`,
      'contexts:',
      '- name: bench',
      '  context: {cluster: bench, user: admin}',
      'current-context: bench',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await waitFor(
    'kube-apiserver',
    async () => {
      await core.listNamespace({ limit: 1 });
      return true;
    },
    { proc: apiserver, timeoutMs: 120_000, intervalMs: 500 },
  );
  // The default ServiceAccount is the controller manager's work; helm install wants nothing more.
  return { kubeconfig, kc, procs: [apiserver, etcd] };
}

type Obj = k8s.KubernetesObject & Record<string, unknown>;

/** A copy of a read object under another release name and namespace, without server-set fields. */
function clone<T extends Obj>(o: T, namespace: string, name: string): T {
  // The release name first: the template namespace is a prefix of it.
  const c = JSON.parse(JSON.stringify(o).replaceAll(TEMPLATE_RELEASE, name).replaceAll(TEMPLATE_NS, namespace)) as T;
  const {
    uid: _u,
    resourceVersion: _r,
    creationTimestamp: _c,
    managedFields: _m,
    generation: _g,
    ...meta
  } = c.metadata ?? {};
  return { ...c, metadata: { ...meta, namespace }, status: undefined };
}

const TEMPLATE_RELEASE = 'bench-template-vc';
const TEMPLATE_NS = 'bench-template';

/** Helm's payload (base64 of gzip of JSON) under another release name and namespace, at a revision and status. */
function helmPayload(b64: string, name: string, namespace: string, version: number, status: string): string {
  const rel = JSON.parse(gunzipSync(Buffer.from(b64, 'base64')).toString('utf8')) as Record<string, unknown> & {
    info: Record<string, unknown>;
    manifest: string;
  };
  rel.name = name;
  rel.namespace = namespace;
  rel.version = version;
  rel.info = { ...rel.info, status };
  rel.manifest = rel.manifest.replaceAll(TEMPLATE_RELEASE, name);
  return gzipSync(JSON.stringify(rel)).toString('base64');
}

async function pool<T>(items: T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  const q = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let x = q.shift(); x !== undefined; x = q.shift()) await fn(x);
    }),
  );
}

async function create(kc: k8s.KubeConfig, kubeconfig: string): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: TEMPLATE_NS } } });
  await run(
    binPath('helm'),
    [
      'install',
      TEMPLATE_RELEASE,
      FIXTURE_CHART,
      '-n',
      TEMPLATE_NS,
      '--set',
      'controlPlane.backingStore.etcd.deploy.enabled=true',
    ],
    { env: { ...process.env, KUBECONFIG: kubeconfig, HELM_NO_PLUGINS: '1' } },
  );
  const deploy = (await apps.readNamespacedDeployment({
    name: TEMPLATE_RELEASE,
    namespace: TEMPLATE_NS,
  })) as unknown as Obj;
  const sts = (await apps.readNamespacedStatefulSet({
    name: `${TEMPLATE_RELEASE}-etcd`,
    namespace: TEMPLATE_NS,
  })) as unknown as Obj;
  const config = (await core.readNamespacedSecret({
    name: `vc-config-${TEMPLATE_RELEASE}`,
    namespace: TEMPLATE_NS,
  })) as unknown as Obj;
  const helmSecret = await core.readNamespacedSecret({
    name: `sh.helm.release.v1.${TEMPLATE_RELEASE}.v1`,
    namespace: TEMPLATE_NS,
  });
  // The template itself is one more release; remove it so the fleet is exactly N.
  await run(binPath('helm'), ['uninstall', TEMPLATE_RELEASE, '-n', TEMPLATE_NS], {
    env: { ...process.env, KUBECONFIG: kubeconfig, HELM_NO_PLUGINS: '1' },
  });
  const payload = Buffer.from(helmSecret.data!.release!, 'base64').toString('utf8');

  const namespaces = Array.from({ length: Math.ceil(n / 10) }, (_, i) => `fleet-${String(i).padStart(4, '0')}`);
  await pool(namespaces, 16, async (name) => {
    await core.createNamespace({ body: { metadata: { name, labels: { fleet: 'bench' } } } });
  });
  const releases = Array.from({ length: n }, (_, i) => ({
    name: `vc-${String(i).padStart(5, '0')}`,
    namespace: namespaces[Math.floor(i / 10)]!,
    i,
  }));
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  let done = 0;
  await pool(releases, 16, async (r) => {
    await api.create(clone(deploy, r.namespace, r.name));
    await api.create(clone(sts, r.namespace, r.name));
    await api.create(clone(config, r.namespace, r.name));
    for (const [version, status] of [
      [1, 'superseded'],
      [2, 'deployed'],
    ] as const) {
      await core.createNamespacedSecret({
        namespace: r.namespace,
        body: {
          metadata: {
            name: `sh.helm.release.v1.${r.name}.v${version}`,
            labels: { owner: 'helm', name: r.name, status, version: String(version) },
          },
          type: 'helm.sh/release.v1',
          data: { release: Buffer.from(helmPayload(payload, r.name, r.namespace, version, status)).toString('base64') },
        },
      });
    }
    if (r.i % 10 === 0) {
      const groups = Object.fromEntries(Array.from({ length: 60 }, (_, g) => [`/registry/group-${g}/`, 100 + g]));
      const census = {
        revision: 1000,
        total: 12000,
        groups,
        store: 'deployed',
        path: 'exec',
        takenAt: new Date().toISOString(),
      };
      const state = {
        version: 1,
        release: r.name,
        namespace: r.namespace,
        history: [],
        phase1: {
          status: 'verified',
          startedAt: census.takenAt,
          chartVersion: '0.27.0',
          valuesDigest: 'x',
          before: census,
          after: census,
          deployedAtSuccess: census,
        },
      };
      await core.createNamespacedConfigMap({
        namespace: r.namespace,
        body: {
          metadata: {
            name: `${r.name}-etcd-migration`,
            labels: { 'app.kubernetes.io/managed-by': 'vcluster-etcd-migrate', 'app.kubernetes.io/instance': r.name },
          },
          data: { 'state.json': JSON.stringify(state, null, 1) },
        },
      });
    }
    if (++done % 250 === 0) log(`created ${done}/${n} releases`);
  });
}

/** Runs a command under /usr/bin/time; returns wall seconds, peak RSS in MB and stdout. */
/** GitHub's limits: 1 MB of outputs per job, 1 MiB per job summary; a matrix of at most 256 jobs. */
function outputSizes(
  outputFile: string,
  summaryFile: string,
  outputs: Record<string, string>,
): { outputsKb: number; summaryKb: number } {
  const outputsBytes = Buffer.byteLength(readFileSync(outputFile, 'utf8'));
  const summaryBytes = Buffer.byteLength(readFileSync(summaryFile, 'utf8'));
  const matrix = (JSON.parse(outputs.matrix ?? '{}') as { include?: unknown[] }).include ?? [];
  if (outputsBytes > 1_000_000 || summaryBytes > 1024 * 1024 || matrix.length > 256 || !outputs.campaign)
    throw new Error(
      `discover's outputs are past GitHub's limits at ${n} releases: ${outputsBytes} bytes of outputs, ${summaryBytes} bytes of summary, a matrix of ${matrix.length}, campaign ${outputs.campaign ?? '(none)'}`,
    );
  return { outputsKb: outputsBytes / 1000, summaryKb: summaryBytes / 1024 };
}

async function timed(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ s: number; rssMb: number; stdout: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-time-'));
  const timeFile = join(dir, 'time');
  try {
    const t0 = performance.now();
    const stdout = await new Promise<string>((resolve, reject) => {
      const p = spawn('/usr/bin/time', ['-o', timeFile, '-f', '%M', cmd, ...args], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (err += d));
      p.on('error', reject);
      p.on('close', (code) =>
        code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${code}: ${err.slice(-500)}`)),
      );
    });
    const s = (performance.now() - t0) / 1000;
    const rssKb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
    return { s, rssMb: rssKb / 1024, stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bench-discover-'));
let procs: ManagedProcess[] = [];
try {
  const t0 = performance.now();
  const started = await startApiServer(dir);
  procs = started.procs;
  log(`API server ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const t1 = performance.now();
  await create(started.kc, started.kubeconfig);
  log(`created the objects of ${n} releases in ${((performance.now() - t1) / 1000).toFixed(1)} s`);

  const kubeconfigContent = readFileSync(started.kubeconfig, 'utf8');
  const ours: { s: number; rssMb: number; outputsKb: number; summaryKb: number }[] = [];
  const helm: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const work = mkdtempSync(join(dir, 'run-'));
    const outputFile = join(work, 'out');
    writeFileSync(outputFile, '');
    writeFileSync(join(work, 'summary'), '');
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      RUNNER_TEMP: work,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: join(work, 'summary'),
      INPUT_PHASE: 'discover',
      'INPUT_CHART-VERSION': 'keep',
      'INPUT_DISCOVER-SECRETS': 'true',
      INPUT_WAVES: '1,5,25,rest',
      INPUT_KUBECONFIG: kubeconfigContent,
    };
    const o = await timed(process.execPath, [ACTION_ENTRY], env);
    const outputs = parseGithubOutput(readFileSync(outputFile, 'utf8'));
    const counts = JSON.parse(outputs.counts ?? '{}') as Record<string, number>;
    const found = Object.values(counts).reduce((a, b) => a + b, 0);
    // Every tenth release has a verified phase one; the rest run on deployed etcd.
    if (found !== n || counts.deployed !== n - Math.ceil(n / 10) || counts.verified !== Math.ceil(n / 10)) {
      throw new Error(
        `discover found ${JSON.stringify(counts)} for ${n} releases (status ${outputs.status}); output:\n${o.stdout.slice(-2000)}`,
      );
    }
    const sizes = outputSizes(outputFile, join(work, 'summary'), outputs);
    ours.push({ ...o, ...sizes });
    // Exactly `helm list -A -o json`: it reads and decodes every release, then prints the first 256.
    const h = await timed(binPath('helm'), ['list', '-A', '-o', 'json'], {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KUBECONFIG: started.kubeconfig,
      HELM_NO_PLUGINS: '1',
    });
    const listed = (JSON.parse(h.stdout) as unknown[]).length;
    if (listed !== Math.min(n, 256))
      throw new Error(`helm list printed ${listed} releases, expected ${Math.min(n, 256)}`);
    helm.push(h.s);
    log(`round ${round + 1}: ours ${o.s.toFixed(2)} s (${o.rssMb.toFixed(0)} MB), helm list ${h.s.toFixed(2)} s`);
  }
  const oursS = median(ours.map((x) => x.s));
  const helmS = median(helm);
  const rss = Math.max(...ours.map((x) => x.rssMb));
  const outputsKb = Math.max(...ours.map((x) => x.outputsKb));
  const summaryKb = Math.max(...ours.map((x) => x.summaryKb));
  process.stdout.write(
    `discover releases=${n} ours_s=${oursS.toFixed(2)} helm_list_s=${helmS.toFixed(2)} ratio=${(oursS / helmS).toFixed(2)} ours_rss_mb=${rss.toFixed(0)} outputs_kb=${outputsKb.toFixed(0)} summary_kb=${summaryKb.toFixed(0)}\n`,
  );
} finally {
  for (const p of procs) await p.stop(3000);
  rmSync(dir, { recursive: true, force: true });
}
