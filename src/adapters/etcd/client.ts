// A small etcd v3 client over @grpc/grpc-js, its messages encoded from descriptors: only the
// calls the census, the backup and the abort's equalize need. TLS with a client certificate; every call has a deadline;
// UNAVAILABLE is retried a bounded number of times; certificate problems fail at once with an
// error that names the file and the secret it came from.
import * as grpc from '@grpc/grpc-js';
import {
  decodeCompactionResponse,
  decodeRangeResponse,
  decodeTxnResponse,
  encodeCompactionRequest,
  encodeTxnRequest,
  type TxnOp,
  type TxnResponse,
  decodeSnapshotResponse,
  decodeStatusResponse,
  encodeEmpty,
  encodeRangeRequest,
  type RangeRequest,
  type RangeResponse,
  type SnapshotResponse,
  type StatusResponse,
} from './proto.ts';

export interface EtcdClientOptions {
  /** host:port or https://host:port */
  endpoint: string;
  /** PEM contents (not paths). */
  ca: Buffer | string;
  cert: Buffer | string;
  key: Buffer | string;
  /** Name to verify in the server certificate when it differs from the host dialled (e.g. 'localhost'). */
  serverName?: string;
  /** Where the CA came from, for errors: e.g. "etcd-ca.crt from secret vc-certs". */
  caSource?: string;
  /** Where the client certificate came from, for errors. */
  certSource?: string;
  /** What this etcd is, for errors: e.g. "deployed etcd (pod vc-etcd-0)". */
  label?: string;
  /** Per-call deadline; default 30 s. */
  callTimeoutMs?: number;
  /** Attempts for a call that meets UNAVAILABLE; default 5. */
  attempts?: number;
  /** First backoff delay, doubled on each retry; default 250 ms. */
  backoffMs?: number;
  /** HTTP/2 flow-control window in bytes; default 2 MiB. */
  flowControlWindow?: number;
}

export type EtcdErrorKind = 'ca' | 'client-cert' | 'unavailable' | 'compacted' | 'call';

export class EtcdError extends Error {
  kind: EtcdErrorKind;
  code: number | undefined;
  constructor(kind: EtcdErrorKind, message: string, code?: number) {
    super(message);
    this.name = 'EtcdError';
    this.kind = kind;
    this.code = code;
  }
}

const KV = '/etcdserverpb.KV/';
const MAINT = '/etcdserverpb.Maintenance/';
const identity = (b: Buffer) => b;

// Smallest key greater than every key with this prefix (etcd's clientv3.GetPrefixRangeEnd).
export function prefixEnd(prefix: Uint8Array): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // no upper bound: the whole keyspace from key
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class EtcdClient {
  private client: grpc.Client;
  private opts: EtcdClientOptions;
  readonly target: string;

  constructor(opts: EtcdClientOptions) {
    this.opts = opts;
    this.target = opts.endpoint.replace(/^https?:\/\//, '').replace(/\/+$/, '');
    const creds = grpc.credentials.createSsl(Buffer.from(opts.ca), Buffer.from(opts.key), Buffer.from(opts.cert));
    const channelOpts: grpc.ChannelOptions = {
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
      'grpc.max_send_message_length': 16 * 1024 * 1024,
      // Our own bounded retries decide; grpc's transparent retries would hide the cause.
      'grpc.enable_retries': 0,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
      // The default 64 KiB window makes the snapshot stream wait on window updates; 8 MiB was
      // fastest but lifted the peak RSS of a 2 GB snapshot by ~30 MB; 2 MiB keeps it under 150 MB.
      'grpc-node.flow_control_window': opts.flowControlWindow ?? 2 * 1024 * 1024,
    };
    if (opts.serverName) {
      channelOpts['grpc.ssl_target_name_override'] = opts.serverName;
      channelOpts['grpc.default_authority'] = opts.serverName;
    }
    this.client = new grpc.Client(this.target, creds, channelOpts);
  }

  /** Which etcd this is, for messages: "etcd in pod <ns>/<pod> (through a port-forward)". */
  get label(): string {
    return this.opts.label ?? `etcd at ${this.target}`;
  }

  /** Turn a grpc error into one a user can act on. */
  explain(err: unknown): EtcdError {
    if (err instanceof EtcdError) return err;
    const e = err as grpc.ServiceError;
    // grpc-js wraps the socket error in connection-manager prose; keep the cause.
    const details = String(e?.details ?? e?.message ?? err)
      .replace(/^No connection established\. Last error: (Error: )?/, '')
      .replace(/;? if the root CA is installed locally.*$/s, '')
      .replace(/\s*(\([^)]*\))?\.? Resolution note: .*$/s, '')
      .replace(/^[0-9A-F]+:error:[0-9A-F]+:SSL routines:[a-z0-9_]+:([^:]+):.*$/s, 'TLS $1')
      .trim();
    const caSource = this.opts.caSource ?? 'the given CA certificate';
    const certSource = this.opts.certSource ?? 'as given';
    if (
      /self[- ]signed certificate|unable to verify|unable to get (local )?issuer|certificate signature failure|CERT_UNTRUSTED|UNABLE_TO_/i.test(
        details,
      )
    ) {
      return new EtcdError(
        'ca',
        `TLS to ${this.label} failed: the server certificate is not signed by ${caSource} (${details}). Use the CA that signed this etcd's server certificate.`,
        e?.code,
      );
    }
    if (/Hostname\/IP does not match|ERR_TLS_CERT_ALTNAME_INVALID|altnames/i.test(details)) {
      return new EtcdError(
        'ca',
        `TLS to ${this.label} failed: the server certificate does not cover the name dialled (${details}). Set the server name to one in its SANs (vCluster's cover localhost).`,
        e?.code,
      );
    }
    if (/bad certificate|unknown ca|certificate required|alert|certificate_unknown|handshake failure/i.test(details)) {
      return new EtcdError(
        'client-cert',
        `${this.label} refused the client certificate (${certSource}): ${details}. The certificate must be signed by the CA the etcd trusts (etcd-ca.crt) and be valid for client auth.`,
        e?.code,
      );
    }
    if (e?.code === grpc.status.OUT_OF_RANGE && /compacted/i.test(details)) {
      return new EtcdError(
        'compacted',
        `${this.label}: the revision read was compacted meanwhile (${details}). Run again; the census reads one revision from start to end.`,
        e.code,
      );
    }
    if (e?.code === grpc.status.UNAVAILABLE || e?.code === grpc.status.DEADLINE_EXCEEDED) {
      return new EtcdError('unavailable', `${this.label} is not reachable (${details}).`, e.code);
    }
    return new EtcdError('call', `${this.label}: ${details}`, e?.code);
  }

  private deadline(ms?: number): grpc.Deadline {
    return Date.now() + (ms ?? this.opts.callTimeoutMs ?? 30_000);
  }

  private unaryOnce(method: string, req: Buffer, timeoutMs?: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        method,
        identity,
        identity,
        req,
        new grpc.Metadata(),
        { deadline: this.deadline(timeoutMs) },
        (err, res) => (err ? reject(err) : resolve(res!)),
      );
    });
  }

  /** One unary call with bounded retries on UNAVAILABLE (and deadline, which is what a dead peer looks like). */
  async unary(method: string, req: Buffer, timeoutMs?: number): Promise<Buffer> {
    const attempts = Math.max(1, this.opts.attempts ?? 5);
    let delay = this.opts.backoffMs ?? 250;
    let last: EtcdError | undefined;
    for (let i = 1; i <= attempts; i++) {
      try {
        return await this.unaryOnce(method, req, timeoutMs);
      } catch (err) {
        last = this.explain(err);
        if (last.kind !== 'unavailable') throw last;
        if (i < attempts) {
          await sleep(delay);
          delay *= 2;
        }
      }
    }
    throw new EtcdError(
      'unavailable',
      `${last!.message} Gave up after ${attempts} attempts. Check that the etcd pod is running and the port-forward is up.`,
      last!.code,
    );
  }

  async range(req: RangeRequest): Promise<RangeResponse> {
    return decodeRangeResponse(await this.unary(KV + 'Range', encodeRangeRequest(req)));
  }

  /** A range read left encoded, for a reader that scans it without decoding (scanRangeResponse). */
  async rangeRaw(req: RangeRequest): Promise<Buffer> {
    return this.unary(KV + 'Range', encodeRangeRequest(req));
  }

  /** Number of keys in [key, rangeEnd) at a revision (0 = current), and the revision it was read at. */
  async count(
    key: Uint8Array,
    rangeEnd: Uint8Array | undefined,
    revision = 0,
  ): Promise<{ count: number; revision: number }> {
    const r = await this.range({ key, rangeEnd, revision, countOnly: true });
    return { count: r.count, revision: r.header.revision };
  }

  /**
   * A transaction of puts and deletes (at most 128 operations: etcd's default --max-txn-ops). Retried
   * on UNAVAILABLE like every call: a put of a given value and a delete are idempotent.
   */
  async txn(ops: readonly TxnOp[]): Promise<TxnResponse> {
    return decodeTxnResponse(await this.unary(KV + 'Txn', encodeTxnRequest(ops)));
  }

  /** A TxnRequest already encoded (TxnBuilder); retried on UNAVAILABLE as txn is. */
  async txnRaw(req: Buffer): Promise<TxnResponse> {
    return decodeTxnResponse(await this.unary(KV + 'Txn', req));
  }

  /** Compacts history up to `revision`; physical: returns once the backend has dropped it. */
  async compact(revision: number, physical = true): Promise<number> {
    const r = decodeCompactionResponse(
      await this.unary(KV + 'Compact', encodeCompactionRequest(revision, physical), 600_000),
    );
    return r.header.revision;
  }

  async status(): Promise<StatusResponse> {
    return decodeStatusResponse(await this.unary(MAINT + 'Status', encodeEmpty()));
  }

  /**
   * Maintenance.Snapshot as an async iterable of chunks. No overall deadline (a 2 GB database takes
   * a while); instead the stream fails when no chunk arrives for idleTimeoutMs. Breaking out of the
   * loop cancels the call. Not retried: a half-received snapshot is useless.
   */
  async *snapshot(idleTimeoutMs = 60_000): AsyncGenerator<SnapshotResponse> {
    const call = this.client.makeServerStreamRequest(
      MAINT + 'Snapshot',
      identity,
      identity,
      encodeEmpty(),
      new grpc.Metadata(),
      {},
    );
    let idle: NodeJS.Timeout | undefined;
    let idleFired = false;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        idleFired = true;
        call.cancel();
      }, idleTimeoutMs);
    };
    let done = false;
    try {
      arm();
      for await (const msg of call as AsyncIterable<Buffer>) {
        arm();
        yield decodeSnapshotResponse(msg);
      }
      done = true;
    } catch (err) {
      if (idleFired)
        throw new EtcdError(
          'unavailable',
          `${this.label}: the snapshot stream stalled (no data for ${idleTimeoutMs / 1000} s).`,
        );
      const e = this.explain(err);
      throw new EtcdError(e.kind, `snapshot stream broke: ${e.message}`, e.code);
    } finally {
      clearTimeout(idle);
      if (!done) call.cancel();
    }
  }

  close(): void {
    this.client.close();
  }
}
