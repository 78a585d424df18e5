// The fleet as a campaign: where each release of the waves stands, whether the failures stay within
// the budget the user set, and which batch runs now. Every decision comes from what discover reads
// (state records and the cluster), so a run resumes where the last one stopped. Pure.
import type { FleetEntry } from './classification.ts';
import type { FleetMatrix, MatrixEntry, NextPhase } from './matrix.ts';
import { planWaves, type CampaignCandidate, type CanaryChoice, type Placed, type WaveSettings } from './waves.ts';

export interface CampaignSettings extends WaveSettings {
  maxFailures: number;
  /** The batch the job before ran in this workflow run: what of it is not embedded counts as failed. */
  afterBatch?: number;
  /** Pins the batch (finalize runs on the batch migrate just ran). */
  batch?: number;
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

/** Where a release stands from its entry and record alone. */
export function memberStatus(c: CampaignCandidate): MemberStatus {
  const e = c.entry;
  if (e.state === 'embedded') return 'embedded';
  // In the campaign but not eligible (an unreadable record, a controller took over): a person must look.
  if (e.state === 'not-eligible') return 'failed';
  if (c.record?.p1?.status === 'failed' || c.record?.p2?.status === 'failed') return 'failed';
  if (e.state === 'deployed') return 'waiting';
  if (e.state === 'verified' && !c.record?.p2) return 'verified';
  return 'under-way';
}

/** In a batch this workflow run already went through, what is not embedded failed there. */
function afterRun(status: MemberStatus): MemberStatus {
  if (status === 'embedded' || status === 'failed') return status;
  return status === 'waiting' ? 'refused' : 'unfinished';
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

function member(p: Placed, s: CampaignSettings): Member {
  const base = memberStatus(p.candidate);
  const status = s.afterBatch !== undefined && p.batch <= s.afterBatch ? afterRun(base) : base;
  return { entry: p.candidate.entry, wave: p.wave, batch: p.batch, status, canary: p.canary };
}

/** The batch to run: pinned, the one after the batch this run went through, or (a new run) the first not done. */
function currentMember(members: Member[], s: CampaignSettings): Member | undefined {
  if (s.batch !== undefined) return members.find((m) => m.batch === s.batch);
  if (s.afterBatch !== undefined)
    return members.find((m) => m.batch > s.afterBatch! && m.status !== 'embedded' && m.status !== 'failed');
  return members.find((m) => m.status !== 'embedded');
}

/**
 * The failures counted against the budget. A new run resumes the first batch not done and retries
 * the releases that failed in it (a person started the run after fixing them), so those do not count.
 */
function countedFailures(members: Member[], resumed: number | undefined): Member[] {
  return members.filter(
    (m) => (m.status === 'failed' && m.batch !== resumed) || m.status === 'refused' || m.status === 'unfinished',
  );
}

function noCanary(choice: CanaryChoice): string {
  return choice.kind === 'releases'
    ? `none of the canaries ${choice.releases.join(', ')} is a release discover found that can be migrated: nothing starts without a canary`
    : `no release is marked ${choice.key}=${choice.value} (a label or annotation on its namespace or control plane) among those that can be migrated: nothing starts without a canary`;
}

function overBudget(failures: Member[], maxFailures: number): string {
  const names = failures
    .slice(0, 10)
    .map((m) => `${m.entry.namespace}/${m.entry.release} (wave ${m.wave}, ${m.status})`);
  const more = failures.length > 10 ? ` and ${failures.length - 10} more` : '';
  const n = failures.length;
  return `${n} release${n === 1 ? '' : 's'} failed or refused, more than max-failures ${maxFailures}: ${names.join(', ')}${more}. No later wave starts`;
}

function waveViews(plan: ReturnType<typeof planWaves>, members: Member[]): WaveView[] {
  return plan.waves.map((w) => {
    const ms = members.filter((m) => m.wave === w.wave);
    const sum = (k: 'keysBefore' | 'keysAfter') => ms.reduce((a, m) => a + (m.entry[k] ?? 0), 0);
    return { ...w, members: ms, keysBefore: sum('keysBefore'), keysAfter: sum('keysAfter') };
  });
}

/** Places the releases in waves and batches, counts the failures against the budget, and decides which batch runs now, if any. */
export function planCampaign(candidates: CampaignCandidate[], s: CampaignSettings): CampaignView {
  const plan = planWaves(candidates, s);
  const members = plan.placed.map((p) => member(p, s));
  const current = currentMember(members, s);
  const failures = countedFailures(members, s.afterBatch === undefined ? current?.batch : undefined);
  for (const m of failures) m.next = nextStep(m);
  const base = {
    waves: waveViews(plan, members),
    members,
    failures,
    maxFailures: s.maxFailures,
    batchSize: s.batchSize,
    outside: plan.outside,
    notes: plan.notes,
  };
  if (s.canary && plan.canaries === 0) return { ...base, state: 'stopped', stop: noCanary(s.canary) };
  // Finalize of a batch migrate just ran is not held back: its verified releases wait for approval.
  if (s.batch === undefined && failures.length > s.maxFailures)
    return { ...base, state: 'stopped', stop: overBudget(failures, s.maxFailures) };
  if (!current) return { ...base, state: 'complete' };
  return { ...base, state: 'running', current: { wave: current.wave, batch: current.batch } };
}

/** The matrix of the current batch for the next phase: migrate takes what has not reached phase one's verification, finalize the verified. */
export function campaignMatrix(v: CampaignView, next: NextPhase): FleetMatrix {
  const current = v.current;
  if (!current) return { matrix: { include: [] }, left: 0 };
  const states = next === 'migrate' ? ['deployed', 'migrating'] : ['verified'];
  const take = v.members.filter(
    (m) =>
      m.batch === current.batch &&
      m.entry.target !== undefined &&
      states.includes(m.entry.state) &&
      !v.failures.includes(m),
  );
  const include: MatrixEntry[] = take.map((m) => ({
    release: m.entry.release,
    namespace: m.entry.namespace,
    'chart-version': m.entry.target!,
  }));
  const left = v.members.filter((m) => m.batch > current.batch && m.status !== 'embedded').length;
  return { matrix: { include }, left };
}
