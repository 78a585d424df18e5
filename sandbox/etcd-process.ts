// A real etcd process with TLS client-certificate auth on 127.0.0.1, for tests, benchmarks and the
// local cluster's vCluster stand-in. Waits (bounded) until etcd says it serves clients; stop() kills
// it and waits for the exit so a test never leaks a process or a port.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { binPath } from './bins.ts';
import { makeCA, makeCert } from './pki.ts';

export interface StartEtcdOptions {
  /** Working dir: the log file goes here, and the data dir unless dataDir is given. */
  dir: string;
  name: string;
  /** CA that signs both the server cert and the accepted client certs. */
  ca: string;
  /** Server certificate and key (SANs must cover localhost/127.0.0.1). */
  cert: string;
  key: string;
  clientPort?: number;
  peerPort?: number;
  dataDir?: string;
  /** Extra etcd flags, e.g. ['--quota-backend-bytes=8589934592']. */
  extraArgs?: string[];
  /** How long to wait for readiness; default 30 s. */
  timeoutMs?: number;
}

export interface EtcdProcess {
  /** https://127.0.0.1:<port> */
  endpoint: string;
  port: number;
  peerPort: number;
  pid: number;
  dataDir: string;
  logFile: string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL at once (a crash, for tests); resolves once the process has exited. */
  kill(): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startEtcd(opts: StartEtcdOptions): Promise<EtcdProcess> {
  mkdirSync(opts.dir, { recursive: true });
  const port = opts.clientPort ?? (await freePort());
  let peerPort = opts.peerPort ?? (await freePort());
  while (peerPort === port) peerPort = await freePort();
  const dataDir = opts.dataDir ?? join(opts.dir, `${opts.name}.etcd`);
  const logFile = join(opts.dir, `${opts.name}.etcd.log`);
  const endpoint = `https://127.0.0.1:${port}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    `--name=${opts.name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${endpoint}`,
    `--advertise-client-urls=${endpoint}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${opts.name}=${peer}`,
    '--initial-cluster-state=new',
    `--cert-file=${opts.cert}`,
    `--key-file=${opts.key}`,
    `--trusted-ca-file=${opts.ca}`,
    '--client-cert-auth=true',
    '--listen-metrics-urls=',
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(binPath('etcd'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const log = createWriteStream(logFile);
  const tail: string[] = [];
  let ready = false;
  let buf = '';
  const readyWaiters: Array<() => void> = [];
  child.stderr!.on('data', (chunk: Buffer) => {
    log.write(chunk);
    buf += chunk.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      tail.push(line);
      if (tail.length > 30) tail.shift();
      // etcd 3.5 logs this once the client listener serves TLS.
      if (!ready && line.includes('serving client traffic securely')) {
        ready = true;
        for (const w of readyWaiters.splice(0)) w();
      }
    }
  });
  child.on('exit', () => log.end());

  const timeoutMs = opts.timeoutMs ?? 30_000;
  const outcome = await new Promise<'ready' | 'exit' | 'timeout' | Error>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    readyWaiters.push(() => {
      clearTimeout(timer);
      resolve('ready');
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve('exit');
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve(e);
    });
  });
  if (outcome !== 'ready') {
    child.kill('SIGKILL');
    await waitExit(child);
    const why =
      outcome instanceof Error
        ? outcome.message
        : outcome === 'exit'
          ? `exited with ${child.exitCode ?? child.signalCode}`
          : `not ready after ${timeoutMs} ms`;
    throw new Error(`etcd ${opts.name} did not start (${why}). Last log lines:\n${tail.join('\n')}`);
  }

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await waitExit(child);
    clearTimeout(t);
  };
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await waitExit(child);
  };
  return { endpoint, port, peerPort, pid: child.pid!, dataDir, logFile, stop, kill };
}

/**
 * The etcd files vCluster keeps in secret `<release>-certs` (names flattened with '-'), made fresh
 * in `dir`. Returns secret key name → file path, e.g. 'etcd-ca.crt' → '<dir>/etcd-ca.crt'.
 */
export function vClusterEtcdPki(dir: string, release: string): Record<string, string> {
  const ca = makeCA(dir, 'etcd-ca');
  const serverSans = {
    dns: ['localhost', `${release}-etcd`, `*.${release}-etcd-headless`, `*.${release}-headless`],
    ip: ['127.0.0.1'],
  };
  const server = makeCert(dir, { name: 'etcd-server', ca, cn: `${release}-etcd`, sans: serverSans, usage: 'both' });
  const peer = makeCert(dir, { name: 'etcd-peer', ca, cn: `${release}-etcd`, sans: serverSans, usage: 'both' });
  const apiserver = makeCert(dir, {
    name: 'apiserver-etcd-client',
    ca,
    cn: 'kube-apiserver-etcd-client',
    org: 'system:masters',
    usage: 'client',
  });
  const health = makeCert(dir, {
    name: 'etcd-healthcheck-client',
    ca,
    cn: 'kube-etcd-healthcheck-client',
    usage: 'client',
  });
  return {
    'etcd-ca.crt': ca.cert,
    'etcd-ca.key': ca.key,
    'etcd-server.crt': server.cert,
    'etcd-server.key': server.key,
    'etcd-peer.crt': peer.cert,
    'etcd-peer.key': peer.key,
    'apiserver-etcd-client.crt': apiserver.cert,
    'apiserver-etcd-client.key': apiserver.key,
    'etcd-healthcheck-client.crt': health.cert,
    'etcd-healthcheck-client.key': health.key,
  };
}
