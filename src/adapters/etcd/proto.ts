// The few etcd v3 messages the action sends and reads, encoded by protobufjs (already in the bundle
// through grpc-js) from descriptors written here (a TxnRequest and the range pairs by hand): the action ships as one ncc bundle, so no .proto
// file is loaded at run time. Field numbers are those of etcd's api/etcdserverpb/rpc.proto and
// api/mvccpb/kv.proto (3.4 to 3.6 agree on them). int64 fields become JS numbers: revisions, counts
// and sizes stay far below 2^53.
import protobuf from 'protobufjs/light.js';

const int64 = (id: number) => ({ type: 'int64', id });
const bytes = (id: number) => ({ type: 'bytes', id });
const bool = (id: number) => ({ type: 'bool', id });

/** Descriptors in protobufjs's JSON form. */
const ETCD_MESSAGES = protobuf.Root.fromJSON({
  nested: {
    ResponseHeader: {
      fields: { clusterId: int64(1), memberId: int64(2), revision: int64(3), raftTerm: int64(4) },
    },
    KeyValue: {
      fields: {
        key: bytes(1),
        createRevision: int64(2),
        modRevision: int64(3),
        version: int64(4),
        value: bytes(5),
        lease: int64(6),
      },
    },
    RangeRequest: {
      fields: {
        key: bytes(1),
        rangeEnd: bytes(2),
        limit: int64(3),
        revision: int64(4),
        serializable: bool(7),
        keysOnly: bool(8),
        countOnly: bool(9),
      },
    },
    RangeResponse: {
      fields: {
        header: { type: 'ResponseHeader', id: 1 },
        kvs: { rule: 'repeated', type: 'KeyValue', id: 2 },
        more: bool(3),
        count: int64(4),
      },
    },
    StatusResponse: {
      fields: {
        header: { type: 'ResponseHeader', id: 1 },
        version: { type: 'string', id: 2 },
        dbSize: int64(3),
        leader: int64(4),
        raftIndex: int64(5),
        raftTerm: int64(6),
        errors: { rule: 'repeated', type: 'string', id: 8 },
        dbSizeInUse: int64(9),
      },
    },
    SnapshotResponse: {
      fields: { header: { type: 'ResponseHeader', id: 1 }, remainingBytes: int64(2), blob: bytes(3) },
    },
    TxnResponse: { fields: { header: { type: 'ResponseHeader', id: 1 }, succeeded: bool(2) } },
    CompactionRequest: { fields: { revision: int64(1), physical: bool(2) } },
    CompactionResponse: { fields: { header: { type: 'ResponseHeader', id: 1 } } },
  },
});

const type = (name: string) => ETCD_MESSAGES.lookupType(name);
const RangeRequestType = type('RangeRequest');
const RangeResponseType = type('RangeResponse');
const StatusResponseType = type('StatusResponse');
const SnapshotResponseType = type('SnapshotResponse');
const TxnResponseType = type('TxnResponse');
const CompactionRequestType = type('CompactionRequest');
const CompactionResponseType = type('CompactionResponse');

const EMPTY = Buffer.alloc(0);
/** A decoded int64 is a number, or a Long where protobufjs found long.js; absent, it is 0. */
const num = (v: unknown): number =>
  typeof v === 'number' ? v : v == null ? 0 : (v as { toNumber(): number }).toNumber();
/**
 * A decoded bytes field is a Buffer, a view into the message, where protobufjs finds Node's Buffer; a
 * Uint8Array where it does not (made a view here, never dropped); absent, the prototype's empty array.
 */
const buf = (v: unknown): Buffer => {
  if (Buffer.isBuffer(v)) return v;
  return v instanceof Uint8Array && v.length > 0 ? Buffer.from(v.buffer, v.byteOffset, v.length) : EMPTY;
};
type Decoded = Record<string, unknown>;

export interface ResponseHeader {
  clusterId: number;
  memberId: number;
  revision: number;
  raftTerm: number;
}

function header(h: unknown): ResponseHeader {
  const m = (h ?? {}) as Decoded;
  return {
    clusterId: num(m.clusterId),
    memberId: num(m.memberId),
    revision: num(m.revision),
    raftTerm: num(m.raftTerm),
  };
}

export interface RangeRequest {
  key: Uint8Array;
  rangeEnd?: Uint8Array;
  limit?: number;
  revision?: number;
  serializable?: boolean;
  keysOnly?: boolean;
  countOnly?: boolean;
}

export function encodeRangeRequest(r: RangeRequest): Buffer {
  // As proto3 (and etcd's Go client) writes it: a field at its zero value is left out.
  const set = Object.fromEntries(Object.entries(r).filter(([, v]) => (v instanceof Uint8Array ? true : Boolean(v))));
  return Buffer.from(RangeRequestType.encode(RangeRequestType.create(set)).finish());
}

export interface KeyValue {
  key: Buffer;
  value: Buffer;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: number;
}

export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

export function decodeRangeResponse(b: Buffer): RangeResponse {
  const m = RangeResponseType.decode(b) as unknown as Decoded & { kvs: Decoded[] };
  return {
    header: header(m.header),
    kvs: m.kvs.map((kv) => ({
      key: buf(kv.key),
      value: buf(kv.value),
      createRevision: num(kv.createRevision),
      modRevision: num(kv.modRevision),
      version: num(kv.version),
      lease: num(kv.lease),
    })),
    more: m.more === true,
    count: num(m.count),
  };
}

/** StatusRequest and SnapshotRequest have no fields. */
export function encodeEmpty(): Buffer {
  return Buffer.alloc(0);
}

export interface StatusResponse {
  header: ResponseHeader;
  version: string;
  dbSize: number;
  leader: number;
  raftIndex: number;
  raftTerm: number;
  errors: string[];
  dbSizeInUse: number;
}

export function decodeStatusResponse(b: Buffer): StatusResponse {
  const m = StatusResponseType.decode(b) as unknown as Decoded;
  return {
    header: header(m.header),
    version: (m.version as string | undefined) ?? '',
    dbSize: num(m.dbSize),
    leader: num(m.leader),
    raftIndex: num(m.raftIndex),
    raftTerm: num(m.raftTerm),
    errors: (m.errors as string[] | undefined) ?? [],
    dbSizeInUse: num(m.dbSizeInUse),
  };
}

export interface SnapshotResponse {
  header: ResponseHeader;
  remainingBytes: number;
  /** A view into the received message; write it out, don't keep it. */
  blob: Buffer;
}

export function decodeSnapshotResponse(b: Buffer): SnapshotResponse {
  const m = SnapshotResponseType.decode(b) as unknown as Decoded;
  return { header: header(m.header), remainingBytes: num(m.remainingBytes), blob: buf(m.blob) };
}

/** A RangeResponse's header revision, count and more flag, its key-values handed out as views. */
export interface ScannedRange {
  revision: number;
  count: number;
  more: boolean;
  kvs: number;
}

// The scanner's cursor: varint() reads at `at` and leaves it after the varint (no tuple per call:
// a response of 1,000,000 keys has millions of varints).
let at = 0;

/** The varint at b[at]; moves `at` past it. Lengths and revisions stay below 2^53. */
function varint(b: Buffer): number {
  let v = 0;
  let mul = 1;
  for (;;) {
    const c = b[at++]!;
    v += (c & 0x7f) * mul;
    if (c < 0x80) return v;
    mul *= 128;
  }
}

/** Moves `at` past a field's value. */
function skipField(b: Buffer, wire: number): void {
  if (wire === 0) varint(b);
  else if (wire === 2) at += varint(b);
  else if (wire === 1) at += 8;
  else if (wire === 5) at += 4;
  else throw new Error(`etcd range response: unexpected wire type ${wire}`);
}

/** The revision of a ResponseHeader that ends at `end`. */
function headerRevision(b: Buffer, end: number): number {
  let revision = 0;
  while (at < end) {
    const tag = varint(b);
    if (tag === 0x18) revision = varint(b);
    else skipField(b, tag & 7);
  }
  return revision;
}

/**
 * Read a RangeResponse without decoding it into objects: each key-value is handed to onKv as the
 * offsets of its key and value in the message (no object per key). The content proof reads every
 * value of an etcd this way; a decoded object per key would cost more than the digest.
 */
export function scanRangeResponse(
  b: Buffer,
  onKv: (keyStart: number, keyEnd: number, valueStart: number, valueEnd: number) => void,
): ScannedRange {
  const out: ScannedRange = { revision: 0, count: 0, more: false, kvs: 0 };
  at = 0;
  while (at < b.length) {
    const tag = varint(b);
    if (tag === 0x12) {
      const end = varint(b) + at;
      let ks = at;
      let ke = at;
      let vs = at;
      let ve = at;
      while (at < end) {
        const t = varint(b);
        if (t === 0x0a) {
          const l = varint(b);
          ks = at;
          ke = at += l;
        } else if (t === 0x2a) {
          const l = varint(b);
          vs = at;
          ve = at += l;
        } else skipField(b, t & 7);
      }
      const resume = at;
      onKv(ks, ke, vs, ve);
      at = resume;
      out.kvs++;
    } else if (tag === 0x0a) {
      const end = varint(b) + at;
      out.revision = headerRevision(b, end);
    } else if (tag === 0x18) out.more = varint(b) !== 0;
    else if (tag === 0x20) out.count = varint(b);
    else skipField(b, tag & 7);
  }
  return out;
}

/** One operation of a transaction: put a value, or delete a key (or [key, rangeEnd)). */
export type TxnOp =
  { put: { key: Uint8Array; value: Uint8Array } } | { delete: { key: Uint8Array; rangeEnd?: Uint8Array } };

const varintSize = (n: number): number => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);

function putVarint(out: Buffer, o: number, n: number): number {
  while (n >= 0x80) {
    out[o++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[o++] = n;
  return o;
}

/** A bytes field: its tag, length and bytes at o; returns the offset after it. */
function putBytes(out: Buffer, o: number, tag: number, b: Uint8Array): number {
  out[o++] = tag;
  o = putVarint(out, o, b.length);
  out.set(b, o);
  return o + b.length;
}

const bytesSize = (b: Uint8Array): number => 1 + varintSize(b.length) + b.length;

/**
 * A transaction with no compares: its operations all apply, at one new revision. Written field by
 * field into one buffer (as protobufjs writes it, without an object per operation: equalize sends
 * hundreds of thousands).
 */
export function encodeTxnRequest(ops: readonly TxnOp[]): Buffer {
  // TxnRequest.success (2) holds RequestOps: request_put (2) {key 1, value 2} or
  // request_delete_range (3) {key 1, range_end 2}.
  const inner = ops.map((op) =>
    'put' in op
      ? bytesSize(op.put.key) + bytesSize(op.put.value)
      : bytesSize(op.delete.key) + (op.delete.rangeEnd ? bytesSize(op.delete.rangeEnd) : 0),
  );
  const opSize = inner.map((n) => 1 + varintSize(n) + n);
  const total = opSize.reduce((a, n) => a + 1 + varintSize(n) + n, 0);
  const out = Buffer.allocUnsafe(total);
  let o = 0;
  ops.forEach((op, i) => {
    out[o++] = 0x12;
    o = putVarint(out, o, opSize[i]!);
    out[o++] = 'put' in op ? 0x12 : 0x1a;
    o = putVarint(out, o, inner[i]!);
    if ('put' in op) {
      o = putBytes(out, o, 0x0a, op.put.key);
      o = putBytes(out, o, 0x12, op.put.value);
    } else {
      o = putBytes(out, o, 0x0a, op.delete.key);
      if (op.delete.rangeEnd) o = putBytes(out, o, 0x12, op.delete.rangeEnd);
    }
  });
  return out;
}

/**
 * A TxnRequest written as operations come, straight from the bytes they lie in (a page of a range
 * reply): no object per operation, and the page is not kept once its operations are copied.
 * `take()` hands over the request and starts an empty one in the same buffer.
 */
export class TxnBuilder {
  private out: Buffer;
  private o = 0;
  /** Operations in the request so far, and of them the puts. */
  ops = 0;
  puts = 0;

  constructor(capacity: number) {
    this.out = Buffer.allocUnsafe(capacity);
  }

  /** Bytes of the request so far. */
  get bytes(): number {
    return this.o;
  }

  /** Bytes a put of a key of `k` and a value of `v` bytes adds. */
  static putSize(k: number, v: number): number {
    const inner = 1 + varintSize(k) + k + 1 + varintSize(v) + v;
    const op = 1 + varintSize(inner) + inner;
    return 1 + varintSize(op) + op;
  }

  /** Bytes a delete of a key of `k` bytes adds. */
  static deleteSize(k: number): number {
    const inner = 1 + varintSize(k) + k;
    const op = 1 + varintSize(inner) + inner;
    return 1 + varintSize(op) + op;
  }

  /** Puts key [ks, ke) of `kb` with value [vs, ve) of `vb`. */
  put(kb: Buffer, ks: number, ke: number, vb: Buffer, vs: number, ve: number): void {
    const k = ke - ks;
    const v = ve - vs;
    const inner = 1 + varintSize(k) + k + 1 + varintSize(v) + v;
    this.op(0x12, inner);
    this.field(0x0a, kb, ks, ke);
    this.field(0x12, vb, vs, ve);
    this.puts++;
  }

  /** Deletes the one key [ks, ke) of `kb`. */
  delete(kb: Buffer, ks: number, ke: number): void {
    const k = ke - ks;
    this.op(0x1a, 1 + varintSize(k) + k);
    this.field(0x0a, kb, ks, ke);
  }

  /** The request so far (a copy); the builder is empty again. */
  take(): Buffer {
    const req = Buffer.from(this.out.subarray(0, this.o));
    this.o = 0;
    this.ops = 0;
    this.puts = 0;
    return req;
  }

  /** TxnRequest.success (2): a RequestOp holding request_put (2) or request_delete_range (3) of `inner` bytes. */
  private op(kind: number, inner: number): void {
    const op = 1 + varintSize(inner) + inner;
    this.room(1 + varintSize(op) + op);
    this.out[this.o++] = 0x12;
    this.o = putVarint(this.out, this.o, op);
    this.out[this.o++] = kind;
    this.o = putVarint(this.out, this.o, inner);
    this.ops++;
  }

  private field(tag: number, b: Buffer, s: number, e: number): void {
    this.out[this.o++] = tag;
    this.o = putVarint(this.out, this.o, e - s);
    this.o += b.copy(this.out, this.o, s, e);
  }

  private room(n: number): void {
    if (this.o + n <= this.out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.out.length, this.o + n));
    this.out.copy(bigger, 0, 0, this.o);
    this.out = bigger;
  }
}

export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
}

export function decodeTxnResponse(b: Buffer): TxnResponse {
  const m = TxnResponseType.decode(b) as unknown as Decoded;
  return { header: header(m.header), succeeded: m.succeeded === true };
}

/** physical: the reply comes once the compaction is applied to the backend. */
export function encodeCompactionRequest(revision: number, physical: boolean): Buffer {
  const set = physical ? { revision, physical } : { revision };
  return Buffer.from(CompactionRequestType.encode(CompactionRequestType.create(set)).finish());
}

export function decodeCompactionResponse(b: Buffer): { header: ResponseHeader } {
  const m = CompactionResponseType.decode(b) as unknown as Decoded;
  return { header: header(m.header) };
}
