// The few etcd v3 messages the action sends and reads, encoded by protobufjs (already in the bundle
// through grpc-js) from descriptors written here: the action ships as one ncc bundle, so no .proto
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
    PutRequest: { fields: { key: bytes(1), value: bytes(2) } },
    DeleteRangeRequest: { fields: { key: bytes(1), rangeEnd: bytes(2) } },
    RequestOp: {
      fields: { requestPut: { type: 'PutRequest', id: 2 }, requestDeleteRange: { type: 'DeleteRangeRequest', id: 3 } },
    },
    TxnRequest: { fields: { success: { rule: 'repeated', type: 'RequestOp', id: 2 } } },
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
const TxnRequestType = type('TxnRequest');
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

/** One operation of a transaction: put a value, or delete a key (or [key, rangeEnd)). */
export type TxnOp =
  { put: { key: Uint8Array; value: Uint8Array } } | { delete: { key: Uint8Array; rangeEnd?: Uint8Array } };

/** A transaction with no compares: its operations all apply, at one new revision. */
export function encodeTxnRequest(ops: readonly TxnOp[]): Buffer {
  const success = ops.map((op) =>
    'put' in op
      ? { requestPut: { key: op.put.key, value: op.put.value } }
      : { requestDeleteRange: op.delete.rangeEnd ? op.delete : { key: op.delete.key } },
  );
  return Buffer.from(TxnRequestType.encode(TxnRequestType.create({ success })).finish());
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
