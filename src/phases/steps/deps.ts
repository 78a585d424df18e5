// What every phase gets: its settings, the adapters bound to the run's release, the report's
// evidence it adds to, and a step helper that logs each step in one group and records its duration.
import type { Settings } from '../../core/inputs/config.ts';
import type { ReleaseKube } from '../../adapters/kube/release-kube.ts';
import type { ReleaseHelm } from '../../adapters/helm/helm.ts';
import type { StateStore } from '../../adapters/kube/state-store.ts';
import type { Evidence } from '../../report/report.ts';
import type { EtcdOps } from '../../adapters/etcd/ops.ts';
import { diffCensus, lostGroupsText, type Census, type EtcdStore } from '../../core/migration/census.ts';
import type { Approvals, Logger } from '../../core/front-door.ts';
import { PhaseStop } from './outcome.ts';

export type { Approvals, Logger } from '../../core/front-door.ts';

/** The settings a phase reads: no credentials (kubeconfig, token) and nothing of the run's PR. */
export type PhaseSettings = Omit<Settings, 'kubeconfig' | 'context' | 'githubToken' | 'prNumber'>;

/** A phase's dependencies. */
export interface PhaseDeps {
  settings: PhaseSettings;
  kube: ReleaseKube;
  helm: ReleaseHelm;
  store: StateStore;
  etcd: EtcdOps;
  approvals: Approvals;
  log: Logger;
  /** The lock holder's id (the run, attempt and job). */
  runId: string;
  /** Private directory for values files (under RUNNER_TEMP). */
  workDir: string;
  backupDir: string;
  /** HELM_DRIVER of the run's environment: where Helm keeps the release's records. */
  helmDriver: string | undefined;
  /** The evidence of the run; the phase returns its outcome. */
  report: Evidence;
}

/** Runs one named step in its own log group and records it, failed or not. */
export async function step<T>(
  deps: PhaseDeps,
  name: string,
  fn: () => Promise<T>,
  note?: (result: T) => string,
): Promise<T> {
  const t0 = Date.now();
  try {
    // A run whose lock was taken over (or could not be renewed) goes no further.
    await deps.store.ensureHeld();
    const result = await deps.log.group(name, fn);
    deps.report.steps.push({ name, ms: Date.now() - t0, state: 'ok', note: note?.(result) });
    return result;
  } catch (e) {
    const state = e instanceof PhaseStop && e.status === 'refused' ? 'refused' : 'failed';
    deps.report.steps.push({ name, ms: Date.now() - t0, state, note: (e as Error).message.slice(0, 300) });
    throw e;
  }
}

/** Counts one etcd as a named step; its note says how many keys, at which revision, read which way. */
export function censusStep(deps: PhaseDeps, store: EtcdStore): Promise<Census> {
  return step(
    deps,
    `census of the ${store} etcd`,
    () => deps.etcd.census(store),
    (census) => `${census.total} keys at revision ${census.revision} via ${census.path}`,
  );
}

/**
 * Holds a census against a recorded one: the report shows the comparison, and a group with fewer keys
 * stops the phase with the stop `lost` makes from the groups' text.
 */
export function holdCensus(deps: PhaseDeps, recorded: Census, now: Census, lost: (groups: string) => PhaseStop): void {
  const diff = diffCensus(recorded, now, deps.settings.volatilePrefixes);
  deps.report.diff = diff;
  deps.report.keysBefore = recorded.total;
  deps.report.keysAfter = now.total;
  if (!diff.ok) throw lost(lostGroupsText(diff));
}

export function skipped(deps: PhaseDeps, name: string, note: string): void {
  deps.report.steps.push({ name, ms: 0, state: 'skipped', note });
}
