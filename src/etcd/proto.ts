// The few etcd v3 messages the action uses, encoded and decoded by protobufjs (already in the
// bundle through grpc-js). The messages are declared here as a JSON descriptor rather than loaded
// from .proto files, so nothing is read at run time; field names and numbers are those of etcd's
// api/etcdserverpb/rpc.proto and api/mvccpb/kv.proto (3.4 to 3.6 agree on them). Fields the
// action never reads are left out: protobufjs skips unknown fields.
// int64 fields become JS numbers: revisions, counts and sizes stay far below 2^53.
import protobuf from 'protobufjs/light.js';

const bytes = (id: number) => ({ type: 'bytes', id });
const int64 = (id: number) => ({ type: 'int64', id });
const uint64 = (id: number) => ({ type: 'uint64', id });
const bool = (id: number) => ({ type: 'bool', id });

const root = protobuf.Root.fromJSON({
  nested: {
    ResponseHeader: { fields: { clusterId: uint64(1), memberId: uint64(2), revision: int64(3), raftTerm: uint64(4) } },
    RangeRequest: {
      fields: { key: bytes(1), rangeEnd: bytes(2), limit: int64(3), revision: int64(4), serializable: bool(7), keysOnly: bool(8), countOnly: bool(9) },
    },
    KeyValue: { fields: { key: bytes(1), createRevision: int64(2), modRevision: int64(3), version: int64(4), value: bytes(5), lease: int64(6) } },
    RangeResponse: { fields: { header: { type: 'ResponseHeader', id: 1 }, kvs: { rule: 'repeated', type: 'KeyValue', id: 2 }, more: bool(3), count: int64(4) } },
    PutRequest: { fields: { key: bytes(1), value: bytes(2) } },
    RequestOp: { fields: { requestPut: { type: 'PutRequest', id: 2 } } },
    TxnRequest: { fields: { success: { rule: 'repeated', type: 'RequestOp', id: 2 } } },
    TxnResponse: { fields: { header: { type: 'ResponseHeader', id: 1 }, succeeded: bool(2) } },
    StatusResponse: {
      fields: {
        header: { type: 'ResponseHeader', id: 1 }, version: { type: 'string', id: 2 }, dbSize: int64(3), leader: uint64(4),
        raftIndex: uint64(5), raftTerm: uint64(6), errors: { rule: 'repeated', type: 'string', id: 8 }, dbSizeInUse: int64(9),
      },
    },
    SnapshotResponse: { fields: { header: { type: 'ResponseHeader', id: 1 }, remainingBytes: uint64(2), blob: bytes(3) } },
  },
});
const type = (name: string) => root.lookupType(name);
const RangeRequestType = type('RangeRequest');
const RangeResponseType = type('RangeResponse');
const TxnRequestType = type('TxnRequest');
const TxnResponseType = type('TxnResponse');
const StatusResponseType = type('StatusResponse');
const SnapshotResponseType = type('SnapshotResponse');

// What protobufjs hands back: int64 as a number or, with long.js present, a Long; bytes as a view
// into the input (or an empty array when absent).
type Int64 = number | { toNumber(): number } | null | undefined;
interface Decoded { [field: string]: unknown }
const num = (v: unknown): number => (v == null ? 0 : typeof v === 'number' ? v : (v as Exclude<Int64, number | null | undefined>).toNumber());
const EMPTY = Buffer.alloc(0);
const buf = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : EMPTY);

export interface ResponseHeader {
  clusterId: number;
  memberId: number;
  revision: number;
  raftTerm: number;
}

function header(h: unknown): ResponseHeader {
  const m = (h ?? {}) as Decoded;
  return { clusterId: num(m.clusterId), memberId: num(m.memberId), revision: num(m.revision), raftTerm: num(m.raftTerm) };
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
  return Buffer.from(RangeRequestType.encode(r).finish());
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
  const m = RangeResponseType.decode(b) as unknown as Decoded;
  const kvs = (m.kvs as Decoded[]).map((kv): KeyValue => ({
    key: buf(kv.key), value: buf(kv.value), createRevision: num(kv.createRevision), modRevision: num(kv.modRevision), version: num(kv.version), lease: num(kv.lease),
  }));
  return { header: header(m.header), kvs, more: m.more === true, count: num(m.count) };
}

export interface PutRequest {
  key: Uint8Array;
  value: Uint8Array;
}

/** A TxnRequest with no compares whose success branch is the given puts. */
export function encodeTxnPuts(puts: PutRequest[]): Buffer {
  return Buffer.from(TxnRequestType.encode({ success: puts.map((p) => ({ requestPut: p })) }).finish());
}

export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
}

export function decodeTxnResponse(b: Buffer): TxnResponse {
  const m = TxnResponseType.decode(b) as unknown as Decoded;
  return { header: header(m.header), succeeded: m.succeeded === true };
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
    header: header(m.header), version: String(m.version ?? ''), dbSize: num(m.dbSize), leader: num(m.leader), raftIndex: num(m.raftIndex),
    raftTerm: num(m.raftTerm), errors: [...(m.errors as string[])], dbSizeInUse: num(m.dbSizeInUse),
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
