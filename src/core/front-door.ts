// What a run needs from the way it was started, the action or the command line: where its log goes,
// who holds the lock, how phase two's approval is verified, and where the outputs and the summary go.
// Types only.
import type { ApprovalVerdict } from './migration/approval.ts';
import type { RunReport } from '../report/report.ts';

export interface Logger {
  info(msg: string): void;
  warning(msg: string): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export interface Approvals {
  verify(environment: string, requireApproval: boolean): Promise<ApprovalVerdict>;
  /** How a person gives phase two's approval, said as the next step after phase one. */
  howToApprove(environment: string | undefined): string;
}

/** How a run ended: its status, the summary as Markdown, the outputs, and the failure line when it stopped. */
export interface RunEnd {
  status: string;
  /** The release phases' report (discover has none). */
  report?: RunReport;
  /** '' when the run ended before it had one. */
  summary: string;
  outputs: Record<string, string>;
  failure?: string;
}

export interface FrontDoor {
  log: Logger;
  /** Holds the lock and names the run in the state record's history. */
  runId: string;
  runUrl?: string;
  /** Where the run's private files (values, kubeconfig) and, by default, the snapshot go. */
  tempDir: string;
  approvals: Approvals;
  /** Said in the log and the summary's warnings at the start of the run. */
  warnings: string[];
  finish(end: RunEnd): Promise<void>;
}

/** What phase discover needs: it holds no lock and needs no approval. */
export type FleetFrontDoor = Pick<FrontDoor, 'log' | 'runUrl' | 'tempDir' | 'finish'>;
