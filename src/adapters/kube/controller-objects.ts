// Reads a GitOps controller's object (Flux's HelmRelease, Argo CD's Application) from the host
// cluster through client-node's CustomObjectsApi. No decisions here: what was read, or why not.
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import {
  CONTROLLER_VERSIONS,
  refOf,
  type ControllerObject,
  type ControllerReading,
} from '../../core/migration/gitops.ts';
import { describeError, retryRead, statusOf } from './api-retry.ts';

/** The API server's Status of an error, when its body is one (client-node gives it as text or parsed). */
function statusBody(e: unknown): { reason?: string; details?: { kind?: string } } | undefined {
  const body = (e as { body?: unknown }).body;
  if (body && typeof body === 'object') return body as { reason?: string };
  if (typeof body !== 'string') return undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as { reason?: string }) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The object at the newest API version the cluster serves. A 404 whose Status names the resource
 * (reason NotFound with details) means the version is served and the object does not exist; a bare
 * 404 ("404 page not found") means the version is not served, so the next one is tried.
 */
export async function readControllerObject(
  kc: KubeConfig,
  o: ControllerObject,
  sleep?: (ms: number) => Promise<unknown>,
): Promise<ControllerReading> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const where = o.namespaceAssumed ? ` (looked in ${o.namespaceAssumed}: the marks do not name its namespace)` : '';
  for (const version of CONTROLLER_VERSIONS[o.kind]) {
    try {
      // A dropped connection is no answer: read again, so that a loaded API server does not turn into
      // "reading failed" and a refusal of the whole phase.
      const got = (await retryRead(
        () =>
          api.getNamespacedCustomObject({
            group: o.group,
            version,
            namespace: o.namespace,
            plural: o.plural,
            name: o.name,
          }),
        sleep,
      )) as { metadata?: { annotations?: Record<string, string> }; spec?: unknown };
      return { object: o, state: 'read', version, annotations: got.metadata?.annotations, spec: got.spec };
    } catch (e) {
      const code = statusOf(e);
      if (code === 403)
        return {
          object: o,
          state: 'forbidden',
          why: `the credentials may not get ${o.plural}.${o.group} in namespace ${o.namespace}: ${describeError(e)}`,
        };
      if (code === 404 && statusBody(e)?.details)
        return { object: o, state: 'absent', why: `there is no ${refOf(o)} in this cluster${where}` };
      if (code === 404) continue;
      return { object: o, state: 'error', why: `reading ${refOf(o)} failed: ${describeError(e)}` };
    }
  }
  return {
    object: o,
    state: 'absent',
    why: `this cluster serves no ${o.kind} API (${o.group} ${CONTROLLER_VERSIONS[o.kind].join(', ')}): the controller's CRD is not installed here`,
  };
}
