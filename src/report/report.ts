// The run's report: the phase's outcome and the evidence the phase gathered on the way. It is
// rendered as the job summary and as the PR comment; only a values view may hold Helm values.
import type { Check } from '../core/migration/preflight.ts';
import { escapeMarkdown } from './markdown.ts';
import type { Phase } from '../core/inputs/config.ts';
import type { BackupRecord } from '../core/migration/state.ts';
import type { CensusDiff } from '../core/migration/census.ts';
import type { ValuesView } from './values-view.ts';

export type RunStatus = 'succeeded' | 'failed' | 'refused' | 'no-op' | 'planned' | 'waiting';

/** How a phase ended: what a person reads first, and what to do next. */
export interface Outcome {
  status: RunStatus;
  /** One line a person reads first. */
  headline: string;
  /** What to do next, Markdown-free text. */
  next: string;
}

/** What the PR comment and the job summary both show. */
export interface StatusReport extends Outcome {
  release: string;
  namespace: string;
  phase: Phase;
  keysBefore?: number;
  keysAfter?: number;
  diff?: CensusDiff;
  runUrl?: string;
  /** Set when phase two ran with require-approval: false. */
  approvalBypassed?: boolean;
  /** Set when phase one's proof is the key counts because the success line's pod was replaced: why. */
  lostLogLine?: string;
  /** Set when the chart line is newer than the action knows (allow-newer-chart-line): said in bold. */
  newerChartLine?: string;
  /** Set when the backup was skipped: the reason given. */
  backupSkipReason?: string;
  backup?: BackupRecord;
  /** Set when a GitOps-managed release went ahead on gitops-paused: true (said in bold). */
  gitopsPaused?: string;
}

export interface StepRecord {
  name: string;
  ms: number;
  /** refused: the step stopped the phase before any change (a check said no), not an error. */
  state: 'ok' | 'failed' | 'refused' | 'skipped';
  note?: string;
}

export interface RunReport extends StatusReport {
  checks: Check[];
  steps: StepRecord[];
  /** Never the full values: only what a values view lets through, or a note. */
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

/** What a phase adds to the report on its way: everything but the outcome, which it returns. */
export type Evidence = Omit<RunReport, keyof Outcome>;

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
