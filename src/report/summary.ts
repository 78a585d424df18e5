// The job summary: the run's report as Markdown. Pure. Every value from users or the cluster is
// escaped; of the Helm values only the keys the migration sets are shown (a values view).
import { stringify } from 'yaml';
import { escapeMarkdown, codeSpan, fitSummary } from './markdown.ts';
import { renderCensusBlock } from './census-table.ts';
import { contentHeadline, renderContentTable } from './content-table.ts';
import { procedureLine, renderProcedureDiagram } from './procedure-diagram.ts';
import { boldNotes, type RunReport } from './report.ts';
import type { InputProblem } from '../core/inputs/input-reader.ts';

const ICON: Record<string, string> = { passed: '✅', failed: '❌', refused: '⛔', skipped: '⏭️', ok: '✅' };

export function renderSummary(r: RunReport): string {
  const out: string[] = [];
  const who = `${codeSpan(r.release)} in ${codeSpan(r.namespace)}`;
  out.push(
    `## vCluster etcd migration: ${escapeMarkdown(r.phase)} ${r.status === 'succeeded' || r.status === 'planned' || r.status === 'no-op' ? '✅' : r.status === 'waiting' ? '⏳' : '❌'}`,
  );
  out.push('', `Release ${who}: **${escapeMarkdown(r.status)}**. ${escapeMarkdown(r.headline)}`);
  for (const note of boldNotes(r)) out.push('', note);
  for (const w of r.warnings) out.push('', `> ⚠️ ${escapeMarkdown(w)}`);
  if (r.next) out.push('', `**Next:** ${escapeMarkdown(r.next)}`);
  out.push(...procedure(r));
  if (r.details.length > 0) {
    out.push(
      '',
      '<details open><summary>What the cluster showed</summary>',
      '',
      '```text',
      ...r.details.map((d) => d.replace(/```/g, "'''")),
      '```',
      '</details>',
    );
  }
  if (r.diff) {
    out.push(
      '',
      '### Key counts per resource',
      '',
      `Before: **${r.keysBefore ?? '?'}** keys, after: **${r.keysAfter ?? '?'}** keys.`,
      '',
      renderCensusBlock(r.diff),
    );
  } else if (r.keysBefore !== undefined || r.keysAfter !== undefined) {
    out.push('', `Keys: before ${r.keysBefore ?? '?'}, after ${r.keysAfter ?? '?'}.`);
  }
  if (r.content) {
    out.push('', '### Keys and values per resource', '', contentHeadline(r.content), '', renderContentTable(r.content));
  }
  if (r.wayBack) {
    out.push('', `### ${escapeMarkdown(r.wayBack.title)}`, '', ...r.wayBack.lines.map((l) => `- ${escapeMarkdown(l)}`));
  }
  if (r.logLine) out.push('', `Log line: ${codeSpan(r.logLine)}`);
  if (r.approvers && r.approvers.length > 0)
    out.push('', `Approved by: ${r.approvers.map((a) => codeSpan(a)).join(', ')}`);
  if (r.checks.length > 0) {
    out.push('', '### Preflight', '', '| check | result | why |', '| --- | --- | --- |');
    for (const c of r.checks)
      out.push(`| ${escapeMarkdown(c.name)} | ${ICON[c.state]} ${c.state} | ${escapeMarkdown(c.reason)} |`);
  }
  if (r.steps.length > 0) {
    out.push('', '### Steps', '', '| step | result | time | note |', '| --- | --- | --- | --- |');
    for (const s of r.steps)
      out.push(
        `| ${escapeMarkdown(s.name)} | ${ICON[s.state] ?? ''} ${s.state} | ${(s.ms / 1000).toFixed(1)}s | ${escapeMarkdown(s.note ?? '')} |`,
      );
  }
  if (r.backup) {
    out.push(
      '',
      '### Backup',
      '',
      `Snapshot ${codeSpan(r.backup.file)}: ${r.backup.bytes} bytes, revision ${r.backup.revision}, ${r.backup.keys} keys, sha256 ${codeSpan(r.backup.sha256)}.`,
    );
  }
  if (r.restore)
    out.push('', '<details><summary>How to restore from the snapshot</summary>', '', r.restore, '</details>');
  if (r.leftoverPvcs.length > 0) {
    out.push(
      '',
      '### Leftover PVCs of the deployed etcd',
      '',
      r.leftoverPvcs.map((p) => `- ${codeSpan(p)}`).join('\n'),
    );
    out.push(
      '',
      'They hold the old etcd data. Delete them only when you are sure:',
      '',
      '```sh',
      `kubectl delete pvc --namespace ${r.namespace} ${r.leftoverPvcs.join(' ')}`,
      '```',
    );
  }
  for (const v of r.values) out.push('', ...renderValues(v));
  if (r.runUrl) out.push('', `[Workflow run](${r.runUrl})`);
  return fitSummary(out.join('\n') + '\n');
}

/** The procedure in words (for screen readers and chat) and as a diagram; nothing for a run that does not move it. */
export function procedure(r: RunReport): string[] {
  const diagram = renderProcedureDiagram(r);
  return diagram ? ['', escapeMarkdown(procedureLine(r)), '', diagram] : [];
}

export function renderValues(v: RunReport['values'][number]): string[] {
  const where = v.file ? ` The full values are in ${codeSpan(v.file)} (mode 0600) on the runner.` : '';
  const head = [`<details><summary>${escapeMarkdown(v.label)}</summary>`, ''];
  if ('note' in v) return [...head, escapeMarkdown(v.note) + where, '</details>'];
  const yaml = Object.keys(v.set).length > 0 ? stringify(v.set, { sortMapEntries: true }).trimEnd() : '# (none)';
  return [
    ...head,
    'The keys the migration sets:',
    '',
    '```yaml',
    yaml.replace(/```/g, "'''"),
    '```',
    '',
    `Not shown: the release's own values, carried unchanged (${v.rest.leaves} value${v.rest.leaves === 1 ? '' : 's'}); ` +
      `their digest is ${codeSpan(v.rest.digest)}.${where}`,
    '</details>',
  ];
}

/** The job summary of a run refused for its inputs: each problem names the input, what is wrong and what is right. */
export function renderInputRefusal(problems: readonly InputProblem[]): string {
  const rows = problems.map(
    (p) => `| ${codeSpan(p.input, { inTable: true })} | ${escapeMarkdown(p.problem)} | ${escapeMarkdown(p.expected)} |`,
  );
  return fitSummary(
    [
      '## vCluster etcd migration: refused ❌',
      '',
      `**refused**: ${problems.length} input${problems.length === 1 ? ' is' : 's are'} not valid; nothing was changed.`,
      '',
      '| input | what is wrong | expected |',
      '| --- | --- | --- |',
      ...rows,
      '',
    ].join('\n'),
  );
}
