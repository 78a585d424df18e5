// The census comparison as a Markdown table for the job summary: one row per group, mismatches first.
import { escapeMarkdown } from './markdown.ts';
import type { CensusDiff, DiffRow } from '../core/migration/census.ts';

function fmtDelta(d: number): string {
  return d > 0 ? `+${d}` : d < 0 ? `−${-d}` : '0';
}

const VERDICT_TEXT: Record<DiffRow['verdict'], string> = {
  ok: 'ok',
  lost: '**lost**',
  volatile: 'volatile (not checked)',
  new: 'new',
};

/** The census table, mismatches first. Group names come from etcd keys: escaped. */
export function renderCensusTable(diff: CensusDiff): string {
  const lines = ['| Group | Before | After | Delta | Verdict |', '| --- | ---: | ---: | ---: | --- |'];
  for (const r of diff.rows) {
    lines.push(
      `| ${escapeMarkdown(r.group)} | ${r.before} | ${r.after} | ${fmtDelta(r.delta)} | ${VERDICT_TEXT[r.verdict]} |`,
    );
  }
  const total = (k: 'before' | 'after') => diff.rows.reduce((s, r) => s + r[k], 0);
  const tb = total('before');
  const ta = total('after');
  lines.push(
    `| **Total** | ${tb} | ${ta} | ${fmtDelta(ta - tb)} | ${diff.ok ? 'ok' : `**${diff.lost.length} group(s) lost keys**`} |`,
  );
  return lines.join('\n');
}
