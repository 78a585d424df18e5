// Checks on the manifest Helm renders for phase one. Pure: the YAML text in, a problem or none out.
// The guard on volumeClaim.enabled reads values; this reads what the chart will really create.
import { parseAllDocuments } from 'yaml';
import { parseQuantity } from '../inputs/quantity.ts';

interface Container {
  name?: string;
  volumeMounts?: { name?: string; mountPath?: string }[];
}
interface StatefulSetDoc {
  kind?: string;
  metadata?: { name?: string };
  spec?: {
    template?: {
      spec?: { containers?: Container[]; initContainers?: Container[]; volumes?: Record<string, unknown>[] };
    };
    volumeClaimTemplates?: {
      metadata?: { name?: string };
      spec?: { resources?: { requests?: { storage?: string } } };
    }[];
  };
}

/**
 * Why the control-plane StatefulSet `<release>` would not keep /data on a volume claim template of
 * at least `size`; undefined when it does.
 */
export function dataVolumeProblem(manifest: string, release: string, size: string): string | undefined {
  const docs = parseAllDocuments(manifest);
  const sts = (Array.isArray(docs) ? docs : [docs])
    .map((d) => d.toJS({ maxAliasCount: 100 }) as StatefulSetDoc | null)
    .find((d) => d?.kind === 'StatefulSet' && d.metadata?.name === release);
  if (!sts) return `the rendered phase-one manifest has no control-plane StatefulSet ${release}`;
  const pod = sts.spec?.template?.spec ?? {};
  const mounts = [...(pod.containers ?? []), ...(pod.initContainers ?? [])].flatMap((c) =>
    (c.volumeMounts ?? [])
      .filter((m) => m.mountPath?.replace(/\/+$/, '') === '/data')
      .map((m) => ({ container: c.name, volume: m.name })),
  );
  if (mounts.length === 0)
    return `no container of StatefulSet ${release} mounts a volume at /data: the embedded etcd would live in the container's own filesystem`;
  for (const m of mounts) {
    const podVolume = (pod.volumes ?? []).find((v) => v.name === m.volume);
    if (podVolume) {
      const kind = Object.keys(podVolume).find((k) => k !== 'name') ?? 'unknown';
      return `container ${m.container} of StatefulSet ${release} mounts /data from pod volume ${m.volume} (${kind}), not from a volume claim template (controlPlane.statefulSet.persistence.dataVolume?)`;
    }
    const claim = (sts.spec?.volumeClaimTemplates ?? []).find((t) => t.metadata?.name === m.volume);
    if (!claim)
      return `container ${m.container} of StatefulSet ${release} mounts /data from ${m.volume}, which is neither a pod volume nor a volume claim template`;
    const asked = claim.spec?.resources?.requests?.storage;
    const want = parseQuantity(size);
    const got = asked === undefined ? undefined : parseQuantity(String(asked));
    if (want !== undefined && (got === undefined || got < want)) {
      return `the volume claim template ${m.volume} of StatefulSet ${release} requests ${asked ?? 'no size'}, less than the ${size} the migration computed (controlPlane.statefulSet.persistence.volumeClaimTemplates?)`;
    }
  }
  return undefined;
}
