// The approval gate of the phases that need one (finalize, abort): the phase runs only with the
// verdict's checks passed, or bypassed on request (require-approval: false), said in bold.
import type { Deps } from './deps.ts';
import { step, PhaseStop } from './deps.ts';
import type { ApprovalVerdict } from '../../core/migration/approval.ts';

export async function checkApproval(d: Deps, what: string, job: string): Promise<ApprovalVerdict> {
  const s = d.settings;
  const r = d.report;
  const verdict = await step(
    d,
    'approval',
    () => d.approvals.verify(s.approvalEnvironment ?? '', s.requireApproval),
    (v) => (v.bypassed ? 'bypassed (require-approval: false)' : `approved by ${v.approvers.join(', ')}`),
  );
  for (const c of verdict.checks) r.checks.push({ name: `approval: ${c.name}`, state: c.state, reason: c.reason });
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
  r.approvalBypassed = verdict.bypassed;
  r.approvers = verdict.approvers;
  return verdict;
}
