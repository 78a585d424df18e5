// The census comparison for the job summary: groups that lost or changed keys open and first,
// the groups that match folded away, and one line that says whether every group matches.
import { codeSpan } from './markdown.ts';
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

const HEADER = ['| Group | Before | After | Delta | Verdict |', '| --- | ---: | ---: | ---: | --- |'];

/** Group names come from etcd keys: code spans, so they read as written and cannot break the table. */
function row(r: DiffRow): string {
  return `| ${codeSpan(r.group, { inTable: true })} | ${r.before} | ${r.after} | ${fmtDelta(r.delta)} | ${VERDICT_TEXT[r.verdict]} |`;
}

function totalRow(diff: CensusDiff): string {
  const total = (k: 'before' | 'after') => diff.rows.reduce((s, r) => s + r[k], 0);
  const tb = total('before');
  const ta = total('after');
  return `| **Total** | ${tb} | ${ta} | ${fmtDelta(ta - tb)} | ${diff.ok ? 'ok' : `**${diff.lost.length} group(s) lost keys**`} |`;
}

/** A group whose count moved is shown open (a lost group's count always fell); one with equal counts is folded. */
const changed = (r: DiffRow): boolean => r.delta !== 0;

/** The census table: every row, mismatches first, and the totals. */
export function renderCensusTable(diff: CensusDiff): string {
  return [...HEADER, ...diff.rows.map(row), totalRow(diff)].join('\n');
}

/**
 * The census for a reader: when every group matches, one line and the table folded; otherwise
 * the groups that lost or changed keys in an open table first, then the matching ones folded.
 */
export function renderCensusBlock(diff: CensusDiff): string {
  const open = diff.rows.filter(changed);
  const same = diff.rows.filter((r) => !changed(r));
  const plural = (n: number) => `${n} group${n === 1 ? '' : 's'}`;
  if (open.length === 0) {
    const keys = same.reduce((s, r) => s + r.before, 0);
    return [
      `✅ All ${plural(same.length)} match: ${keys} keys before and after.`,
      '',
      `<details><summary>Key counts of all ${plural(same.length)}</summary>`,
      '',
      renderCensusTable(diff),
      '',
      '</details>',
    ].join('\n');
  }
  const lost = diff.lost.length;
  const out = [
    lost > 0
      ? `❌ **${plural(lost)} lost keys**; ${plural(open.length)} changed in all, ${plural(same.length)} match.`
      : `✅ No group lost keys; ${plural(open.length)} changed (grown, new or volatile), ${plural(same.length)} match.`,
    '',
    ...HEADER,
    ...open.map(row),
    totalRow(diff),
  ];
  if (same.length > 0) {
    out.push(
      '',
      `<details><summary>${plural(same.length)} with the same count before and after</summary>`,
      '',
      ...HEADER,
      ...same.map(row),
      '',
      '</details>',
    );
  }
  return out.join('\n');
}
