// Helm's own record of one release revision (Secret, or ConfigMap with HELM_DRIVER=configmap, named
// sh.helm.release.v1.<release>.v<revision>): decoded, and settled as failed when a killed
// `helm upgrade` left it pending-upgrade. Pure: the storage adapter reads and writes it.
import { gunzipSync, gzipSync } from 'node:zlib';

export type HelmDriver = 'secret' | 'configmap';

export const helmRecordName = (release: string, revision: number): string =>
  `sh.helm.release.v1.${release}.v${revision}`;

/** Helm's storage driver from HELM_DRIVER, as helm reads it; undefined for the ones this action cannot edit. */
export function helmDriver(value: string | undefined): HelmDriver | undefined {
  const v = (value ?? '').trim();
  if (v === '' || v === 'secret' || v === 'secrets') return 'secret';
  if (v === 'configmap' || v === 'configmaps') return 'configmap';
  return undefined;
}

export interface HelmRecordBody {
  name?: string;
  namespace?: string;
  version?: number;
  info?: { status?: string; description?: string; [k: string]: unknown };
  [k: string]: unknown;
}

const GZIP_MAGIC = [0x1f, 0x8b, 0x08];

/** Helm stores base64(gzip(JSON)); records from before compression are base64(JSON). */
export function decodeHelmRecord(text: string): HelmRecordBody {
  const b = Buffer.from(text, 'base64');
  const json = GZIP_MAGIC.every((x, i) => b[i] === x) ? gunzipSync(b) : b;
  return JSON.parse(json.toString('utf8')) as HelmRecordBody;
}

export function encodeHelmRecord(body: HelmRecordBody): string {
  return gzipSync(Buffer.from(JSON.stringify(body), 'utf8'), { level: 9 }).toString('base64');
}

export interface StoredHelmRecord {
  labels: Record<string, string>;
  /** The record text as Helm wrote it (base64 of gzip of JSON). */
  text: string;
}

/**
 * The record as Helm itself writes an upgrade that did not finish (status failed, a description
 * saying why), so the next `helm upgrade` diffs against the last deployed revision and the live
 * objects: what the killed upgrade had not yet created, changed or deleted is then done. Throws
 * when the record is not the pending revision it should be (nothing is written then).
 */
export function settledAsFailed(
  stored: StoredHelmRecord,
  release: string,
  revision: number,
  description: string,
  now: Date,
): StoredHelmRecord {
  const l = stored.labels;
  const body = decodeHelmRecord(stored.text);
  const seen = `labels owner=${l.owner}, name=${l.name}, version=${l.version}, status=${l.status}; record ${body.name} v${body.version} ${body.info?.status}`;
  if (
    l.owner !== 'helm' ||
    l.name !== release ||
    l.version !== String(revision) ||
    body.name !== release ||
    body.version !== revision
  ) {
    throw new Error(
      `${helmRecordName(release, revision)} is not Helm's record of revision ${revision} of release ${release} (${seen}), so this run left it as it is; look at it and at helm history ${release} before running again`,
    );
  }
  if (l.status !== 'pending-upgrade' || body.info?.status !== 'pending-upgrade') {
    throw new Error(
      `revision ${revision} of release ${release} is no longer pending-upgrade (${seen}): another Helm operation changed it; run again once it has finished, and the run reads the release anew`,
    );
  }
  const next: HelmRecordBody = { ...body, info: { ...body.info, status: 'failed', description } };
  return {
    labels: { ...l, status: 'failed', modifiedAt: String(Math.floor(now.getTime() / 1000)) },
    text: encodeHelmRecord(next),
  };
}
