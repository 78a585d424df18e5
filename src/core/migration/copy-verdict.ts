// Phase one's verdict on the copy, from the two etcds' key counts and contents right after the
// success line and whether that line was read or lost with its pod. Pure.
import type { CensusDiff } from './census.ts';
import type { ContentDiff } from './content-proof.ts';

export type CopyVerdict =
  /** No group lost keys, and the line was read (or its loss is accepted): phase one is verified. */
  | { kind: 'verified'; byCountsAlone: boolean }
  /** Some group lost keys: the copy failed, however the line went. */
  | { kind: 'keys-lost'; groups: string[] }
  /** The counts hold but some group's keys or values differ: the copy failed. */
  | { kind: 'content-differs'; groups: string[] }
  /** The line is gone and the counts are equal, but equal counts were not accepted as the proof. */
  | { kind: 'line-lost' };

export function copyVerdict(a: {
  diff: CensusDiff;
  content: ContentDiff;
  lineLost: boolean;
  acceptLostLogLine: boolean;
}): CopyVerdict {
  // Lost keys and differing content are reported whatever the line says; equal contents stand in
  // for a lost line only when asked.
  if (!a.diff.ok) return { kind: 'keys-lost', groups: a.diff.lost.map((x) => x.group) };
  if (!a.content.ok) return { kind: 'content-differs', groups: a.content.differing.map((x) => x.group) };
  if (a.lineLost && !a.acceptLostLogLine) return { kind: 'line-lost' };
  return { kind: 'verified', byCountsAlone: a.lineLost };
}
