// Taking the migration lock on a real API server while something else writes the state ConfigMap:
// a write that lost (HTTP 409) reads the record again and decides again, and a ConfigMap that
// keeps changing stops the run with a message naming it and what to do (not an empty error).
import type { V1ConfigMap } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { Kube } from '../../src/adapters/kube/kube.ts';
import { StateStore } from '../../src/adapters/kube/state-store.ts';
import { STATE_KEY, stateConfigMapName, type StateRecord } from '../../src/core/migration/state.ts';
import { recordScenario } from '../support/reliability.ts';
import { useSharedCluster } from './harness.ts';

const env = useSharedCluster();

/** A Kube whose state writes are each preceded by another writer's change, `times` times. */
class RacedKube extends Kube {
  races = 0;
  calls = 0;
  readonly times: number;
  constructor(times: number) {
    super(env().cluster.kubeConfig);
    this.times = times;
  }
  override async replaceConfigMap(namespace: string, body: V1ConfigMap): Promise<V1ConfigMap> {
    this.calls++;
    if (this.races < this.times) {
      this.races++;
      // Another writer gets in between this run's read and its write: a real 409 follows.
      const name = body.metadata!.name!;
      const cm = await env().core.readNamespacedConfigMap({ name, namespace });
      const annotations = { ...cm.metadata?.annotations, 'other-writer': String(this.races) };
      await env().core.replaceNamespacedConfigMap({
        name,
        namespace,
        body: { ...cm, metadata: { ...cm.metadata, annotations } },
      });
    }
    return super.replaceConfigMap(namespace, body);
  }
}

async function withRecord(ns: string): Promise<void> {
  await env().core.createNamespace({ body: { metadata: { name: ns } } });
  // A record without a lock, as a finished phase leaves it: lock() replaces it (not creates it).
  const seed = new StateStore(new Kube(env().cluster.kubeConfig), ns, 'vc', 'run-seed');
  await seed.lock('migrate');
  await seed.unlock();
}

describe('taking the migration lock while the state ConfigMap changes', () => {
  it('reads the record again after losing a write, and takes the lock', async () => {
    const ns = 'e2e-lock-race';
    await withRecord(ns);
    const kube = new RacedKube(2);
    const store = new StateStore(kube, ns, 'vc', 'run-a');
    await store.lock('migrate');
    // Two writes lost to the other writer, the third (after reading again) took the lock.
    expect({ races: kube.races, calls: kube.calls }).toEqual({ races: 2, calls: 3 });
    const cm = await env().core.readNamespacedConfigMap({ name: stateConfigMapName('vc'), namespace: ns });
    const st = JSON.parse(cm.data![STATE_KEY]!) as StateRecord;
    expect(st.lock?.runId).toBe('run-a');
    await store.unlock();
  });

  it('stops with the ConfigMap, the cause and the remedy when the record keeps changing', async () => {
    const ns = 'e2e-lock-race-always';
    await withRecord(ns);
    const store = new StateStore(new RacedKube(Infinity), ns, 'vc', 'run-a');
    await expect(store.lock('migrate')).rejects.toThrow(
      new RegExp(
        `^could not write ConfigMap vc-etcd-migration in ${ns}: it changed under this run 5 times in a row, so something else writes it\\. .*kubectl -n ${ns} get configmap vc-etcd-migration -o yaml.*run the phase again$`,
      ),
    );
    const cm = await env().core.readNamespacedConfigMap({ name: stateConfigMapName('vc'), namespace: ns });
    expect((JSON.parse(cm.data![STATE_KEY]!) as StateRecord).lock).toBeUndefined();
    recordScenario({
      group: 'Faults',
      scenario: 'state ConfigMap written by another writer while a run takes the lock',
      done: "another writer changed ConfigMap <release>-etcd-migration between the run's read and its write (HTTP 409), twice, then before every write",
      action:
        'twice: the run read the record again and took the lock; every time: it stopped with "could not write ConfigMap … it changed under this run 5 times in a row", naming the kubectl command to find the writer',
      dataLost: 'none (nothing in the cluster changes before the lock is taken)',
    });
  });
});
