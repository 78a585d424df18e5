// Why a control-plane upgrade did not finish, from the pod's and PVC's state and their own events.
import { describe, expect, it } from 'vitest';
import {
  diagnoseControlPlane,
  type ControlPlaneReader,
} from '../../../../src/adapters/kube/control-plane-diagnosis.ts';

const UNBOUND =
  'Warning FailedScheduling: 0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.';

function kubeWith(o: { pvcPhase?: string; podReady: boolean; podEvents: string[]; pvcEvents?: string[] }): {
  kube: ControlPlaneReader;
  asked: Array<[string, string | undefined]>;
} {
  const asked: Array<[string, string | undefined]> = [];
  const kube: ControlPlaneReader = {
    async pvcState() {
      return o.pvcPhase ? { phase: o.pvcPhase, uid: 'pvc-uid', line: `PVC data-vc-0: ${o.pvcPhase}` } : undefined;
    },
    async podState() {
      return { ready: o.podReady, uid: 'pod-uid', line: `pod vc-0: ${o.podReady ? 'Running, Ready' : 'Pending'}` };
    },
    async events(_ns: string, name: string, _max: number, uid?: string) {
      asked.push([name, uid]);
      return name === 'vc-0' ? o.podEvents : (o.pvcEvents ?? []);
    },
  };
  return { kube, asked };
}

describe('diagnoseControlPlane', () => {
  it('asks for the events of the pod and PVC that exist now (by uid), not of earlier objects with the same name', async () => {
    const { kube, asked } = kubeWith({ pvcPhase: 'Bound', podReady: false, podEvents: [] });
    await diagnoseControlPlane(kube, 'ns', 'vc');
    expect(asked).toEqual([
      ['data-vc-0', 'pvc-uid'],
      ['vc-0', 'pod-uid'],
    ]);
  });

  it('names a Pending PVC with its last event as the cause', async () => {
    const { kube } = kubeWith({
      pvcPhase: 'Pending',
      podReady: false,
      podEvents: [UNBOUND],
      pvcEvents: ['Warning ProvisioningFailed: no volume plugin matched'],
    });
    const d = await diagnoseControlPlane(kube, 'ns', 'vc');
    expect(d.findings[0]).toBe('PVC data-vc-0 is Pending (ProvisioningFailed: no volume plugin matched)');
    expect(d.findings.join('\n')).not.toMatch(/is Bound now/);
  });

  it('says that a claim bound after the scheduler gave up is retried, instead of leaving "unbound" next to "Bound"', async () => {
    const { kube } = kubeWith({
      pvcPhase: 'Bound',
      podReady: false,
      podEvents: ['Normal Scheduled: earlier', UNBOUND],
    });
    const d = await diagnoseControlPlane(kube, 'ns', 'vc');
    expect(d.findings[0]).toMatch(
      /^pod vc-0 is not Ready \(FailedScheduling: .*unbound immediate PersistentVolumeClaims/,
    );
    expect(d.findings[1]).toMatch(
      /^PVC data-vc-0 is Bound now, after the scheduler's last try; kube-scheduler retries the pod within 5 minutes/,
    );
  });

  it('adds nothing about retries when the pod waits for another reason', async () => {
    const { kube } = kubeWith({
      pvcPhase: 'Bound',
      podReady: false,
      podEvents: ['Warning FailedScheduling: 0/1 nodes are available: 1 node(s) were unschedulable.'],
    });
    const d = await diagnoseControlPlane(kube, 'ns', 'vc');
    expect(d.findings).toEqual([
      'pod vc-0 is not Ready (FailedScheduling: 0/1 nodes are available: 1 node(s) were unschedulable.)',
    ]);
  });
});
