// Hand-written protobuf encoding for the few etcd v3 messages the action uses. The action ships as
// one ncc bundle, so no .proto files are loaded at run time. Field numbers are those of etcd's
// api/etcdserverpb/rpc.proto and api/mvccpb/kv.proto (3.4 to 3.6 agree on them).
// int64 fields are JS numbers: revisions, counts and sizes stay far below 2^53.

// ---------- wire primitives ----------

const WT_VARINT = 0;
const WT_I64 = 1;
const WT_LEN = 2;
const WT_I32 = 5;

class Writer {
  private parts: Uint8Array[] = [];
  private cur: number[] = [];

  private flush(): void {
    if (this.cur.length > 0) {
      this.parts.push(Uint8Array.from(this.cur));
      this.cur = [];
    }
  }

  varint(n: number): void {
    if (n < 0) {
      // Negative int64: ten bytes of two's complement (never sent by us, kept correct anyway).
      let v = BigInt.asUintN(64, BigInt(n));
      while (v > 0x7fn) {
        this.cur.push(Number(v & 0x7fn) | 0x80);
        v >>= 7n;
      }
      this.cur.push(Number(v));
      return;
    }
    while (n > 0x7f) {
      this.cur.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.cur.push(n);
  }

  tag(field: number, wt: number): void {
    this.varint(field * 8 + wt);
  }

  uint(field: number, n: number | undefined): void {
    if (!n) return;
    this.tag(field, WT_VARINT);
    this.varint(n);
  }

  bool(field: number, b: boolean | undefined): void {
    if (!b) return;
    this.tag(field, WT_VARINT);
    this.varint(1);
  }

  bytes(field: number, b: Uint8Array | undefined, always = false): void {
    if (!b || (b.length === 0 && !always)) return;
    this.tag(field, WT_LEN);
    this.varint(b.length);
    this.flush();
    this.parts.push(b);
  }

  finish(): Buffer {
    this.flush();
    return Buffer.concat(this.parts);
  }
}

interface Field {
  no: number;
  wt: number;
  /** varint value (number) for WT_VARINT */
  n: number;
  /** payload for WT_LEN (a view into the input, not a copy) */
  b: Buffer;
}

function readVarint(buf: Buffer, pos: number): [number, number] {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new Error('protobuf: truncated varint');
    const byte = buf[pos++]!;
    result += (byte & 0x7f) * mul;
    mul *= 0x80;
    if ((byte & 0x80) === 0) return [result, pos];
  }
  throw new Error('protobuf: varint too long');
}

const EMPTY = Buffer.alloc(0);

function* fields(buf: Buffer): Generator<Field> {
  let pos = 0;
  while (pos < buf.length) {
    let key: number;
    [key, pos] = readVarint(buf, pos);
    const no = Math.floor(key / 8);
    const wt = key & 7;
    if (wt === WT_VARINT) {
      let n: number;
      [n, pos] = readVarint(buf, pos);
      yield { no, wt, n, b: EMPTY };
    } else if (wt === WT_LEN) {
      let len: number;
      [len, pos] = readVarint(buf, pos);
      if (pos + len > buf.length) throw new Error('protobuf: truncated length-delimited field');
      yield { no, wt, n: 0, b: buf.subarray(pos, pos + len) };
      pos += len;
    } else if (wt === WT_I64) {
      pos += 8;
    } else if (wt === WT_I32) {
      pos += 4;
    } else {
      throw new Error(`protobuf: unsupported wire type ${wt}`);
    }
  }
  if (pos !== buf.length) throw new Error('protobuf: truncated fixed-width field');
}

// ---------- messages ----------

export interface ResponseHeader {
  clusterId: number;
  memberId: number;
  revision: number;
  raftTerm: number;
}

/** ResponseHeader's fields by number (1 to 4): all varints. */
const HEADER_FIELDS = [undefined, 'clusterId', 'memberId', 'revision', 'raftTerm'] as const;

function decodeHeader(b: Buffer): ResponseHeader {
  const h: ResponseHeader = { clusterId: 0, memberId: 0, revision: 0, raftTerm: 0 };
  for (const f of fields(b)) {
    const name = HEADER_FIELDS[f.no];
    if (name) h[name] = f.n;
  }
  return h;
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
  const w = new Writer();
  w.bytes(1, r.key, true);
  w.bytes(2, r.rangeEnd);
  w.uint(3, r.limit);
  w.uint(4, r.revision);
  w.bool(7, r.serializable);
  w.bool(8, r.keysOnly);
  w.bool(9, r.countOnly);
  return w.finish();
}

export interface KeyValue {
  key: Buffer;
  value: Buffer;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: number;
}

function decodeKeyValue(b: Buffer): KeyValue {
  const kv: KeyValue = { key: EMPTY, value: EMPTY, createRevision: 0, modRevision: 0, version: 0, lease: 0 };
  for (const f of fields(b)) {
    if (f.no === 1) kv.key = f.b;
    else if (f.no === 2) kv.createRevision = f.n;
    else if (f.no === 3) kv.modRevision = f.n;
    else if (f.no === 4) kv.version = f.n;
    else if (f.no === 5) kv.value = f.b;
    else if (f.no === 6) kv.lease = f.n;
  }
  return kv;
}

export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

export function decodeRangeResponse(b: Buffer): RangeResponse {
  const r: RangeResponse = { header: decodeHeader(EMPTY), kvs: [], more: false, count: 0 };
  for (const f of fields(b)) {
    if (f.no === 1) r.header = decodeHeader(f.b);
    else if (f.no === 2) r.kvs.push(decodeKeyValue(f.b));
    else if (f.no === 3) r.more = f.n !== 0;
    else if (f.no === 4) r.count = f.n;
  }
  return r;
}

export interface PutRequest {
  key: Uint8Array;
  value: Uint8Array;
}

function encodePutRequest(p: PutRequest): Buffer {
  const w = new Writer();
  w.bytes(1, p.key, true);
  w.bytes(2, p.value);
  return w.finish();
}

/** A TxnRequest with no compares whose success branch is the given puts. */
export function encodeTxnPuts(puts: PutRequest[]): Buffer {
  const w = new Writer();
  for (const p of puts) {
    const op = new Writer();
    op.bytes(2, encodePutRequest(p), true); // RequestOp.request_put
    w.bytes(2, op.finish(), true); // TxnRequest.success
  }
  return w.finish();
}

export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
}

export function decodeTxnResponse(b: Buffer): TxnResponse {
  const r: TxnResponse = { header: decodeHeader(EMPTY), succeeded: false };
  for (const f of fields(b)) {
    if (f.no === 1) r.header = decodeHeader(f.b);
    else if (f.no === 2) r.succeeded = f.n !== 0;
  }
  return r;
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
  const r: StatusResponse = {
    header: decodeHeader(EMPTY),
    version: '',
    dbSize: 0,
    leader: 0,
    raftIndex: 0,
    raftTerm: 0,
    errors: [],
    dbSizeInUse: 0,
  };
  for (const f of fields(b)) {
    if (f.no === 1) r.header = decodeHeader(f.b);
    else if (f.no === 2) r.version = f.b.toString('utf8');
    else if (f.no === 3) r.dbSize = f.n;
    else if (f.no === 4) r.leader = f.n;
    else if (f.no === 5) r.raftIndex = f.n;
    else if (f.no === 6) r.raftTerm = f.n;
    else if (f.no === 8) r.errors.push(f.b.toString('utf8'));
    else if (f.no === 9) r.dbSizeInUse = f.n;
  }
  return r;
}

export interface SnapshotResponse {
  header: ResponseHeader;
  remainingBytes: number;
  /** A view into the received message; write it out, don't keep it. */
  blob: Buffer;
}

export function decodeSnapshotResponse(b: Buffer): SnapshotResponse {
  const r: SnapshotResponse = { header: decodeHeader(EMPTY), remainingBytes: 0, blob: EMPTY };
  for (const f of fields(b)) {
    if (f.no === 1) r.header = decodeHeader(f.b);
    else if (f.no === 2) r.remainingBytes = f.n;
    else if (f.no === 3) r.blob = f.b;
  }
  return r;
}
