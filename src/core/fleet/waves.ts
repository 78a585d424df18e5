// The fleet's waves: the canaries first, then waves of the sizes the user gives, each release in one
// wave, in an order that is the same on every run (a hash of namespace/release, so a wave spreads
// over namespaces); a wave larger than a matrix is split into batches. Pure.
import type { FleetEntry } from './classification.ts';
import { releaseKey, type RecordFacts, type ReleaseFacts } from './grouping.ts';

/** Which releases go first: a list of namespace/release, or a label or annotation key=value on the namespace or the control plane. */
export type CanaryChoice = { kind: 'releases'; releases: string[] } | { kind: 'mark'; key: string; value: string };

export interface WaveSettings {
  /** Sizes of the waves after the canaries; the last repeats unless `rest` ends the list. */
  sizes: number[];
  rest: boolean;
  canary?: CanaryChoice;
  /** Releases per batch: one matrix, at most GitHub's 256. */
  batchSize: number;
}

/** A release as the campaign sees it: its fleet entry, its state record, and the labels and annotations a canary mark may be on. */
export interface CampaignCandidate {
  entry: FleetEntry;
  /** This action's state record of the release, if there is one. */
  record?: RecordFacts;
  /** Labels and annotations of the control plane and of its namespace. */
  marks: Record<string, string>[];
}

/** A release's place in the campaign. */
export interface Placed {
  candidate: CampaignCandidate;
  wave: number;
  batch: number;
  canary: boolean;
}

export interface WaveSlot {
  wave: number;
  canary: boolean;
  /** The batches of this wave (more than one when it is larger than a matrix). */
  batches: number[];
}

export interface WavePlan {
  placed: Placed[];
  waves: WaveSlot[];
  /** How many releases the canary wave holds (0: no canary found). */
  canaries: number;
  /** Releases discover found that are not part of the campaign (not eligible, or on embedded etcd without this action). */
  outside: FleetEntry[];
  notes: string[];
}

/** Each classified release with its state record and the labels and annotations a canary mark may be on. */
export function campaignCandidates(facts: ReleaseFacts[], entries: FleetEntry[]): CampaignCandidate[] {
  const byKey = new Map(facts.map((f) => [releaseKey(f.namespace, f.release), f]));
  return entries.map((entry) => {
    const f = byKey.get(releaseKey(entry.namespace, entry.release));
    const cp = f?.controlPlane;
    const ns = f?.namespaceMeta;
    const marks = [cp?.labels, cp?.annotations, ns?.labels, ns?.annotations].filter(
      (m): m is Record<string, string> => m !== undefined,
    );
    return { entry, ...(f?.record ? { record: f.record } : {}), marks };
  });
}

/** FNV-1a: a fixed order that spreads the waves over namespaces, the same on every run. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The order releases take their place in the waves: canaries first, then by a hash of namespace/release. */
export function campaignOrder<T extends { namespace: string; release: string }>(
  releases: T[],
  isCanary: (r: T) => boolean,
): T[] {
  const rank = (r: T) => [
    isCanary(r) ? 0 : 1,
    hash(releaseKey(r.namespace, r.release)),
    releaseKey(r.namespace, r.release),
  ];
  const ranked = releases.map((r) => ({ r, k: rank(r) }));
  ranked.sort((a, b) => {
    for (let i = 0; i < a.k.length; i++) if (a.k[i] !== b.k[i]) return a.k[i]! < b.k[i]! ? -1 : 1;
    return 0;
  });
  return ranked.map((x) => x.r);
}

/** Wave sizes from the first wave after the canaries on: the last size repeats unless `rest` takes all that is left. */
export function waveSizes(s: Pick<WaveSettings, 'sizes' | 'rest'>, count: number): number[] {
  const out: number[] = [];
  let left = count;
  for (let i = 0; left > 0; i++) {
    if (i >= s.sizes.length && s.rest) {
      out.push(left);
      break;
    }
    const size = Math.min(left, s.sizes[Math.min(i, s.sizes.length - 1)]!);
    out.push(size);
    left -= size;
  }
  return out;
}

export function isCanary(c: CampaignCandidate, choice: CanaryChoice | undefined): boolean {
  if (!choice) return false;
  if (choice.kind === 'releases') return choice.releases.includes(releaseKey(c.entry.namespace, c.entry.release));
  return c.marks.some((m) => m[choice.key] === choice.value);
}

/** A release belongs to the campaign once this action recorded it, or while it can be migrated. */
export function inCampaign(c: CampaignCandidate): boolean {
  return c.record !== undefined || ['deployed', 'migrating', 'verified'].includes(c.entry.state);
}

/** Canaries named in a list that are not among the releases the campaign can take. */
function missingCanaries(placed: Placed[], choice: CanaryChoice | undefined): string[] {
  if (choice?.kind !== 'releases') return [];
  const found = new Set(
    placed.filter((p) => p.canary).map((p) => releaseKey(p.candidate.entry.namespace, p.candidate.entry.release)),
  );
  return found.size === 0 ? [] : choice.releases.filter((k) => !found.has(k));
}

/** Places each release of the campaign in one wave and one batch. */
export function planWaves(candidates: CampaignCandidate[], s: WaveSettings): WavePlan {
  const canary = (c: CampaignCandidate) => isCanary(c, s.canary);
  const inside = candidates.filter(inCampaign);
  const ordered = campaignOrder(
    inside.map((c) => ({ c, namespace: c.entry.namespace, release: c.entry.release })),
    (x) => canary(x.c),
  ).map((x) => x.c);
  const canaries = ordered.filter(canary).length;
  const sizes = [...(canaries > 0 ? [canaries] : []), ...waveSizes(s, ordered.length - canaries)];
  const placed: Placed[] = [];
  const waves: WaveSlot[] = [];
  let at = 0;
  let batch = 0;
  for (const [i, size] of sizes.entries()) {
    const slot: WaveSlot = { wave: i + 1, canary: canaries > 0 && i === 0, batches: [] };
    for (let j = 0; j < size; j++) {
      if (j % s.batchSize === 0) slot.batches.push(++batch);
      const c = ordered[at++]!;
      placed.push({ candidate: c, wave: slot.wave, batch, canary: canary(c) });
    }
    waves.push(slot);
  }
  const missing = missingCanaries(placed, s.canary);
  const notes =
    missing.length > 0
      ? [
          `canary ${missing.join(', ')} is not a release discover found that can be migrated; the canary wave goes without it`,
        ]
      : [];
  return { placed, waves, canaries, outside: candidates.filter((c) => !inCampaign(c)).map((c) => c.entry), notes };
}
