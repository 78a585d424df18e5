// The status comment's Markdown: the marker that names its subject, the body from the run's
// report, and the cut to GitHub's size limit. The GitHub adapter writes it to the pull request.
import { codeSpan, escapeMarkdown, link } from './markdown.ts';
import { boldNotes, type RunReport, type StatusReport } from './report.ts';
import { procedure, renderValues } from './summary.ts';

/** GitHub refuses comment bodies longer than this many characters. */
export const MAX_COMMENT_LENGTH = 65_536;

/**
 * The hidden marker naming the comment's subject. Values are percent-encoded, so neither `-->`
 * nor a space or line break in them can end the HTML comment or blur two subjects together.
 */
export function statusMarker(release: string, namespace: string): string {
  const enc = (v: string) =>
    encodeURIComponent(v).replace(/[!'()*~-]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `<!-- vcluster-etcd-migrate release=${enc(release)} namespace=${enc(namespace)} -->`;
}

/** The full comment body: marker first (a quoted copy in someone's reply does not start with it). */
export function markedBody(marker: string, body: string): string {
  const full = `${marker}\n${body}`;
  if (full.length <= MAX_COMMENT_LENGTH) return full;
  const note = '\n\n*(Truncated: the full report is in the job summary.)*';
  return full.slice(0, MAX_COMMENT_LENGTH - note.length) + note;
}

const STATUS_WORD: Record<string, string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  refused: 'refused',
  'no-op': 'nothing to do',
  planned: 'planned',
  waiting: 'waiting',
};

function count(n: number | undefined): string {
  return n === undefined ? 'not measured' : n.toLocaleString('en-US');
}

/** The comment's Markdown (without the marker). Every value from the report is escaped. */
export function renderStatusComment(report: StatusReport | RunReport): string {
  const lines: string[] = [];
  lines.push(`### vCluster etcd migration: ${codeSpan(report.release)} in ${codeSpan(report.namespace)}`, '');
  for (const note of boldNotes(report)) lines.push(note, '');
  lines.push(escapeMarkdown(report.headline), '');
  const status = STATUS_WORD[report.status] ?? report.status;
  lines.push('| | |', '|---|---|');
  lines.push(`| Phase | ${codeSpan(report.phase, { inTable: true })} |`);
  lines.push(`| Status | **${escapeMarkdown(status)}** |`);
  lines.push(`| Keys before | ${count(report.keysBefore)} |`);
  lines.push(`| Keys after | ${count(report.keysAfter)} |`);
  if (report.backup) {
    const b = report.backup;
    lines.push(
      `| Backup | revision ${b.revision}, ${count(b.keys)} keys, ${count(b.bytes)} bytes, sha256 ${codeSpan(b.sha256.slice(0, 16), { inTable: true })} |`,
    );
  }
  lines.push('');
  const lost = report.diff?.lost ?? [];
  if (lost.length > 0) {
    const shown = lost.slice(0, 50);
    lines.push(`**${lost.length} group${lost.length === 1 ? '' : 's'} lost keys:**`, '');
    lines.push('| Group | Before | After | Delta |', '|---|--:|--:|--:|');
    for (const row of shown) {
      lines.push(
        `| ${codeSpan(row.group, { inTable: true })} | ${count(row.before)} | ${count(row.after)} | ${row.delta.toLocaleString('en-US')} |`,
      );
    }
    if (lost.length > shown.length)
      lines.push('', `… and ${lost.length - shown.length} more groups (see the job summary).`);
    lines.push('');
  } else if (report.diff) {
    lines.push(`No group lost keys (${report.diff.rows.length} groups compared).`, '');
  }
  lines.push(`**Next:** ${escapeMarkdown(report.next)}`);
  if ('steps' in report) {
    // What the headline speaks of: the procedure and the values the phase applies (or would).
    lines.push(...procedure(report));
    for (const v of report.values) lines.push('', ...renderValues(v));
  }
  if (report.runUrl) lines.push('', link('Workflow run', report.runUrl));
  return lines.join('\n') + '\n';
}
