// The step outputs of a run, from its report and rendered summary. Pure; the runner sets them.
import type { RunReport } from './report.ts';

/** `backupHere`: the snapshot file is on this runner (a resumed run's record may name another runner's). */
export function actionOutputs(r: RunReport, summary: string, backupHere: boolean): Record<string, string> {
  return {
    status: r.status,
    phase: r.phase,
    'log-line': r.logLine ?? '',
    'values-file': r.values.find((v) => v.file)?.file ?? '',
    'values-file-phase-one': r.values.find((v) => v.label === 'Values phase one')?.file ?? '',
    'values-file-phase-two': r.values.find((v) => v.label === 'Values phase two')?.file ?? '',
    'leftover-pvcs': JSON.stringify(r.leftoverPvcs),
    'keys-before': r.keysBefore === undefined ? '' : String(r.keysBefore),
    'keys-after': r.keysAfter === undefined ? '' : String(r.keysAfter),
    'key-diff': JSON.stringify(r.diff?.rows ?? []),
    'backup-file': backupHere ? (r.backup?.file ?? '') : '',
    'backup-sha256': r.backup?.sha256 ?? '',
    'backup-revision': r.backup ? String(r.backup.revision) : '',
    'summary-markdown': summary,
  };
}
