// The Helm values of both phases, computed from the release's own user values.
// Pure: no I/O. The rules are the chart's: the unit tests check the values against its schemas.
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { atLeast, type ChartVersion } from '../inputs/version.ts';
import { parseQuantity } from '../inputs/quantity.ts';

export type Values = Record<string, unknown>;

/** Paths the migration decides; user-supplied extra values may not set anything under them. */
export const OWNED_PATHS = [
  'controlPlane.backingStore',
  'controlPlane.statefulSet.persistence.volumeClaim',
  'controlPlane.persistence',
] as const;

const ETCD = ['controlPlane', 'backingStore', 'etcd'];
const EMBEDDED = [...ETCD, 'embedded'];
const DEPLOY = [...ETCD, 'deploy'];
const CP_CLAIM = ['controlPlane', 'statefulSet', 'persistence', 'volumeClaim'];
export const CHART_DEFAULT_SIZE = '5Gi';

/**
 * The leaves computeValues writes. The summary shows only these; the rest of the values are the
 * release's own (they may hold credentials in any shape) and stay in the 0600 values file.
 */
export const MIGRATION_SET_PATHS: readonly (readonly string[])[] = [
  [...['controlPlane', 'backingStore', 'etcd', 'embedded'], 'enabled'],
  [...['controlPlane', 'backingStore', 'etcd', 'embedded'], 'migrateFromDeployedEtcd'],
  [...['controlPlane', 'backingStore', 'etcd', 'embedded'], 'extraArgs'],
  [...['controlPlane', 'backingStore', 'etcd', 'deploy'], 'enabled'],
  [...['controlPlane', 'statefulSet', 'persistence', 'volumeClaim'], 'enabled'],
  [...['controlPlane', 'statefulSet', 'persistence', 'volumeClaim'], 'size'],
  [...['controlPlane', 'statefulSet', 'persistence', 'volumeClaim'], 'storageClass'],
];

export class ValuesError extends Error {
  override name = 'ValuesError';
}

function isObject(v: unknown): v is Values {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function getPath(obj: unknown, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

export function setPath(obj: Values, path: readonly string[], value: unknown): void {
  let cur = obj;
  for (const p of path.slice(0, -1)) {
    if (!isObject(cur[p])) cur[p] = {};
    cur = cur[p] as Values;
  }
  cur[path[path.length - 1]!] = value;
}

export function deletePath(obj: Values, path: readonly string[]): void {
  const parent = getPath(obj, path.slice(0, -1));
  // Stryker disable next-line ConditionalExpression: every path deleted here was set just before, so its parent is a mapping
  if (isObject(parent)) delete parent[path[path.length - 1]!];
}

/** Deep merge where b wins; arrays are replaced, as Helm does. Inputs are not changed. */
export function mergeValues(a: Values, b: Values): Values {
  const out: Values = structuredClone(a);
  for (const [k, v] of Object.entries(b)) {
    out[k] = isObject(v) && isObject(out[k]) ? mergeValues(out[k] as Values, v) : structuredClone(v);
  }
  return out;
}

/** Which owned paths a user's extra values touch (empty when none). */
export function ownedPathsTouched(extra: Values): string[] {
  return OWNED_PATHS.filter((p) => getPath(extra, p.split('.')) !== undefined);
}

/**
 * Paths that give the control plane's /data a volume of the user's choosing: dataVolume replaces
 * the data volume (an emptyDir among the choices), volumeClaimTemplates replaces the claim the
 * migration sizes. Set (non-empty) in the input values or the release's, they are refused.
 */
export const DATA_VOLUME_PATHS = [
  'controlPlane.statefulSet.persistence.dataVolume',
  'controlPlane.statefulSet.persistence.volumeClaimTemplates',
] as const;

export function dataVolumePathsTouched(values: Values): string[] {
  return DATA_VOLUME_PATHS.filter((p) => {
    const v = getPath(values, p.split('.'));
    return v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
  });
}

/** What the release runs on now, read from its user values. */
export function backingStoreOf(userValues: Values): 'deployed' | 'migrating' | 'embedded' | 'other' {
  const deploy = getPath(userValues, [...DEPLOY, 'enabled']) === true;
  const embedded = getPath(userValues, [...EMBEDDED, 'enabled']) === true;
  const migrate = getPath(userValues, [...EMBEDDED, 'migrateFromDeployedEtcd']) === true;
  if (embedded && migrate) return 'migrating';
  if (embedded) return 'embedded';
  if (deploy) return 'deployed';
  return 'other';
}

export interface ValuesRequest {
  /** `helm get values -o json` of the release: the user-supplied values only. */
  userValues: Values;
  chartVersion: ChartVersion;
  storageSize?: string;
  storageClass?: string;
  etcdExtraArgs: string[];
  extraValues: Values;
  /** Size of the deployed etcd's PVC (data-<release>-etcd-0), when it exists. */
  deployedPvcSize?: string;
}

export interface PhaseValues {
  phase1: Values;
  phase2: Values;
  /** The size and class the embedded etcd volume gets, and where they came from. */
  storage: { size: string; sizeFrom: string; storageClass?: string; classFrom: string };
}

/**
 * Phase one: the release's values, plus embedded etcd with the migration flag, deploy disabled
 * in the same upgrade (the chart allows one backing store), and the deployed etcd's statefulSet
 * values carried unchanged (the chart still renders that StatefulSet during the copy).
 * Phase two: the same without the flag. Throws ValuesError for every request that would lose data.
 */
export function computeValues(req: ValuesRequest): PhaseValues {
  const touched = [...ownedPathsTouched(req.extraValues), ...dataVolumePathsTouched(req.extraValues)];
  if (touched.length > 0) {
    throw new ValuesError(
      `input 'values' sets ${touched.join(', ')}, which the migration owns; remove those keys (use storage-size, storage-class and etcd-extra-args instead)`,
    );
  }
  if (getPath(req.userValues, ['controlPlane', 'persistence']) !== undefined) {
    throw new ValuesError(
      'the release values contain controlPlane.persistence, which the chart rejects (Additional property persistence is not allowed); ' +
        'move it to controlPlane.statefulSet.persistence.volumeClaim (size, storageClass, accessModes, retentionPolicy) with helm upgrade, then run again',
    );
  }
  const dataVolume = dataVolumePathsTouched(req.userValues);
  if (dataVolume.length > 0) {
    throw new ValuesError(
      `the release values set ${dataVolume.join(', ')}: /data, where the embedded etcd keeps its data, would not be the volume claim the migration sizes (it could be an emptyDir, lost at the next restart); ` +
        'remove it from the release values with helm upgrade, then run again',
    );
  }
  const claim = getPath(req.userValues, CP_CLAIM);
  const claimEnabled = isObject(claim) ? claim.enabled : undefined;
  if (claimEnabled === false || claimEnabled === 'false') {
    throw new ValuesError(
      'controlPlane.statefulSet.persistence.volumeClaim.enabled is false: the control plane would keep the embedded etcd in an emptyDir and lose every key at its next restart; ' +
        'remove that setting (or set it to true) in the release values before migrating',
    );
  }

  const releaseSize = isObject(claim) && typeof claim.size === 'string' ? claim.size : undefined;
  let size = req.storageSize ?? releaseSize ?? CHART_DEFAULT_SIZE;
  let sizeFrom = req.storageSize ? 'input storage-size' : releaseSize ? 'the release values' : 'the chart default';
  // Without storage-size the new volume is never smaller than the data it receives.
  const pvc = req.deployedPvcSize === undefined ? undefined : parseQuantity(req.deployedPvcSize);
  if (!req.storageSize && pvc !== undefined && pvc > (parseQuantity(size) ?? 0)) {
    sizeFrom = `the deployed etcd's PVC, larger than ${size} from ${sizeFrom}`;
    size = req.deployedPvcSize!;
  }
  if (req.deployedPvcSize !== undefined) {
    // A size that cannot be read compares as NaN, which is never smaller: nothing to refuse on.
    const want = parseQuantity(size) ?? NaN;
    const have = parseQuantity(req.deployedPvcSize) ?? NaN;
    if (want < have) {
      throw new ValuesError(
        `the embedded etcd volume would be ${size} (from ${sizeFrom}), smaller than the deployed etcd's PVC (${req.deployedPvcSize}); ` +
          `set storage-size to ${req.deployedPvcSize} or more`,
      );
    }
  }
  const releaseClass =
    isObject(claim) && typeof claim.storageClass === 'string' && claim.storageClass !== ''
      ? claim.storageClass
      : undefined;
  const storageClass = req.storageClass ?? releaseClass;
  const classFrom = req.storageClass
    ? 'input storage-class'
    : releaseClass
      ? 'the release values'
      : "the cluster's default StorageClass";

  const base = mergeValues(req.userValues, req.extraValues);
  const phase1 = structuredClone(base);
  setPath(phase1, [...EMBEDDED, 'enabled'], true);
  setPath(phase1, [...EMBEDDED, 'migrateFromDeployedEtcd'], true);
  setPath(phase1, [...DEPLOY, 'enabled'], false);
  if (req.etcdExtraArgs.length > 0) setPath(phase1, [...EMBEDDED, 'extraArgs'], [...req.etcdExtraArgs]);
  setPath(phase1, [...CP_CLAIM, 'enabled'], true);
  setPath(phase1, [...CP_CLAIM, 'size'], size);
  if (storageClass !== undefined) setPath(phase1, [...CP_CLAIM, 'storageClass'], storageClass);
  // The deployed etcd's statefulSet values stay exactly as the release had them (Helm would
  // otherwise try to patch forbidden StatefulSet fields during the copy): mergeValues carries them,
  // and the input values may set nothing under controlPlane.backingStore (OWNED_PATHS).

  const phase2 = structuredClone(phase1);
  deletePath(phase2, [...EMBEDDED, 'migrateFromDeployedEtcd']);
  return { phase1, phase2, storage: { size, sizeFrom, storageClass, classFrom } };
}

/** Warnings about keys the target chart does not know (the chart would reject them). */
export function versionProblems(values: Values, version: ChartVersion): string[] {
  const out: string[] = [];
  if (getPath(values, [...EMBEDDED, 'snapshotCount']) !== undefined && !atLeast(version, '0.25.0')) {
    out.push(
      `controlPlane.backingStore.etcd.embedded.snapshotCount exists from chart 0.25.0; chart ${version.text} rejects it`,
    );
  }
  if (getPath(values, [...EMBEDDED, 'extraArgs']) !== undefined && !atLeast(version, '0.26.0')) {
    out.push(
      `controlPlane.backingStore.etcd.embedded.extraArgs exists from chart 0.26.0; chart ${version.text} rejects it`,
    );
  }
  return out;
}

export function valuesYaml(values: Values): string {
  return stringify(values, { sortMapEntries: true });
}

/** A stable digest of values, for the state record: the same values give the same digest. */
export function valuesDigest(values: Values): string {
  return 'sha256:' + createHash('sha256').update(valuesYaml(values)).digest('hex');
}
