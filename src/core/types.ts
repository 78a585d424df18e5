// Types shared between the core and the adapters. No logic here.

export type Phase = 'plan' | 'migrate' | 'finalize' | 'abort' | 'status';

/** One census of an etcd: key counts per group at one revision. */
export interface Census {
  /** The etcd revision every count was read at. */
  revision: number;
  total: number;
  /** Group prefix (see census.ts groupOf) to key count. */
  groups: Record<string, number>;
  /** Which etcd: 'deployed' (pod <release>-etcd-0) or 'embedded' (pod <release>-0). */
  store: 'deployed' | 'embedded';
  /** How it was read: through a port-forward to the pod, or etcdctl run by exec in the pod. */
  path: 'port-forward' | 'exec';
  takenAt: string;
}

export type DiffVerdict = 'ok' | 'lost' | 'volatile' | 'new';

export interface DiffRow {
  group: string;
  before: number;
  after: number;
  delta: number;
  volatile: boolean;
  verdict: DiffVerdict;
}

export interface CensusDiff {
  rows: DiffRow[];
  /** Non-volatile groups with fewer keys after than before. */
  lost: DiffRow[];
  ok: boolean;
}

export interface BackupRecord {
  file: string;
  bytes: number;
  sha256: string;
  revision: number;
  keys: number;
}

/** What the PR comment and the job summary both show. Rendered by report.ts and comment-render.ts. */
export interface StatusReport {
  release: string;
  namespace: string;
  phase: Phase;
  /** 'succeeded' | 'failed' | 'refused' | 'no-op' | 'planned' | 'waiting' */
  status: string;
  /** One line a person reads first. */
  headline: string;
  keysBefore?: number;
  keysAfter?: number;
  diff?: CensusDiff;
  /** What to do next, Markdown-free text. */
  next: string;
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
