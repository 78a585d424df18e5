// The CLI's exit codes: what a script or another CI decides on. Documented in --help and the README.
export const EXIT = {
  /** Done, or nothing to do: succeeded, planned, no-op. */
  done: 0,
  /** Failed: a step went wrong; the state record says where the next run resumes. */
  failed: 1,
  /** Refused before any change: a bad flag or input, or a check the phase makes before it changes anything. */
  refused: 2,
  /** Waiting for approval: the phase needs --approved-by with --yes or a typed confirmation. */
  waiting: 3,
} as const;

/** The exit code of a run that ended with `status` (a report's status). */
export function exitCodeFor(status: string): number {
  if (status === 'succeeded' || status === 'planned' || status === 'no-op') return EXIT.done;
  if (status === 'refused') return EXIT.refused;
  if (status === 'waiting') return EXIT.waiting;
  return EXIT.failed;
}
