// plan: read-only. Preflight, the values of both phases, a server-side dry run of phase one,
// and the deployed etcd's key counts now.
import type { PhaseDeps } from './steps/deps.ts';
import { censusStep, step } from './steps/deps.ts';
import { PhaseStop } from './steps/outcome.ts';
import { failedChecks } from '../core/migration/preflight.ts';
import { decideMigrate } from '../core/migration/decide.ts';
import type { PhaseValues } from '../core/migration/values.ts';
import type { Outcome } from '../report/report.ts';
import { inspect } from './steps/inspect.ts';
import { checkRenderedDataVolume } from './steps/render-check.ts';
import { upgrade, writeValuesFile } from './steps/upgrade.ts';
import { gitopsPlanNote } from './steps/gitops-gate.ts';
import { preflightStop } from './steps/open.ts';
import { showWayBack } from './steps/way-back.ts';

export async function plan(deps: PhaseDeps): Promise<Outcome> {
  const inspection = await step(deps, 'preflight', () => inspect(deps));
  const state = await deps.store.load();
  const decision = decideMigrate(state, inspection.view);
  if (decision.kind === 'noop' || decision.kind === 'resume') {
    showWayBack(deps, state, inspection.view);
    return {
      status: 'no-op',
      headline: decision.why,
      next: decision.kind === 'noop' ? decision.next : 'run migrate to resume phase one',
    };
  }
  if (decision.kind === 'refuse') throw new PhaseStop('refused', decision.why, decision.remedy);
  const failed = failedChecks(inspection.checks);
  if (failed.length > 0) throw preflightStop(failed, 'fix what the failed checks say before migrating');
  gitopsPlanNote(deps, inspection.view);
  const values = inspection.values as PhaseValues;
  await checkRenderedDataVolume(deps, values);
  const phaseOneFile = writeValuesFile(deps, 'phase1', values.phase1);
  writeValuesFile(deps, 'phase2', values.phase2);
  await upgrade(deps, 'phase1', phaseOneFile, true);
  const census = await censusStep(deps, 'deployed');
  deps.report.keysBefore = census.total;
  return {
    status: 'planned',
    headline: `Phase one would apply the values shown under Values phase one (server dry run passed); the deployed etcd holds ${census.total} keys.`,
    next: 'run phase migrate',
  };
}
