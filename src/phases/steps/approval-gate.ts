// The approval gate of the phases that need one (finalize, abort): the phase runs only with the
// verdict's checks passed, or bypassed on request (require-approval: false), said in bold.
import type { PhaseDeps } from './deps.ts';
import { step } from './deps.ts';
import { PhaseStop } from './outcome.ts';
import type { ApprovalVerdict } from '../../core/migration/approval.ts';

/** `what` names the change in the refusal ("phase two"), `job` the job to re-run ("finalize"). */
export async function checkApproval(deps: PhaseDeps, what: string, job: string): Promise<ApprovalVerdict> {
  const { settings, report } = deps;
  // A verdict that says no ends the step as refused: the steps table must not show it passed.
  const verdict = await step(
    deps,
    'approval',
    async () => {
      const v = await deps.approvals.verify(settings.approvalEnvironment ?? '', settings.requireApproval);
      for (const c of v.checks) report.checks.push({ name: `approval: ${c.name}`, state: c.state, reason: c.reason });
      if (!v.ok) throw approvalRefusal(v, what, job);
      return v;
    },
    (v) => (v.bypassed ? 'bypassed (require-approval: false)' : `approved by ${v.approvers.join(', ')}`),
  );
  report.approvalBypassed = verdict.bypassed;
  report.approvers = verdict.approvers;
  return verdict;
}

function approvalRefusal(verdict: ApprovalVerdict, what: string, job: string): PhaseStop {
  const missing = verdict.checks
    .filter((c) => c.state === 'failed')
    .map((c) => c.reason)
    .join('; ');
  return new PhaseStop(
    'refused',
    `${what} is not approved: ${missing}`,
    `get the approval the checks name, then re-run the ${job} job`,
  );
}
