// The approval a run on the command line verifies: the one the person named by --approved-by gave
// before the run (with --yes, or at the prompt). The phase records the name in the state record and
// the summary, as it records a GitHub environment's reviewers.
import type { Approvals } from '../../core/front-door.ts';

export function namedApproval(approved: { by: string; how: string } | undefined): Approvals {
  return {
    async verify(_environment, requireApproval) {
      if (!requireApproval) return { ok: true, bypassed: true, approvers: [], checks: [] };
      if (!approved)
        return {
          ok: false,
          bypassed: false,
          approvers: [],
          checks: [{ name: 'named-approval', state: 'failed', reason: 'no --approved-by names who approves' }],
        };
      return {
        ok: true,
        bypassed: false,
        approvers: [approved.by],
        checks: [{ name: 'named-approval', state: 'passed', reason: approved.how }],
      };
    },
    howToApprove: () =>
      'run phase finalize with --approved-by <name> and --yes (or confirm at the prompt) to run phase two',
  };
}
