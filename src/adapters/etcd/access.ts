// Reach the etcd of a pod from the runner, through the Kubernetes API only:
// 1. port-forward to the pod's port and speak gRPC with the client certificate from the secret;
// 2. if RBAC forbids pods/portforward and the caller allows it, exec `etcdctl` in the pod's etcd
//    container with the certificate files the pod already mounts (the deployed etcd image ships
//    etcdctl; vCluster's own image does not). The exec path serves only the census's range reads.
import { Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { EtcdClient, EtcdError } from './client.ts';
import type { EtcdClientCerts } from './certs.ts';
import type { KeyRangeReader } from './census-reader.ts';
import { forwardErrorText, isForbidden, probePortForward, startPortForward } from './port-forward.ts';

export interface OpenPodEtcdOptions {
  namespace: string;
  pod: string;
  /** etcd client port in the pod; default 2379. */
  port?: number;
  certs: EtcdClientCerts;
  /** Allow the etcdctl-by-exec path when port-forward is forbidden. */
  allowExecFallback: boolean;
  /** Container that has etcdctl (exec path); default 'etcd'. */
  container?: string;
  /** Where the pod mounts secret <release>-certs (exec path); default /run/config/pki, as vCluster's etcd StatefulSet. */
  pkiDir?: string;
  /** Name the etcd server certificate is checked against; default 'localhost' (vCluster's certs cover it). */
  serverName?: string;
}

export interface PodEtcd<C> {
  client: C;
  path: 'port-forward' | 'exec';
  close(): Promise<void>;
}

export function openPodEtcd(
  kc: KubeConfig,
  o: OpenPodEtcdOptions & { allowExecFallback: false },
): Promise<PodEtcd<EtcdClient>>;
export function openPodEtcd(kc: KubeConfig, o: OpenPodEtcdOptions): Promise<PodEtcd<EtcdClient | KeyRangeReader>>;
export async function openPodEtcd(
  kc: KubeConfig,
  o: OpenPodEtcdOptions,
): Promise<PodEtcd<EtcdClient | KeyRangeReader>> {
  const port = o.port ?? 2379;
  const where = `pod ${o.namespace}/${o.pod}`;
  try {
    await probePortForward(kc, o.namespace, o.pod, port);
  } catch (e) {
    const text = forwardErrorText(e);
    if (!isForbidden(text)) {
      throw new Error(
        `cannot port-forward to ${where} port ${port}: ${text}. Check that the pod exists and is running.`,
      );
    }
    if (!o.allowExecFallback) {
      throw new Error(
        `port-forward to ${where} is forbidden (${text}): the action's service account needs 'create' on pods/portforward in namespace ${o.namespace}.`,
      );
    }
    const reader = execEtcdctlReader(kc, o);
    // Fail here, with the RBAC story, rather than in the middle of the census.
    await reader
      .readRange({ key: Buffer.from([1]), rangeEnd: Buffer.from([2]), limit: 0, revision: 0, countOnly: true })
      .catch((err: Error) => {
        throw new Error(
          `port-forward to ${where} is forbidden (${text}) and the etcdctl fallback failed too: ${err.message}. Grant 'create' on pods/portforward (preferred) or on pods/exec in namespace ${o.namespace}.`,
        );
      });
    return { client: reader, path: 'exec', close: async () => {} };
  }

  const forward = await startPortForward(kc, { namespace: o.namespace, pod: o.pod, port });
  const client = new EtcdClient({
    endpoint: `127.0.0.1:${forward.port}`,
    serverName: o.serverName ?? 'localhost',
    ca: o.certs.ca,
    cert: o.certs.cert,
    key: o.certs.key,
    caSource: o.certs.caSource,
    certSource: o.certs.certSource,
    label: `etcd in ${where} (through a port-forward)`,
  });
  try {
    await client.status();
  } catch (e) {
    client.close();
    await forward.close();
    const pfError = forward.lastError();
    if (e instanceof EtcdError && e.kind === 'unavailable' && pfError) {
      throw new EtcdError('unavailable', `${e.message} The port-forward reported: ${pfError}`, e.code);
    }
    throw e;
  }
  return {
    client,
    path: 'port-forward',
    async close() {
      client.close();
      await forward.close();
    },
  };
}

// etcdctl cannot take a NUL byte in argv: the census's "from the very first key" ([0x00]) becomes
// [0x01] (no Kubernetes key starts below it), and range_end [0x00] ("to the end") becomes --from-key.
function arg(b: Buffer): string {
  if (b.length === 1 && b[0] === 0) return '\x01';
  if (b.includes(0)) throw new Error('etcdctl fallback: a key with a NUL byte cannot be passed to etcdctl');
  return b.toString('latin1');
}

/** Census reads through `etcdctl get ... -w json` run by exec in the pod. */
export function execEtcdctlReader(kc: KubeConfig, o: OpenPodEtcdOptions): KeyRangeReader {
  const exec = new Exec(kc);
  const pki = o.pkiDir ?? '/run/config/pki';
  const container = o.container ?? 'etcd';
  const port = o.port ?? 2379;
  const where = `pod ${o.namespace}/${o.pod} container ${container}`;
  return {
    async readRange(q) {
      const args = [
        'etcdctl',
        `--endpoints=https://127.0.0.1:${port}`,
        `--cacert=${pki}/etcd-ca.crt`,
        `--cert=${pki}/${o.certs.source}.crt`,
        `--key=${pki}/${o.certs.source}.key`,
        '--command-timeout=120s',
        'get',
        arg(q.key),
      ];
      if (q.rangeEnd.length === 1 && q.rangeEnd[0] === 0) args.push('--from-key');
      else args.push(arg(q.rangeEnd));
      // etcdctl 3.5 allows --count-only only with -w fields; a keys-only read with limit 1
      // returns the same count in its JSON.
      args.push('--keys-only', '-w', 'json', `--limit=${q.countOnly ? 1 : q.limit}`);
      if (q.revision) args.push(`--rev=${q.revision}`);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const sink = (arr: Buffer[]) =>
        new Writable({
          write(c: Buffer, _e, cb) {
            arr.push(Buffer.from(c));
            cb();
          },
        });
      const status = await new Promise<V1Status>((resolve, reject) => {
        exec
          .exec(o.namespace, o.pod, container, args, sink(out), sink(err), null, false, (s) => resolve(s))
          .then((ws) => {
            // The API server sends etcdctl's exit status as the last frame. A stream that closes
            // without it (API server or kubelet gone) proves nothing: its output may be cut short.
            // (Once the status frame resolved the promise, this reject does nothing.)
            ws.on('close', () =>
              reject(
                new Error(
                  `exec in ${where}: the stream closed before etcdctl's exit status arrived; its output is not trusted`,
                ),
              ),
            );
          })
          .catch((e: unknown) => reject(new Error(`exec in ${where} failed: ${forwardErrorText(e)}`)));
      });
      if (status.status !== 'Success') {
        const text = Buffer.concat(err).toString().trim().split('\n').slice(-3).join(' ');
        if (/compacted/i.test(text)) throw new EtcdError('compacted', `etcdctl in ${where}: ${text}`);
        throw new Error(`etcdctl in ${where} failed: ${status.message ?? ''} ${text}`.trim());
      }
      const j = JSON.parse(Buffer.concat(out).toString()) as {
        header?: { revision?: number };
        kvs?: Array<{ key: string }>;
        count?: number;
      };
      return {
        revision: Number(j.header?.revision ?? 0),
        count: Number(j.count ?? 0),
        keys: q.countOnly ? [] : (j.kvs ?? []).map((kv) => Buffer.from(kv.key, 'base64')),
      };
    },
  };
}
