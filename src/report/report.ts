// The run's report: the model the phases fill. summary.ts renders it as the job summary,
// comment-render.ts as the PR comment; values-view.ts decides what of the Helm values it may hold.
import type { Check } from '../core/migration/preflight.ts';
import { escapeMarkdown } from './markdown.ts';
import type { StatusReport } from '../core/types.ts';
import type { ValuesView } from './values-view.ts';

export interface StepRecord {
  name: string;
  ms: number;
  state: 'ok' | 'failed' | 'skipped';
  note?: string;
}

export interface RunReport extends StatusReport {
  checks: Check[];
  steps: StepRecord[];
  /** Never the full values: only what values-view.ts lets through, or a note. */
  values: (ValuesView | { label: string; note: string; file?: string })[];
  logLine?: string;
  leftoverPvcs: string[];
  /** Evidence lines for a failure: log lines, pod state, events. */
  details: string[];
  warnings: string[];
  restore?: string;
  approvers?: string[];
  /** Phase abort's account (the case, the etcd kept, what is left), or what abort would do (plan, status). */
  wayBack?: { title: string; lines: string[] };
}

/** Said in bold in the summary and the PR comment whenever phase one rests on the key counts alone. */
export const LOST_LOG_LINE_NOTE =
  'The success log line was not read: the pod that ran the copy was replaced and its log is gone; equal key counts of both etcds were accepted as the proof instead (accept-lost-log-line: true).';

/**
 * What the summary and the PR comment both say in bold, each a Markdown line: a run that went on
 * although a safeguard was off or bypassed.
 */
export function boldNotes(r: StatusReport): string[] {
  return [
    r.approvalBypassed
      ? `${r.phase === 'abort' ? 'The abort' : 'Phase two'} ran WITHOUT a verified approval (require-approval: false).`
      : undefined,
    r.lostLogLine !== undefined ? LOST_LOG_LINE_NOTE : undefined,
    r.newerChartLine !== undefined ? escapeMarkdown(r.newerChartLine) : undefined,
    r.backupSkipReason !== undefined ? `No backup was taken: ${escapeMarkdown(r.backupSkipReason)}` : undefined,
    r.gitopsPaused !== undefined ? escapeMarkdown(r.gitopsPaused) : undefined,
  ]
    .filter((x) => x !== undefined)
    .map((x) => `**${x}**`);
}

export function newReport(release: string, namespace: string, phase: RunReport['phase']): RunReport {
  return {
    release,
    namespace,
    phase,
    status: 'failed',
    headline: '',
    next: '',
    checks: [],
    steps: [],
    values: [],
    leftoverPvcs: [],
    details: [],
    warnings: [],
  };
}
