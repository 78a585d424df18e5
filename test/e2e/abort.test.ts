// phase: abort end to end on the local cluster, after a verified phase one: a key written through
// the virtual cluster after the copy survives the abort, the deployed etcd's revision ends above
// every one the embedded etcd handed out, and the control plane runs on the deployed etcd again.
import { describe, expect, it } from 'vitest';
import { explain, inputsFor, lostGroups, runAction, useSharedCluster } from './harness.ts';
import { gateway, lostGroups as lostGroupsBetween } from '../../sandbox/keyspace.ts';

const env = useSharedCluster();
const b64 = (s: string) => Buffer.from(s).toString('base64');
const KEY = '/registry/configmaps/default/after-phase-one';

describe('phase abort (local cluster)', () => {
  it('verified phase one: the embedded etcd, with a write made after the copy, goes back into the deployed etcd; migrate and finalize then work again', async () => {
    const d = await env().demo({ namespace: 'e2e-abort-verified', release: 'av' });
    const seeded = await d.standIn.keyCounts('deployed');
    const m = await runAction(inputsFor(d, 'migrate', { timeout: '5m', 'migration-timeout': '5m' }));
    expect(m.code, explain(m)).toBe(0);
    const put = (await gateway(d.standIn.etcdTls('embedded')!, '/v3/kv/put', {
      key: b64(KEY),
      value: b64('kept'),
    })) as {
      header: { revision: string };
    };
    const embeddedRevision = Number(put.header.revision);

    const t0 = Date.now();
    const a = await runAction(inputsFor(d, 'abort', { timeout: '5m' }));
    const seconds = (Date.now() - t0) / 1000;
    expect(a.code, explain(a)).toBe(0);
    console.log(`abort e2e: ${seconds.toFixed(1)} s`);
    expect(a.outputs['status']).toBe('succeeded');
    expect(a.outputs['backup-file']).toMatch(/av-embedded-etcd-.*\.snapshot\.db$/);
    // Phase one's content proof still describes the deployed etcd: only what changed since is carried back.
    expect(a.summary).toMatch(/equalize the deployed etcd[^\n]*\d+ changes since phase one's content proof replayed/);

    const got = (await gateway(d.standIn.etcdTls('deployed')!, '/v3/kv/range', { key: b64(KEY) })) as {
      header: { revision: string };
      kvs?: { value: string }[];
    };
    expect(Buffer.from(got.kvs?.[0]?.value ?? '', 'base64').toString()).toBe('kept');
    expect(Number(got.header.revision)).toBeGreaterThan(embeddedRevision);
    const dep = await env().apps.readNamespacedDeployment({ name: d.release, namespace: d.namespace });
    expect(dep.status?.readyReplicas ?? 0).toBeGreaterThanOrEqual(1);

    // The round trip: the embedded etcd's old PVC stops a new phase one until it is deleted, on request.
    const refused = await runAction(inputsFor(d, 'migrate'));
    expect(refused.code, explain(refused)).not.toBe(0);
    expect(refused.outputs['status']).toBe('refused');
    expect(refused.errors.join('\n')).toContain(`data-${d.release}-0`);
    const again = await runAction(inputsFor(d, 'migrate', { 'delete-stale-embedded-pvc': 'true' }));
    expect(again.code, explain(again)).toBe(0);
    const fin = await runAction(inputsFor(d, 'finalize'));
    expect(fin.code, explain(fin)).toBe(0);
    // Nothing lost over migrate, abort, migrate, finalize; the write made between them is counted too.
    const withWrite = new Map(seeded).set('/registry/configmaps', seeded.get('/registry/configmaps')! + 1);
    expect(await lostGroups(d, withWrite)).toEqual([]);
  });

  it('phase one not verified (the copy lost keys): abort keeps the deployed etcd, with nothing lost', async () => {
    const d = await env().demo({
      namespace: 'e2e-abort-unverified',
      release: 'au',
      faults: { dropPrefix: '/registry/configmaps/' },
    });
    const seeded = await d.standIn.keyCounts('deployed');
    const m = await runAction(inputsFor(d, 'migrate'));
    expect(m.code, explain(m)).not.toBe(0);
    const a = await runAction(inputsFor(d, 'abort'));
    expect(a.code, explain(a)).toBe(0);
    expect(a.outputs['status']).toBe('succeeded');
    expect(lostGroupsBetween(seeded, await d.standIn.keyCounts('deployed'))).toEqual([]);
    const dep = await env().apps.readNamespacedDeployment({ name: d.release, namespace: d.namespace });
    expect(dep.status?.readyReplicas ?? 0).toBeGreaterThanOrEqual(1);
  });
});
