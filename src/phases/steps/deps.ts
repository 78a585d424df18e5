// What every phase gets: settings, adapters, the report it fills, and a step helper that logs
// progress in one group per step and records each step's duration.
import type { Settings } from '../../core/inputs/config.ts';
import type { Kube } from '../../adapters/kube/kube.ts';
import type { Helm } from '../../adapters/helm/helm.ts';
import type { StateStore } from '../../adapters/kube/state-store.ts';
import type { RunReport } from '../../report/report.ts';
import type { EtcdOps } from '../../adapters/etcd/ops.ts';
import type { Census } from '../../core/types.ts';
import type { Logger, Approvals } from '../../core/front-door.ts';

export type { Logger, Approvals } from '../../core/front-door.ts';

export interface Deps {
  settings: Settings;
  kube: Kube;
  helm: Helm;
  store: StateStore;
  etcd: EtcdOps;
  approvals: Approvals;
  log: Logger;
  runId: string;
  /** Private directory for values files (under RUNNER_TEMP). */
  workDir: string;
  backupDir: string;
  report: RunReport;
}

/** Runs one named step in its own log group and records it, failed or not. */
export async function step<T>(d: Deps, name: string, fn: () => Promise<T>, note?: (r: T) => string): Promise<T> {
  const t0 = Date.now();
  try {
    // A run whose lock was taken over (or could not be renewed) goes no further.
    await d.store.ensureHeld();
    const r = await d.log.group(name, fn);
    d.report.steps.push({ name, ms: Date.now() - t0, state: 'ok', note: note?.(r) });
    return r;
  } catch (e) {
    d.report.steps.push({ name, ms: Date.now() - t0, state: 'failed', note: (e as Error).message.slice(0, 300) });
    throw e;
  }
}

/** Counts one etcd as a named step; its note says how many keys, at which revision, read which way. */
export function censusStep(d: Deps, store: 'deployed' | 'embedded'): Promise<Census> {
  return step(
    d,
    `census of the ${store} etcd`,
    () => d.etcd.census(store),
    (c) => `${c.total} keys at revision ${c.revision} via ${c.path}`,
  );
}

export function skipped(d: Deps, name: string, note: string): void {
  d.report.steps.push({ name, ms: 0, state: 'skipped', note });
}

/** A failure the phase already explained in the report: main sets the status and exits 1. */
export class PhaseStop extends Error {
  override name = 'PhaseStop';
  readonly status: 'failed' | 'refused' | 'waiting';
  readonly next: string;
  constructor(status: 'failed' | 'refused' | 'waiting', message: string, next: string) {
    super(message);
    this.status = status;
    this.next = next;
  }
}
