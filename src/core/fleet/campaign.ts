// The fleet as a campaign: the releases the user names go first, then waves of the sizes they give;
// a wave larger than a matrix runs as several batches; failures beyond a budget stop every later
// wave. Every decision comes from what discover reads (state records and the cluster), so a run
// resumes where the last one stopped and a re-run chooses the same waves. Pure.
import type { FleetEntry } from './classification.ts';
import { releaseKey, type RecordFacts, type ReleaseFacts } from './grouping.ts';
import type { FleetMatrix, MatrixEntry, NextPhase } from './matrix.ts';

/** Which releases go first: a list of namespace/release, or a label or annotation key=value on the namespace or the control plane. */
export type CanaryChoice = { kind: 'releases'; releases: string[] } | { kind: 'mark'; key: string; value: string };

export interface CampaignSettings {
  /** Sizes of the waves after the canaries; the last repeats unless `rest` ends the list. */
  sizes: number[];
  rest: boolean;
  canary?: CanaryChoice;
  maxFailures: number;
  /** Releases per batch: one matrix, at most GitHub's 256. */
  batchSize: number;
  /** The batch the job before ran in this workflow run: what of it is not embedded counts as failed. */
  afterBatch?: number;
  /** Pins the batch (finalize runs on the batch migrate just ran). */
  batch?: number;
}

/** A release as the campaign sees it: its fleet entry, whether a state record exists, and the labels and annotations a canary mark may be on. */
export interface CampaignCandidate {
  entry: FleetEntry;
  /** This action's state record of the release, if there is one. */
  record?: RecordFacts;
  /** Labels and annotations of the control plane and of its namespace. */
  marks: Record<string, string>[];
}

/**
 * Where a release stands in the campaign. embedded: done. failed: its record says a phase failed,
 * or it cannot go on (needs a person). refused: in a batch this run ran, migrate left no record
 * (refused before any change, or did not run). unfinished: in a batch this run ran, phase one or
 * two did not end. verified: phase one verified, waits for finalize. under-way: a phase began and
 * did not end yet. waiting: nothing began.
 */
export type MemberStatus = 'embedded' | 'failed' | 'refused' | 'unfinished' | 'verified' | 'under-way' | 'waiting';

export interface Member {
  entry: FleetEntry;
  wave: number;
  batch: number;
  status: MemberStatus;
  canary: boolean;
  /** For a failure: what a person does next. */
  next?: string;
}

export interface WaveView {
  wave: number;
  canary: boolean;
  members: Member[];
  /** The batches of this wave (more than one when it is larger than a matrix). */
  batches: number[];
  keysBefore: number;
  keysAfter: number;
}

export type CampaignState = 'running' | 'stopped' | 'complete';

export interface CampaignView {
  state: CampaignState;
  waves: WaveView[];
  members: Member[];
  /** The batch to run now; undefined when nothing is left that the campaign may start. */
  current?: { wave: number; batch: number };
  /** Failures counted against max-failures. */
  failures: Member[];
  maxFailures: number;
  batchSize: number;
  /** Why the campaign stopped (or why nothing can start), in words. */
  stop?: string;
  /** Releases discover found that are not part of the campaign (not eligible, or on embedded etcd without this action). */
  outside: FleetEntry[];
  /** What the user should know that does not stop the campaign. */
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
  return [...releases].sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
    return 0;
  });
}

/** Wave sizes from the first wave after the canaries on: the last size repeats unless `rest` takes all that is left. */
export function waveSizes(s: Pick<CampaignSettings, 'sizes' | 'rest'>, count: number): number[] {
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
function inCampaign(c: CampaignCandidate): boolean {
  return c.record !== undefined || ['deployed', 'migrating', 'verified'].includes(c.entry.state);
}

function baseStatus(c: CampaignCandidate): MemberStatus {
  const e = c.entry;
  if (e.state === 'embedded') return 'embedded';
  // In the campaign but not eligible (an unreadable record, a controller took over): a person must look.
  if (e.state === 'not-eligible') return 'failed';
  if (c.record?.p1?.status === 'failed' || c.record?.p2?.status === 'failed') return 'failed';
  if (e.state === 'deployed') return 'waiting';
  if (e.state === 'verified' && !c.record?.p2) return 'verified';
  return 'under-way';
}

/** What a person does about a release that counts against the budget. */
function nextStep(m: Member): string {
  const resume = `then run this workflow again: wave ${m.wave} resumes with it`;
  if (m.status === 'refused')
    return `migrate left no record of it in this run (refused before any change, or its job did not run): read that job's summary and fix what it names, ${resume}`;
  if (m.status === 'unfinished' && m.entry.state === 'verified')
    return `phase one is verified, but finalize did not run or did not end in this run: read the finalize job's summary, ${resume}`;
  return `${m.entry.next}; ${resume}`;
}

/** Splits the campaign's members into waves and batches and decides which batch runs now, if any. */
export function planCampaign(candidates: CampaignCandidate[], s: CampaignSettings): CampaignView {
  const canary = (c: CampaignCandidate) => isCanary(c, s.canary);
  const inside = candidates.filter(inCampaign);
  const outside = candidates.filter((c) => !inCampaign(c)).map((c) => c.entry);
  const ordered = campaignOrder(
    inside.map((c) => ({ ...c, namespace: c.entry.namespace, release: c.entry.release })),
    canary,
  );
  const canaries = ordered.filter(canary).length;
  const sizes = [...(canaries > 0 ? [canaries] : []), ...waveSizes(s, ordered.length - canaries)];
  const members: Member[] = [];
  const waves: WaveView[] = [];
  let at = 0;
  let batch = 0;
  for (const [i, size] of sizes.entries()) {
    const wave = i + 1;
    const slice = ordered.slice(at, at + size);
    at += size;
    const view: WaveView = {
      wave,
      canary: canaries > 0 && i === 0,
      members: [],
      batches: [],
      keysBefore: 0,
      keysAfter: 0,
    };
    for (const [j, c] of slice.entries()) {
      if (j % s.batchSize === 0) view.batches.push(++batch);
      const m: Member = { entry: c.entry, wave, batch, status: baseStatus(c), canary: canary(c) };
      view.members.push(m);
      members.push(m);
      view.keysBefore += c.entry.keysBefore ?? 0;
      view.keysAfter += c.entry.keysAfter ?? 0;
    }
    waves.push(view);
  }
  const notes: string[] = [];
  if (s.canary?.kind === 'releases') {
    const found = new Set(members.filter((m) => m.canary).map((m) => releaseKey(m.entry.namespace, m.entry.release)));
    const missing = s.canary.releases.filter((k) => !found.has(k));
    if (missing.length > 0 && found.size > 0)
      notes.push(
        `canary ${missing.join(', ')} is not a release discover found that can be migrated; the canary wave goes without it`,
      );
  }
  const base = { waves, members, maxFailures: s.maxFailures, batchSize: s.batchSize, outside, notes };

  // A batch this run already ran: what of it is not embedded failed there.
  if (s.afterBatch !== undefined) {
    for (const m of members) {
      if (m.batch > s.afterBatch || m.status === 'embedded' || m.status === 'failed') continue;
      m.status = m.status === 'waiting' ? 'refused' : 'unfinished';
    }
  }
  const notDone = (m: Member) => m.status !== 'embedded';

  let current: Member | undefined;
  if (s.batch !== undefined) current = members.find((m) => m.batch === s.batch);
  else if (s.afterBatch !== undefined)
    current = members.find((m) => m.batch > s.afterBatch! && m.status !== 'embedded' && m.status !== 'failed');
  // A new run resumes at the first batch not done, the releases that failed in it included.
  else current = members.find(notDone);

  // The batch a new run resumes (or finalize is pinned to) retries its failed releases: a person started this run.
  const resumed = s.afterBatch === undefined ? current?.batch : undefined;
  const failures = members.filter(
    (m) => (m.status === 'failed' && m.batch !== resumed) || m.status === 'refused' || m.status === 'unfinished',
  );
  for (const m of failures) m.next = nextStep(m);

  if (s.canary && canaries === 0) {
    return {
      ...base,
      state: 'stopped',
      failures,
      stop:
        s.canary.kind === 'releases'
          ? `none of the canaries ${s.canary.releases.join(', ')} is a release discover found that can be migrated: nothing starts without a canary`
          : `no release is marked ${s.canary.key}=${s.canary.value} (a label or annotation on its namespace or control plane) among those that can be migrated: nothing starts without a canary`,
    };
  }
  if (s.batch === undefined && failures.length > s.maxFailures) {
    const names = failures
      .slice(0, 10)
      .map((m) => `${m.entry.namespace}/${m.entry.release} (wave ${m.wave}, ${m.status})`);
    return {
      ...base,
      state: 'stopped',
      failures,
      stop: `${failures.length} release${failures.length === 1 ? '' : 's'} failed or refused, more than max-failures ${s.maxFailures}: ${names.join(', ')}${failures.length > 10 ? ` and ${failures.length - 10} more` : ''}. No later wave starts`,
    };
  }
  // Nothing left to start: every release is embedded, or failed within the budget.
  if (!current) return { ...base, state: 'complete', failures };

  return { ...base, state: 'running', failures, current: { wave: current.wave, batch: current.batch } };
}

/** The matrix of the current batch for the next phase: migrate takes what has not reached phase one's verification, finalize the verified. */
export function campaignMatrix(v: CampaignView, next: NextPhase): FleetMatrix {
  if (!v.current) return { matrix: { include: [] }, left: 0 };
  const inBatch = v.members.filter((m) => m.batch === v.current!.batch && m.entry.target !== undefined);
  const take =
    next === 'migrate'
      ? inBatch.filter((m) => ['deployed', 'migrating'].includes(m.entry.state) && !v.failures.includes(m))
      : inBatch.filter((m) => m.entry.state === 'verified' && !v.failures.includes(m));
  const include: MatrixEntry[] = take.map((m) => ({
    release: m.entry.release,
    namespace: m.entry.namespace,
    'chart-version': m.entry.target!,
  }));
  const left = v.members.filter((m) => m.batch > v.current!.batch && m.status !== 'embedded').length;
  return { matrix: { include }, left };
}
