// The fleet's matrix: the releases the next phase runs on, in the shape GitHub's `strategy.matrix`
// takes, paged at GitHub's limit of 256 jobs. Pure.
import { releaseKey } from './grouping.ts';
import type { FleetEntry, FleetState } from './classification.ts';

export type NextPhase = 'migrate' | 'finalize';

export interface MatrixEntry {
  release: string;
  namespace: string;
  'chart-version': string;
}

export interface FleetMatrix {
  matrix: { include: MatrixEntry[] };
  /** Releases the next phase should run on that did not fit into this page. */
  left: number;
}

/** GitHub expands a matrix into at most 256 jobs. */
export const MATRIX_MAX = 256;

/** Which states the next phase runs on: migrate starts deployed and resumes migrating releases; finalize takes verified ones. */
export function matrixStates(next: NextPhase): FleetState[] {
  return next === 'migrate' ? ['migrating', 'deployed'] : ['verified'];
}

/** The next phase's matrix, at most `max` releases, those already under way first, each release once. */
export function fleetMatrix(entries: FleetEntry[], next: NextPhase, max: number): FleetMatrix {
  const states = matrixStates(next);
  const seen = new Set<string>();
  const eligible = entries
    .filter((e) => states.includes(e.state) && e.target !== undefined)
    .filter((e) => !seen.has(releaseKey(e.namespace, e.release)) && seen.add(releaseKey(e.namespace, e.release)))
    .sort(
      (a, b) =>
        states.indexOf(a.state) - states.indexOf(b.state) ||
        a.namespace.localeCompare(b.namespace) ||
        a.release.localeCompare(b.release),
    );
  const page = eligible.slice(0, Math.min(max, MATRIX_MAX));
  return {
    matrix: { include: page.map((e) => ({ release: e.release, namespace: e.namespace, 'chart-version': e.target! })) },
    left: eligible.length - page.length,
  };
}
