// The etcd messages as etcd sends them on the wire (bytes written here field by field, as in
// etcd's rpc.proto and kv.proto): keys stay bytes, int64 fields become numbers, absent fields
// read as empty or zero, and a request carries exactly the fields set.
import { describe, expect, it } from 'vitest';
import {
  decodeRangeResponse,
  decodeSnapshotResponse,
  decodeStatusResponse,
  encodeRangeRequest,
  encodeTxnRequest,
  TxnBuilder,
} from '../../../../src/adapters/etcd/proto.ts';

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}
const num = (field: number, n: number) => [...varint(field * 8), ...varint(n)];
const len = (field: number, b: Buffer | number[]) => [...varint(field * 8 + 2), ...varint(b.length), ...b];
const text = (s: string) => Buffer.from(s, 'utf8');

describe('etcd messages', () => {
  it('a RangeResponse: keys and values as bytes, revisions past 2^32 as numbers, absent fields empty', () => {
    const header = len(1, [...num(1, 11), ...num(3, 2 ** 40 + 5)]);
    const kv1 = len(2, [
      ...len(1, text('/registry/pods/a')),
      ...num(2, 3),
      ...num(3, 7),
      ...num(4, 2),
      ...len(5, text('v')),
    ]);
    const kv2 = len(2, len(1, [0xff, 0x00, 0x2f]));
    const r = decodeRangeResponse(Buffer.from([...header, ...kv1, ...kv2, ...num(3, 1), ...num(4, 2)]));
    expect(r.header).toEqual({ clusterId: 11, memberId: 0, revision: 2 ** 40 + 5, raftTerm: 0 });
    expect(r.kvs).toHaveLength(2);
    expect(r.kvs[0]!.key.toString()).toBe('/registry/pods/a');
    expect(r.kvs[0]).toMatchObject({ createRevision: 3, modRevision: 7, version: 2, lease: 0 });
    expect(r.kvs[0]!.value.toString()).toBe('v');
    expect(Buffer.isBuffer(r.kvs[1]!.key) && [...r.kvs[1]!.key]).toEqual([0xff, 0x00, 0x2f]);
    expect(Buffer.isBuffer(r.kvs[1]!.value) && r.kvs[1]!.value.length).toBe(0);
    expect(r.more).toBe(true);
    expect(r.count).toBe(2);
  });

  it('an empty RangeResponse: no keys, not more, count 0', () => {
    expect(decodeRangeResponse(Buffer.alloc(0))).toEqual({
      header: { clusterId: 0, memberId: 0, revision: 0, raftTerm: 0 },
      kvs: [],
      more: false,
      count: 0,
    });
  });

  it('a SnapshotResponse: the blob is the bytes sent, remaining bytes a number', () => {
    const blob = Buffer.alloc(40_000, 7);
    const r = decodeSnapshotResponse(Buffer.from([...num(2, 5_000_000_000), ...len(3, blob)]));
    expect(r.remainingBytes).toBe(5_000_000_000);
    expect(Buffer.isBuffer(r.blob) && r.blob.equals(blob)).toBe(true);
  });

  it('a StatusResponse: version, sizes and errors', () => {
    const b = [
      ...len(2, text('3.5.35')),
      ...num(3, 413_364_256),
      ...num(4, 9),
      ...len(8, text('NOSPACE')),
      ...num(9, 1000),
    ];
    const r = decodeStatusResponse(Buffer.from(b));
    expect(r).toMatchObject({
      version: '3.5.35',
      dbSize: 413_364_256,
      leader: 9,
      errors: ['NOSPACE'],
      dbSizeInUse: 1000,
    });
  });

  it('a RangeRequest carries the fields set and leaves the others out', () => {
    const req = encodeRangeRequest({ key: Buffer.from([0]), rangeEnd: Buffer.from([0]), revision: 12, keysOnly: true });
    expect([...req]).toEqual([...len(1, [0]), ...len(2, [0]), ...num(4, 12), ...num(8, 1)]);
    const countOnly = encodeRangeRequest({ key: text('/registry/'), countOnly: true, limit: 0 });
    expect([...countOnly]).toEqual([...len(1, text('/registry/')), ...num(9, 1)]);
  });

  it('a TxnRequest: every operation in success, puts with key and value (empty too), deletes with key and range end', () => {
    const long = Buffer.alloc(200, 'v');
    const got = encodeTxnRequest([
      { put: { key: text('/registry/pods/a'), value: long } },
      { put: { key: text('/registry/pods/b'), value: Buffer.alloc(0) } },
      { delete: { key: text('/registry/pods/c') } },
      { delete: { key: text('/x/'), rangeEnd: text('/x0') } },
    ]);
    const want = [
      ...len(2, len(2, [...len(1, text('/registry/pods/a')), ...len(2, long)])),
      ...len(2, len(2, [...len(1, text('/registry/pods/b')), ...len(2, [])])),
      ...len(2, len(3, len(1, text('/registry/pods/c')))),
      ...len(2, len(3, [...len(1, text('/x/')), ...len(2, text('/x0'))])),
    ];
    expect([...got]).toEqual(want);
  });
  it('a TxnRequest written by TxnBuilder from bytes inside a larger buffer: as encodeTxnRequest writes it, and empty again after take', () => {
    const long = Buffer.alloc(200, 'v');
    // A page as etcd sends it: keys and values found by their offsets.
    const page = Buffer.concat([text('..'), text('/registry/pods/a'), long, text('/registry/pods/c'), text('!')]);
    const b = new TxnBuilder(16); // small: it grows
    b.put(page, 2, 18, page, 18, 218);
    b.put(page, 2, 18, page, 218, 218);
    b.delete(page, 218, 234);
    expect([b.ops, b.puts]).toEqual([3, 2]);
    const want = encodeTxnRequest([
      { put: { key: text('/registry/pods/a'), value: long } },
      { put: { key: text('/registry/pods/a'), value: Buffer.alloc(0) } },
      { delete: { key: text('/registry/pods/c') } },
    ]);
    expect(b.bytes).toBe(TxnBuilder.putSize(16, 200) + TxnBuilder.putSize(16, 0) + TxnBuilder.deleteSize(16));
    expect([...b.take()]).toEqual([...want]);
    expect([b.ops, b.puts, b.bytes]).toEqual([0, 0, 0]);
    b.delete(page, 218, 234);
    expect([...b.take()]).toEqual([...encodeTxnRequest([{ delete: { key: text('/registry/pods/c') } }])]);
  });
});
