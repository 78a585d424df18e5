// Phase two's approval on the command line, decided before the run as a GitHub environment's is
// decided before its job starts: a named person (--approved-by) confirms with --yes (in CI) or by
// typing the release name at a prompt. Without a name, or without a way to confirm, the run waits.
// Pure: the flags in, the decision out.

export type CliApproval =
  | { kind: 'not-needed' }
  | { kind: 'approved'; by: string; how: string }
  | { kind: 'ask'; by: string; question: string }
  | { kind: 'waiting'; reason: string; next: string };

export interface CliApprovalRequest {
  phase: string;
  release: string;
  namespace: string;
  requireApproval: boolean;
  approvedBy?: string;
  yes: boolean;
  /** A person can answer a prompt (stdin and stderr are a terminal). */
  interactive: boolean;
}

/** The phases whose changes need a named person's approval on the command line. */
export const APPROVAL_PHASES: readonly string[] = ['finalize', 'abort'];

export function decideCliApproval(q: CliApprovalRequest): CliApproval {
  if (!APPROVAL_PHASES.includes(q.phase) || !q.requireApproval) return { kind: 'not-needed' };
  const next = `run ${q.phase} again with --approved-by <name> and --yes (in CI), or with --approved-by <name> on a terminal and type the release name when asked`;
  if (q.approvedBy === undefined)
    return { kind: 'waiting', reason: `${q.phase} waits for an approval: no --approved-by names who approves`, next };
  if (q.yes)
    return { kind: 'approved', by: q.approvedBy, how: `approved by ${q.approvedBy} on the command line (--yes)` };
  if (!q.interactive)
    return {
      kind: 'waiting',
      reason: `${q.phase} waits for an approval: ${q.approvedBy} is named by --approved-by, but there is no --yes and no terminal to confirm on`,
      next,
    };
  return {
    kind: 'ask',
    by: q.approvedBy,
    question: `${q.phase} changes release ${q.release} in namespace ${q.namespace} for good. ${q.approvedBy}, type the release name to confirm:`,
  };
}

/** The answer at the prompt: the exact release name approves; anything else refuses. */
export function typedApproval(
  ask: { by: string },
  release: string,
  typed: string,
): { kind: 'approved'; by: string; how: string } | { kind: 'refused'; reason: string } {
  return typed.trim() === release
    ? { kind: 'approved', by: ask.by, how: `approved by ${ask.by}, who typed the release name at the prompt` }
    : {
        kind: 'refused',
        reason: `the name typed at the prompt is not the release name ${release}; nothing was changed`,
      };
}
