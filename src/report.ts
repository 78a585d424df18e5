// The run's report: built up by the phases, rendered as the job summary. Rendering is pure.
import type { Check } from './preflight.ts';
import type { StatusReport } from './types.ts';
import { escapeMarkdown, codeSpan } from './markdown.ts';
import { renderCensusTable } from './census-table.ts';

export interface StepRecord {
  name: string;
  ms: number;
  state: 'ok' | 'failed' | 'skipped';
  note?: string;
}

export interface RunReport extends StatusReport {
  checks: Check[];
  steps: StepRecord[];
  values: { label: string; yaml: string; file?: string }[];
  logLine?: string;
  leftoverPvcs: string[];
  deleteCommand?: string;
  /** Evidence lines for a failure: log lines, pod state, events. */
  details: string[];
  warnings: string[];
  restore?: string;
  approvers?: string[];
}

/** Said in bold in the summary and the PR comment whenever phase one rests on the key counts alone. */
export const LOST_LOG_LINE_NOTE = 'The success log line was not read: the pod that ran the copy was replaced and its log is gone; equal key counts of both etcds were accepted as the proof instead (accept-lost-log-line: true).';

export function newReport(release: string, namespace: string, phase: RunReport['phase']): RunReport {
  return { release, namespace, phase, status: 'failed', headline: '', next: '', checks: [], steps: [], values: [], leftoverPvcs: [], details: [], warnings: [] };
}

const ICON: Record<string, string> = { passed: '✅', failed: '❌', skipped: '⏭️', ok: '✅' };

/** Keys whose values must not reach a summary (user values can hold credentials). */
const SECRET_KEY = /(pass(word)?|secret|token|private|credential|\bkey\b|apikey|cert)/i;

const indentOf = (line: string): number => /^\s*/.exec(line)![0].length;

/**
 * Redacts the values of secret-named keys, including the lines that continue them (block
 * scalars like `key: |`, and long plain strings the YAML writer folds), and any PEM block.
 */
export function redactValuesYaml(yaml: string): string {
  const out: string[] = [];
  const lines = yaml.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = /^(\s*-?\s*)([A-Za-z0-9_.-]+):\s+(\S.*)$/.exec(line);
    if (!m || !SECRET_KEY.test(m[2]!)) {
      out.push(line);
      continue;
    }
    out.push(`${m[1]}${m[2]}: "<redacted>"`);
    // Lines indented deeper than the key (or blank) still belong to its value.
    const keyIndent = m[1]!.length;
    while (i + 1 < lines.length && (lines[i + 1]!.trim() === '' ? i + 2 < lines.length && indentOf(lines[i + 2]!) > keyIndent : indentOf(lines[i + 1]!) > keyIndent)) i++;
  }
  return out.join('\n').replace(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?(-----END \1-----|$)/g, '<redacted PEM block>');
}

export function renderSummary(r: RunReport): string {
  const out: string[] = [];
  const who = `${codeSpan(r.release)} in ${codeSpan(r.namespace)}`;
  out.push(`## vCluster etcd migration: ${escapeMarkdown(r.phase)} ${r.status === 'succeeded' || r.status === 'planned' || r.status === 'no-op' ? '✅' : r.status === 'waiting' ? '⏳' : '❌'}`);
  out.push('', `Release ${who}: **${escapeMarkdown(r.status)}**. ${escapeMarkdown(r.headline)}`);
  if (r.approvalBypassed) out.push('', '**Phase two ran WITHOUT a verified approval (require-approval: false).**');
  if (r.lostLogLine !== undefined) out.push('', `**${LOST_LOG_LINE_NOTE}**`);
  if (r.backupSkipReason !== undefined) out.push('', `**No backup was taken: ${escapeMarkdown(r.backupSkipReason)}**`);
  for (const w of r.warnings) out.push('', `> ⚠️ ${escapeMarkdown(w)}`);
  if (r.next) out.push('', `**Next:** ${escapeMarkdown(r.next)}`);
  if (r.details.length > 0) {
    out.push('', '<details open><summary>What the cluster showed</summary>', '', '```text', ...r.details.map((d) => d.replace(/```/g, "'''")), '```', '</details>');
  }
  if (r.diff) {
    out.push('', '### Key counts per resource', '', `Before: **${r.keysBefore ?? '?'}** keys, after: **${r.keysAfter ?? '?'}** keys. ${r.diff.ok ? 'No group lost keys.' : `**${r.diff.lost.length} group(s) lost keys.**`}`, '', renderCensusTable(r.diff));
  } else if (r.keysBefore !== undefined || r.keysAfter !== undefined) {
    out.push('', `Keys: before ${r.keysBefore ?? '?'}, after ${r.keysAfter ?? '?'}.`);
  }
  if (r.logLine) out.push('', `Log line: ${codeSpan(r.logLine)}`);
  if (r.approvers && r.approvers.length > 0) out.push('', `Approved by: ${r.approvers.map((a) => codeSpan(a)).join(', ')}`);
  if (r.checks.length > 0) {
    out.push('', '### Preflight', '', '| check | result | why |', '| --- | --- | --- |');
    for (const c of r.checks) out.push(`| ${escapeMarkdown(c.name)} | ${ICON[c.state]} ${c.state} | ${escapeMarkdown(c.reason)} |`);
  }
  if (r.steps.length > 0) {
    out.push('', '### Steps', '', '| step | result | time | note |', '| --- | --- | --- | --- |');
    for (const s of r.steps) out.push(`| ${escapeMarkdown(s.name)} | ${ICON[s.state] ?? ''} ${s.state} | ${(s.ms / 1000).toFixed(1)}s | ${escapeMarkdown(s.note ?? '')} |`);
  }
  if (r.backup) {
    out.push('', '### Backup', '', `Snapshot ${codeSpan(r.backup.file)}: ${r.backup.bytes} bytes, revision ${r.backup.revision}, ${r.backup.keys} keys, sha256 ${codeSpan(r.backup.sha256)}.`);
  }
  if (r.restore) out.push('', '<details><summary>How to restore from the snapshot</summary>', '', r.restore, '</details>');
  if (r.leftoverPvcs.length > 0) {
    out.push('', '### Leftover PVCs of the deployed etcd', '', r.leftoverPvcs.map((p) => `- ${codeSpan(p)}`).join('\n'));
    if (r.deleteCommand) out.push('', 'They hold the old etcd data. Delete them only when you are sure:', '', '```sh', r.deleteCommand, '```');
  }
  for (const v of r.values) {
    out.push('', `<details><summary>${escapeMarkdown(v.label)}</summary>`, '', '```yaml', redactValuesYaml(v.yaml).replace(/```/g, "'''"), '```', '</details>');
  }
  if (r.runUrl) out.push('', `[Workflow run](${r.runUrl})`);
  return out.join('\n') + '\n';
}
