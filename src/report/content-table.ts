// The content proof as a Markdown table for the job summary: one row per group, differing groups first.
import { escapeMarkdown } from './markdown.ts';
import type { ContentDiff, ContentRow } from '../core/migration/content-proof.ts';

const VERDICT_TEXT: Record<ContentRow['verdict'], string> = {
  same: '✅',
  differs: '❌',
  'more-in-embedded': 'new keys',
  volatile: 'volatile (counted only)',
};

/** Group names and keys come from etcd: escaped. Never a value. */
export function renderContentTable(c: ContentDiff): string {
  const lines = [
    `Read at revision ${c.deployedRevision} of the deployed etcd and ${c.embeddedRevision} of the embedded etcd.`,
    '',
    '| Group | Deployed | Embedded | Content | |',
    '| --- | ---: | ---: | --- | --- |',
  ];
  for (const r of c.rows)
    lines.push(
      `| ${escapeMarkdown(r.group)} | ${r.deployed} | ${r.embedded} | ${escapeMarkdown(r.text)} | ${VERDICT_TEXT[r.verdict]} |`,
    );
  return lines.join('\n');
}

/** One line for the summary's heading: all the same, or how many groups differ. */
export function contentHeadline(c: ContentDiff): string {
  return c.ok
    ? 'Every group that is not volatile has the same keys and values in both etcds.'
    : `**${c.differing.length} group(s) have other keys or values in the embedded etcd.**`;
}
