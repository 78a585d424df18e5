// The census reader reads a bucket again when the connection drops in its middle (a port-forward
// cut): the result must equal an uncut read, never count a bucket's first keys twice.
import { describe, expect, it } from 'vitest';
import { groupOf } from '../../../../src/core/migration/census.ts';
import { EtcdError } from '../../../../src/adapters/etcd/client.ts';
import { readCensus, type KeyRangeReader } from '../../../../src/adapters/etcd/census-reader.ts';

function keyspace(): Buffer[] {
  const keys: string[] = ['compact_rev_key', '/registry/ranges/serviceips'];
  for (const [g, n] of [
    ['pods', 300],
    ['configmaps', 120],
    ['secrets', 90],
    ['apiregistration.k8s.io/apiservices', 40],
    ['services/specs', 30],
  ] as const) {
    for (let i = 0; i < n; i++) keys.push(`/registry/${g}/ns-${i % 4}/o-${i}`);
  }
  for (let i = 0; i < 25; i++) keys.push(`/vcluster/mappings/v1/p-${i}`);
  return keys.map((k) => Buffer.from(k)).sort(Buffer.compare);
}

/** An in-memory etcd range at one revision; `fail(call)` makes a call fail as a cut stream would. */
function memoryReader(keys: Buffer[], fail: (call: number) => boolean): KeyRangeReader & { calls: number } {
  const r = {
    calls: 0,
    async readRange(q: { key: Buffer; rangeEnd: Buffer; limit: number; revision: number; countOnly?: boolean }) {
      r.calls++;
      if (fail(r.calls))
        throw new EtcdError(
          'unavailable',
          'etcd in pod ns/vc-etcd-0 (through a port-forward) is not reachable (Connection dropped).',
        );
      const toEnd = q.rangeEnd.length === 1 && q.rangeEnd[0] === 0;
      const inRange = keys.filter((k) => Buffer.compare(k, q.key) >= 0 && (toEnd || Buffer.compare(k, q.rangeEnd) < 0));
      const listed = q.countOnly ? [] : q.limit > 0 ? inRange.slice(0, q.limit) : inRange;
      return { revision: 7, count: inRange.length, keys: listed };
    },
  };
  return r;
}

function expected(keys: Buffer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) {
    const g = groupOf(k.toString('latin1'));
    out[g] = (out[g] ?? 0) + 1;
  }
  return out;
}

describe('census reader on a cut connection', () => {
  const keys = keyspace();

  it('reads a bucket again from its start after unavailable in its middle, and counts each key once', async () => {
    // listBelow 1 makes buckets take several calls, so the failures land inside a bucket.
    const failAt = new Set([9, 23]);
    const reader = memoryReader(keys, (n) => failAt.has(n));
    const retries: number[] = [];
    const c = await readCensus(reader, {
      listBelow: 1,
      concurrency: 2,
      bucketRetryDelayMs: 1,
      onBucketRetry: (i) => retries.push(i.bucket),
    });
    expect(retries).toHaveLength(2);
    expect(c.total).toBe(keys.length);
    expect(c.groups).toEqual(expected(keys));
  });

  it('gives up with the connection error when the bucket fails again, rather than returning partial counts', async () => {
    const reader = memoryReader(keys, (n) => n >= 6);
    await expect(readCensus(reader, { listBelow: 1, concurrency: 1, bucketRetryDelayMs: 1 })).rejects.toThrow(
      /not reachable/,
    );
  });

  it('does not retry errors other than unavailable', async () => {
    const reader: KeyRangeReader = {
      async readRange() {
        throw new EtcdError('client-cert', 'refused the client certificate');
      },
    };
    let retried = false;
    await expect(
      readCensus(reader, {
        bucketRetryDelayMs: 1,
        onBucketRetry: () => {
          retried = true;
        },
      }),
    ).rejects.toThrow(/client certificate/);
    expect(retried).toBe(false);
  });
});
