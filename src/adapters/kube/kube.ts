// The Kubernetes adapter: the few reads and writes the action makes, through
// @kubernetes/client-node. No decisions here; errors carry the object and the cause.
import {
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  StorageV1Api,
  type KubeConfig,
  type V1Pod,
  type V1PersistentVolumeClaim,
  type V1ConfigMap,
  type CoreV1Event,
} from '@kubernetes/client-node';
import type { ObservedObjects, PodView, PvcView } from '../../core/migration/cluster-view.ts';
import { objectNames } from '../../core/migration/cluster-view.ts';
import { describeError, statusOf } from './api-retry.ts';
import { credentialError } from './kubeconfig-context.ts';
import type { AccessNeed } from '../../core/migration/permissions.ts';

/** When an event last happened, in ms: events.k8s.io writers (the scheduler) set eventTime and series, core writers lastTimestamp. */
function eventTime(e: CoreV1Event): number {
  const t = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
  const ms = t ? new Date(t as unknown as string).getTime() : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

function podView(p: V1Pod): PodView {
  const cs = p.status?.containerStatuses ?? [];
  return {
    name: p.metadata?.name ?? '',
    uid: p.metadata?.uid ?? '',
    phase: p.status?.phase ?? 'Unknown',
    ready: (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    restarts: cs.reduce((n, c) => n + (c.restartCount ?? 0), 0),
    waitingReason: cs.map((c) => c.state?.waiting?.reason).find(Boolean),
    deleting: p.metadata?.deletionTimestamp !== undefined,
    createdAt: p.metadata?.creationTimestamp ? new Date(p.metadata.creationTimestamp).toISOString() : undefined,
  };
}

export class Kube {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  private readonly authz: AuthorizationV1Api;
  private readonly storage: StorageV1Api;
  readonly kc: KubeConfig;

  constructor(kc: KubeConfig) {
    this.kc = kc;
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.authz = kc.makeApiClient(AuthorizationV1Api);
    this.storage = kc.makeApiClient(StorageV1Api);
  }

  /**
   * Loads the current user's credentials as a request would: runs an exec credential plugin, reads
   * client certificate and key files. Their failures are not "cannot reach the API server".
   */
  async checkCredentials(): Promise<void> {
    try {
      await this.kc.applyToHTTPSOptions({});
    } catch (e) {
      throw credentialError(this.kc.getCurrentUser(), e);
    }
  }

  /** Throws a clear error when the credentials cannot be loaded, the API server cannot be reached or refuses them. */
  async ping(namespace: string, timeoutMs = 30_000): Promise<void> {
    await this.checkCredentials();
    try {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs);
      });
      await Promise.race([this.core.listNamespacedConfigMap({ namespace, limit: 1 }), timeout]).finally(() =>
        clearTimeout(timer),
      );
    } catch (e) {
      const code = statusOf(e);
      if (code === 401)
        throw new Error(
          'the Kubernetes API server refused the credentials (401 Unauthorized); check the kubeconfig token or certificate',
        );
      if (code === 403) return; // reachable; permissions are checked by the access review
      const server = this.kc.getCurrentCluster()?.server ?? 'the API server';
      throw new Error(
        `cannot reach the Kubernetes API server ${server}: ${describeError(e)}. Check the kubeconfig and that the runner can reach the cluster`,
      );
    }
  }

  /** Missing permissions among needs, as "verb resource[/sub]" strings. */
  async missingAccess(namespace: string, needs: AccessNeed[]): Promise<string[]> {
    const results = await Promise.all(
      needs.map(async (n) => {
        const r = await this.authz.createSelfSubjectAccessReview({
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: {
              resourceAttributes: {
                verb: n.verb,
                resource: n.resource,
                subresource: n.subresource,
                group: n.group ?? '',
                namespace: n.namespaced ? (n.namespace ?? namespace) : undefined,
              },
            },
          },
        });
        return r.status?.allowed
          ? undefined
          : `${n.verb} ${n.group ? `${n.resource}.${n.group}` : n.resource}${n.subresource ? `/${n.subresource}` : ''}${n.namespace ? ` in namespace ${n.namespace}` : ''}`;
      }),
    );
    return results.filter((x): x is string => x !== undefined);
  }

  async observe(namespace: string, release: string): Promise<ObservedObjects> {
    const objects = objectNames(release);
    const opt = async <T>(p: Promise<T>): Promise<T | undefined> => {
      try {
        return await p;
      } catch (e) {
        if (statusOf(e) === 404) return undefined;
        throw e;
      }
    };
    // A namespaced identity may not read its namespace: then its labels (vCluster Platform marks) are not seen.
    const nsLabels = this.core.readNamespace({ name: namespace }).then(
      (x) => x.metadata?.labels,
      () => undefined,
    );
    const [sts, svcs, cpDeploy, cpSts, pod, pods, pvcs, classes, namespaceLabels] = await Promise.all([
      opt(this.apps.readNamespacedStatefulSet({ name: objects.etcdSts, namespace })),
      this.core.listNamespacedService({ namespace }),
      opt(this.apps.readNamespacedDeployment({ name: objects.controlPlane, namespace })),
      opt(this.apps.readNamespacedStatefulSet({ name: objects.controlPlane, namespace })),
      opt(this.core.readNamespacedPod({ name: objects.embeddedPod, namespace })),
      this.core.listNamespacedPod({ namespace }),
      this.core.listNamespacedPersistentVolumeClaim({ namespace }),
      opt(this.storage.listStorageClass()),
      nsLabels,
    ]);
    const marked = [
      ...[
        cpSts && (['StatefulSet', cpSts] as const),
        cpDeploy && (['Deployment', cpDeploy] as const),
        sts && (['StatefulSet', sts] as const),
      ]
        .filter((x) => !!x)
        .map(([kind, o]) => ({
          what: `${kind} ${o.metadata?.name}`,
          labels: o.metadata?.labels ?? {},
          annotations: o.metadata?.annotations ?? {},
        })),
      ...(namespaceLabels ? [{ what: `Namespace ${namespace}`, labels: namespaceLabels }] : []),
    ];
    const pvcView = (p: V1PersistentVolumeClaim): PvcView => ({
      name: p.metadata!.name!,
      uid: p.metadata?.uid,
      size: p.status?.capacity?.storage?.toString() ?? p.spec?.resources?.requests?.storage?.toString(),
      storageClass: p.spec?.storageClassName,
      phase: p.status?.phase,
    });
    const etcdPvcs = pvcs.items.filter((p) => (p.metadata?.name ?? '').startsWith(objects.etcdPvcPrefix)).map(pvcView);
    const embeddedPvcName = new RegExp(`^data-${release}-\\d+$`);
    const embeddedPvcs = pvcs.items.filter((p) => embeddedPvcName.test(p.metadata?.name ?? '')).map(pvcView);
    const etcdPodName = new RegExp(`^${release}-etcd-\\d+$`);
    return {
      deployedEtcd: sts
        ? { replicas: sts.spec?.replicas ?? 1, readyReplicas: sts.status?.readyReplicas ?? 0 }
        : undefined,
      etcdServices: svcs.items
        .map((s) => s.metadata?.name ?? '')
        .filter((x) => x === objects.etcdSvc || x === objects.etcdHeadless),
      controlPlane: cpSts ? 'StatefulSet' : cpDeploy ? 'Deployment' : 'none',
      controlPlaneReplicas: cpSts ? (cpSts.spec?.replicas ?? 1) : undefined,
      embeddedPod: pod ? podView(pod) : undefined,
      etcdPods: pods.items.filter((p) => etcdPodName.test(p.metadata?.name ?? '')).map(podView),
      etcdPvcs,
      embeddedPvcs,
      storageClasses: (classes?.items ?? []).map((c) => ({
        name: c.metadata?.name ?? '',
        isDefault: c.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true',
      })),
      marked,
    };
  }

  async pod(namespace: string, name: string): Promise<PodView | undefined> {
    try {
      return podView(await this.core.readNamespacedPod({ name, namespace }));
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  async podLog(
    namespace: string,
    name: string,
    container: string,
    previous: boolean,
    tailLines?: number,
  ): Promise<string> {
    try {
      return await this.core.readNamespacedPodLog({ name, namespace, container, previous, tailLines });
    } catch (e) {
      const code = statusOf(e);
      if (code === 404 || code === 400) return '';
      // A pod not yet scheduled (e.g. its PVC is Pending) has no log: the API server answers
      // 204 without a Content-Type, which client-node cannot parse.
      if (code === undefined && /No Content-Type defined/.test((e as Error).message ?? '')) return '';
      throw e;
    }
  }

  /** A PVC's phase, class and requested size in one line; undefined when it does not exist. */
  async pvcState(namespace: string, name: string): Promise<{ phase: string; uid: string; line: string } | undefined> {
    // A list by name needs only `list`, which the preflight already checks.
    const c = (
      await this.core.listNamespacedPersistentVolumeClaim({ namespace, fieldSelector: `metadata.name=${name}` })
    ).items[0];
    if (!c) return undefined;
    const phase = c.status?.phase ?? 'Unknown';
    const request = c.spec?.resources?.requests?.storage?.toString() ?? '?';
    return {
      phase,
      uid: c.metadata?.uid ?? '',
      line: `PVC ${name}: ${phase}, storage class ${c.spec?.storageClassName ?? '(default)'}, requests ${request}${c.spec?.volumeName ? `, volume ${c.spec.volumeName}` : ''}`,
    };
  }

  /** A pod's phase and the conditions that are not True (e.g. PodScheduled=False Unschedulable: ...). */
  async podState(namespace: string, name: string): Promise<{ ready: boolean; uid: string; line: string } | undefined> {
    try {
      const p = await this.core.readNamespacedPod({ name, namespace });
      const v = podView(p);
      const notTrue = (p.status?.conditions ?? [])
        .filter((c) => c.status !== 'True')
        .map((c) => `${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}`);
      return {
        ready: v.ready,
        uid: v.uid,
        line: `pod ${name}: ${v.phase}${v.ready ? ', Ready' : ''}${v.waitingReason ? `, waiting: ${v.waitingReason}` : ''}${v.restarts ? `, ${v.restarts} restarts` : ''}${notTrue.length ? `; ${notTrue.join('; ')}` : ''}`,
      };
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  /**
   * Recent events of one object, newest last, as one line each. With a uid only that object's own
   * events: a StatefulSet's new pod has the old pod's name, and the old pod's events (say a
   * FailedScheduling from the install) would otherwise read as the new pod's cause.
   */
  async events(namespace: string, objectName: string, max = 10, uid?: string): Promise<string[]> {
    const selector = [`involvedObject.name=${objectName}`, ...(uid ? [`involvedObject.uid=${uid}`] : [])].join(',');
    const ev = await this.core.listNamespacedEvent({ namespace, fieldSelector: selector });
    return ev.items
      .map((e) => ({ e, at: eventTime(e) }))
      .sort((a, b) => a.at - b.at)
      .slice(-max)
      .map(({ e }) => `${e.type ?? ''} ${e.reason ?? ''}: ${e.message ?? ''}`.trim());
  }

  async deleteStatefulSetOrphan(namespace: string, name: string): Promise<void> {
    await this.apps.deleteNamespacedStatefulSet({ name, namespace, propagationPolicy: 'Orphan' });
  }

  async deletePvc(namespace: string, name: string): Promise<void> {
    await this.core.deleteNamespacedPersistentVolumeClaim({ name, namespace });
  }

  /** Waits until none of these PVCs exists (a PVC still used by a pod waits for it to go). */
  async waitPvcsGone(namespace: string, pvcs: string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = (await this.core.listNamespacedPersistentVolumeClaim({ namespace })).items
        .map((p) => p.metadata?.name ?? '')
        .filter((x) => pvcs.includes(x));
      if (left.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(
          `PVC ${left.join(', ')} still exists ${Math.round(timeoutMs / 1000)} s after its deletion; a pod may still use it (kubectl -n ${namespace} describe pvc ${left.join(' ')})`,
        );
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async secretData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      return (await this.core.readNamespacedSecret({ name, namespace })).data ?? {};
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  async configMap(namespace: string, name: string): Promise<V1ConfigMap | undefined> {
    try {
      return await this.core.readNamespacedConfigMap({ name, namespace });
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  async createConfigMap(namespace: string, body: V1ConfigMap): Promise<V1ConfigMap> {
    return this.core.createNamespacedConfigMap({ namespace, body });
  }

  /** Replace that fails with 409 when body.metadata.resourceVersion is not the current one. */
  async replaceConfigMap(namespace: string, body: V1ConfigMap): Promise<V1ConfigMap> {
    return this.core.replaceNamespacedConfigMap({ name: body.metadata!.name!, namespace, body });
  }
}
