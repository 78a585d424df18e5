// Phase one's verdict on the copy, from the two etcds' key counts right after the success line and
// whether that line was read or lost with its pod. Pure.
import type { CensusDiff } from './census.ts';

export type CopyVerdict =
  /** No group lost keys, and the line was read (or its loss is accepted): phase one is verified. */
  | { kind: 'verified'; byCountsAlone: boolean }
  /** Some group lost keys: the copy failed, however the line went. */
  | { kind: 'keys-lost'; groups: string[] }
  /** The line is gone and the counts are equal, but equal counts were not accepted as the proof. */
  | { kind: 'line-lost' };

export function copyVerdict(a: { diff: CensusDiff; lineLost: boolean; acceptLostLogLine: boolean }): CopyVerdict {
  // Lost keys are reported whatever the line says; equal counts stand in for a lost line only when asked.
  if (!a.diff.ok) return { kind: 'keys-lost', groups: a.diff.lost.map((x) => x.group) };
  if (a.lineLost && !a.acceptLostLogLine) return { kind: 'line-lost' };
  return { kind: 'verified', byCountsAlone: a.lineLost };
}
