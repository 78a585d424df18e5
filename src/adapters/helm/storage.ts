// The Helm release records in the cluster. The one write this action makes to them: a revision a
// killed `helm upgrade` left pending-upgrade is recorded as failed, as helm records an upgrade that
// did not finish, so that helm accepts the next upgrade and diffs it against the last deployed one.
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { Kube } from '../kube/kube.ts';
import { helmRecordName, settledAsFailed, type HelmDriver } from './record.ts';

export async function settlePendingAsFailed(
  kube: Kube,
  driver: HelmDriver,
  namespace: string,
  release: string,
  revision: number,
  description: string,
): Promise<void> {
  const name = helmRecordName(release, revision);
  const settle = (labels: Record<string, string> | undefined, text: string) =>
    settledAsFailed({ labels: labels ?? {}, text }, release, revision, description, new Date());
  // A replace names the resourceVersion read: if a helm that is still alive writes the record
  // meanwhile, this fails with 409 instead of overwriting it.
  if (driver === 'secret') {
    const s: V1Secret = await kube.core.readNamespacedSecret({ name, namespace });
    const next = settle(s.metadata?.labels, Buffer.from(s.data?.release ?? '', 'base64').toString('utf8'));
    const data = { ...s.data, release: Buffer.from(next.text, 'utf8').toString('base64') };
    const body: V1Secret = { ...s, metadata: { ...s.metadata, labels: next.labels }, data };
    await kube.core.replaceNamespacedSecret({ name, namespace, body });
  } else {
    const c: V1ConfigMap = await kube.core.readNamespacedConfigMap({ name, namespace });
    const next = settle(c.metadata?.labels, c.data?.release ?? '');
    const data = { ...c.data, release: next.text };
    const body: V1ConfigMap = { ...c, metadata: { ...c.metadata, labels: next.labels }, data };
    await kube.core.replaceNamespacedConfigMap({ name, namespace, body });
  }
}
