// The approval gate of the phases that need one (finalize, abort): the phase runs only with the
// verdict's checks passed, or bypassed on request (require-approval: false), said in bold.
import type { PhaseDeps } from './deps.ts';
import { step } from './deps.ts';
import { PhaseStop } from './outcome.ts';
import type { ApprovalVerdict } from '../../core/migration/approval.ts';

/** `what` names the change in the refusal ("phase two"), `job` the job to re-run ("finalize"). */
export async function checkApproval(deps: PhaseDeps, what: string, job: string): Promise<ApprovalVerdict> {
  const { settings, report } = deps;
  const verdict = await step(
    deps,
    'approval',
    () => deps.approvals.verify(settings.approvalEnvironment ?? '', settings.requireApproval),
    (v) => (v.bypassed ? 'bypassed (require-approval: false)' : `approved by ${v.approvers.join(', ')}`),
  );
  for (const c of verdict.checks) report.checks.push({ name: `approval: ${c.name}`, state: c.state, reason: c.reason });
  if (!verdict.ok) {
    const missing = verdict.checks
      .filter((c) => c.state === 'failed')
      .map((c) => c.reason)
      .join('; ');
    throw new PhaseStop(
      'refused',
      `${what} is not approved: ${missing}`,
      `get the approval the checks name, then re-run the ${job} job`,
    );
  }
  report.approvalBypassed = verdict.bypassed;
  report.approvers = verdict.approvers;
  return verdict;
}
