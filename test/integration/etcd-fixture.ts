// A real etcd with vCluster's PKI in a temp dir, for the census and backup tests.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd, vClusterEtcdPki, type EtcdProcess } from '../../sandbox/etcd-process.ts';
import { EtcdClient, type EtcdClientOptions } from '../../src/etcd/client.ts';
import { txnPut } from '../../sandbox/etcd-seed.ts';

export interface EtcdFixture {
  dir: string;
  pki: Record<string, string>;
  etcd: EtcdProcess;
  client(over?: Partial<EtcdClientOptions>): EtcdClient;
  stop(): Promise<void>;
}

export async function etcdFixture(prefix: string): Promise<EtcdFixture> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const pki = vClusterEtcdPki(join(dir, 'pki'), 'vc');
  let etcd: EtcdProcess;
  try {
    etcd = await startEtcd({
      dir,
      name: 'src',
      ca: pki['etcd-ca.crt']!,
      cert: pki['etcd-server.crt']!,
      key: pki['etcd-server.key']!,
    });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const clients: EtcdClient[] = [];
  return {
    dir,
    pki,
    etcd,
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
