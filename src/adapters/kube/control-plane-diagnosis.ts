// Why a helm upgrade --wait of the control plane did not finish: the state of its PVC and pod and
// their recent events. helm itself only says "context deadline exceeded"; a user needs to read
// "PVC data-<release>-0 is Pending: no persistent volumes available" instead.
import { objectNames } from '../../core/migration/cluster-view.ts';

export interface ControlPlaneDiagnosis {
  /** Short causes for the headline, e.g. "PVC data-x-0 is Pending (FailedBinding: ...)". */
  findings: string[];
  /** Evidence lines for the report: object states and events. */
  details: string[];
}

/** The reads the diagnosis makes (Kube has them). */
export interface ControlPlaneReader {
  pvcState(namespace: string, name: string): Promise<{ phase: string; uid: string; line: string } | undefined>;
  podState(namespace: string, name: string): Promise<{ ready: boolean; uid: string; line: string } | undefined>;
  events(namespace: string, objectName: string, max?: number, uid?: string): Promise<string[]>;
}

const UNBOUND_AT_SCHEDULING = /FailedScheduling: .*unbound immediate PersistentVolumeClaims/;

const lastEvent = (events: string[]): string | undefined => events.at(-1)?.replace(/^(Normal|Warning) /, '');

/** Best effort: a read that fails adds a line saying so instead of hiding the upgrade error. */
export async function diagnoseControlPlane(
  kube: ControlPlaneReader,
  namespace: string,
  release: string,
): Promise<ControlPlaneDiagnosis> {
  const objects = objectNames(release);
  const findings: string[] = [];
  const details: string[] = [];
  const events = (name: string, uid: string) =>
    kube.events(namespace, name, 6, uid || undefined).catch(() => [] as string[]);
  let pvcBound = false;
  try {
    const pvc = await kube.pvcState(namespace, objects.embeddedPvc);
    pvcBound = pvc?.phase === 'Bound';
    if (!pvc) {
      details.push(`PVC ${objects.embeddedPvc}: does not exist`);
    } else {
      details.push(pvc.line);
      const ev = await events(objects.embeddedPvc, pvc.uid);
      details.push(...ev.map((e) => `event PVC/${objects.embeddedPvc}: ${e}`));
      if (pvc.phase !== 'Bound') {
        const why = lastEvent(ev);
        findings.push(`PVC ${objects.embeddedPvc} is ${pvc.phase}${why ? ` (${why})` : ''}`);
      }
    }
  } catch (e) {
    details.push(`PVC ${objects.embeddedPvc}: could not be read (${(e as Error).message.split('\n')[0]})`);
  }
  try {
    const pod = await kube.podState(namespace, objects.embeddedPod);
    if (!pod) {
      details.push(`pod ${objects.embeddedPod}: does not exist`);
      findings.push(`pod ${objects.embeddedPod} does not exist`);
    } else {
      details.push(pod.line);
      const ev = await events(objects.embeddedPod, pod.uid);
      details.push(...ev.map((e) => `event Pod/${objects.embeddedPod}: ${e}`));
      if (!pod.ready)
        findings.push(`pod ${objects.embeddedPod} is not Ready${lastEvent(ev) ? ` (${lastEvent(ev)})` : ''}`);
      // The scheduler rejected the pod while its new claim was unbound, and the claim is bound now:
      // kube-scheduler retries on the claim's update or, if it missed that, after up to 5 minutes.
      if (!pod.ready && pvcBound && UNBOUND_AT_SCHEDULING.test(lastEvent(ev) ?? '')) {
        findings.push(
          `PVC ${objects.embeddedPvc} is Bound now, after the scheduler's last try; kube-scheduler retries the pod within 5 minutes, so the next run usually finds it scheduled`,
        );
      }
    }
  } catch (e) {
    details.push(`pod ${objects.embeddedPod}: could not be read (${(e as Error).message.split('\n')[0]})`);
  }
  return { findings, details: details.map((l) => l.slice(0, 400)) };
}
