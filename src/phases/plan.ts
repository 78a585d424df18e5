// plan: read-only. Preflight, the values of both phases, a server-side dry run of phase one,
// and the deployed etcd's key counts now.
import type { Deps } from './steps/deps.ts';
import { censusStep, step, PhaseStop } from './steps/deps.ts';
import { failedChecks } from '../core/migration/preflight.ts';
import { decideMigrate } from '../core/migration/decide.ts';
import type { PhaseValues } from '../core/migration/values.ts';
import { gather } from './steps/gather.ts';
import { checkRenderedDataVolume } from './steps/render-check.ts';
import { upgrade, writeValuesFile } from './steps/upgrade.ts';
import { gitopsPlanNote } from './steps/gitops-gate.ts';
import { preflightStop } from './steps/open.ts';
import { showWayBack } from './steps/way-back.ts';

export async function plan(d: Deps): Promise<void> {
  const r = d.report;
  const g = await step(d, 'preflight', () => gather(d));
  const state = await d.store.load();
  const decision = decideMigrate(state, g.view);
  if (decision.kind === 'noop' || decision.kind === 'resume') {
    r.status = 'no-op';
    r.headline = decision.why;
    r.next = decision.kind === 'noop' ? decision.next : 'run migrate to resume phase one';
    showWayBack(d, state, g.view);
    return;
  }
  if (decision.kind === 'refuse') throw new PhaseStop('refused', decision.why, decision.remedy);
  const failed = failedChecks(g.checks);
  if (failed.length > 0) throw preflightStop(failed, 'fix what the failed checks say before migrating');
  gitopsPlanNote(d, g.view);
  const values = g.values as PhaseValues;
  await checkRenderedDataVolume(d, values);
  const f1 = writeValuesFile(d, 'phase one', values.phase1);
  writeValuesFile(d, 'phase two', values.phase2);
  await upgrade(d, 'phase one', f1, true);
  const c = await censusStep(d, 'deployed');
  r.keysBefore = c.total;
  r.status = 'planned';
  r.headline = `Phase one would apply the values below (server dry run passed); the deployed etcd holds ${c.total} keys.`;
  r.next = 'run phase migrate';
}
