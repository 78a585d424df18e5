// Approval on the command line: a named person (--approved-by) confirms, with --yes or by typing the
// release name at a prompt, as destructive CLIs ask. Without either and without a terminal, the run
// waits: nothing is wrong, the approval has not come yet.
import type { ApprovalVerdict } from '../../core/migration/approval.ts';
import { typedConfirmation } from './terminal.ts';

export interface NamedApproval {
  approvedBy?: string;
  yes: boolean;
  release: string;
  namespace: string;
  phase: string;
  /** Whether a person can answer a prompt (stdin and stderr are a terminal). */
  interactive: boolean;
  confirm?: typeof typedConfirmation;
}

export function namedApproval(o: NamedApproval): {
  verify(environment: string, requireApproval: boolean): Promise<ApprovalVerdict>;
} {
  const verdict = (ok: boolean, reason: string, waiting = false): ApprovalVerdict => ({
    ok,
    bypassed: false,
    waiting: waiting || undefined,
    approvers: ok && o.approvedBy ? [o.approvedBy] : [],
    checks: [{ name: 'named-approval', state: ok ? 'passed' : 'failed', reason }],
  });
  return {
    async verify(_environment, requireApproval) {
      if (!requireApproval) return { ok: true, bypassed: true, approvers: [], checks: [] };
      const who = o.approvedBy;
      if (!who) return verdict(false, 'no --approved-by names who approves', true);
      if (o.yes) return verdict(true, `approved by ${who} on the command line (--yes)`);
      if (!o.interactive)
        return verdict(
          false,
          `${who} is named by --approved-by, but there is no --yes and no terminal to confirm on; run again with --yes`,
          true,
        );
      const typed = await (o.confirm ?? typedConfirmation)(
        `${o.phase} changes release ${o.release} in namespace ${o.namespace} for good. ${who}, type the release name to confirm:`,
        o.release,
      );
      return typed
        ? verdict(true, `approved by ${who}, who typed the release name at the prompt`)
        : verdict(false, `the name typed at the prompt is not ${o.release}; nothing was changed`);
    },
  };
}
