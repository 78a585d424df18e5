// A real etcd with vCluster's PKI in a temp dir, for the census and backup tests and benchmarks:
// clients and etcdctl calls that authenticate as kube-apiserver does, and more etcds on the same PKI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdClient, type EtcdClientOptions } from '../src/adapters/etcd/client.ts';
import { binPath } from './bins.ts';
import { startEtcd, vClusterEtcdPki, type EtcdProcess, type StartEtcdOptions } from './etcd-process.ts';
import { txnPut } from './etcd-seed.ts';

export interface EtcdFixture {
  dir: string;
  pki: Record<string, string>;
  etcd: EtcdProcess;
  /** etcdctl's TLS flags with kube-apiserver's client certificate. */
  tlsFlags: string[];
  client(over?: Partial<EtcdClientOptions>): EtcdClient;
  /** Runs etcdctl against this etcd (or the --endpoints given) and returns its stdout. */
  ctl(...args: string[]): Buffer;
  /** Another etcd on the same PKI, in `<dir>/<name>`; the caller stops it. */
  another(name: string, over?: Partial<StartEtcdOptions>): Promise<EtcdProcess>;
  stop(): Promise<void>;
}

export async function etcdFixture(prefix: string, extraArgs: string[] = []): Promise<EtcdFixture> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const pki = vClusterEtcdPki(join(dir, 'pki'), 'vc');
  const serverTls = { ca: pki['etcd-ca.crt']!, cert: pki['etcd-server.crt']!, key: pki['etcd-server.key']! };
  let etcd: EtcdProcess;
  try {
    etcd = await startEtcd({ dir, name: 'src', ...serverTls, extraArgs });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const tlsFlags = [
    '--cacert',
    pki['etcd-ca.crt']!,
    '--cert',
    pki['apiserver-etcd-client.crt']!,
    '--key',
    pki['apiserver-etcd-client.key']!,
  ];
  const clients: EtcdClient[] = [];
  return {
    dir,
    pki,
    etcd,
    tlsFlags,
    client(over = {}) {
      const c = new EtcdClient({
        endpoint: etcd.endpoint,
        serverName: 'localhost',
        ca: readFileSync(pki['etcd-ca.crt']!),
        cert: readFileSync(pki['apiserver-etcd-client.crt']!),
        key: readFileSync(pki['apiserver-etcd-client.key']!),
        caSource: 'etcd-ca.crt from secret vc-certs',
        certSource: 'apiserver-etcd-client.crt from secret vc-certs',
        ...over,
      });
      clients.push(c);
      return c;
    },
    ctl(...args) {
      // etcdctl adds up repeated --endpoints and balances between them: a caller's own replaces this one.
      const endpoint = args.includes('--endpoints') ? [] : ['--endpoints', etcd.endpoint];
      return execFileSync(binPath('etcdctl'), [...endpoint, ...tlsFlags, ...args], {
        stdio: 'pipe',
        maxBuffer: 64 << 20,
      });
    },
    another(name, over = {}) {
      return startEtcd({ dir: join(dir, name), name, ...serverTls, ...over });
    },
    async stop() {
      for (const c of clients) c.close();
      await etcd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function putAll(client: EtcdClient, keys: string[], value = 'v'): Promise<void> {
  for (let i = 0; i < keys.length; i += 128) {
    await txnPut(
      client,
      keys.slice(i, i + 128).map((k) => ({ key: Buffer.from(k), value: Buffer.from(value) })),
    );
  }
}
