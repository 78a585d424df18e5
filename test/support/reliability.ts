// The reliability record: each fault or hostile-input test appends one row saying what it did to
// the action, what the action did and how much data was lost. scripts/reliability-table.ts turns
// the rows of a test run into the README's Reliability table.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface ScenarioRecord {
  /** Short name, unique across the suite: "newline in input release". Later rows replace earlier ones of the same name. */
  scenario: string;
  /** What the test did to the action or the cluster. */
  done: string;
  /** What the action did, as a user sees it: "refused: input 'release' ... is not a DNS-1123 label". */
  action: string;
  /** "none", or what was lost. */
  dataLost: string;
  /** Table section, e.g. "Hostile input" or "Faults"; default "Other". */
  group?: string;
}

/** One JSON object per line; RELIABILITY_LOG overrides the place (the table script's own tests). */
export const RELIABILITY_LOG =
  process.env.RELIABILITY_LOG ?? join(import.meta.dirname, '../../.sandbox/reliability.jsonl');

/** Appends one row. A single short append is atomic, so parallel test files can record at once. */
export function recordScenario(record: ScenarioRecord): void {
  for (const field of ['scenario', 'done', 'action', 'dataLost'] as const) {
    if (typeof record[field] !== 'string' || record[field].trim() === '') {
      throw new Error(
        `recordScenario: '${field}' is empty; every row says what was done, what the action did and what data was lost`,
      );
    }
  }
  mkdirSync(dirname(RELIABILITY_LOG), { recursive: true });
  appendFileSync(RELIABILITY_LOG, JSON.stringify({ ...record, recordedAt: new Date().toISOString() }) + '\n');
}
