// The job summary of discover: counts per state on top, then one row per release, the ones that
// need a person first. Pure; every value from the cluster is escaped.
import { codeSpan, escapeMarkdown, fitSummary } from './markdown.ts';
import { FLEET_STATES, type FleetEntry, type FleetState } from '../core/fleet/classification.ts';
import type { NextPhase } from '../core/fleet/matrix.ts';
import type { CampaignView } from '../core/fleet/campaign.ts';
import { campaignSection } from './campaign-summary.ts';

/** A summary holds at most 1 MiB: rows beyond these are left to the fleet file. */
const MAX_ROWS = 500;

const ICON: Record<FleetState, string> = {
  deployed: '🟦',
  migrating: '⏳',
  verified: '🟨',
  embedded: '✅',
  'not-eligible': '⛔',
};

export interface FleetSummaryInput {
  entries: FleetEntry[];
  counts: Record<FleetState, number>;
  next: NextPhase;
  matrixSize: number;
  left: number;
  /** What was read, e.g. "all namespaces" or "namespaces a, b". */
  scope: string;
  notes: string[];
  runUrl?: string;
  campaign?: CampaignView;
}

const num = (n: number | undefined): string => (n === undefined ? '' : String(n));

/** Releases per state as a Mermaid pie (states with none left out); the table below says the same in words. */
function fleetChart(counts: Record<FleetState, number>): string[] {
  const shown = FLEET_STATES.filter((s) => counts[s] > 0);
  if (shown.length === 0) return [];
  return [
    '',
    '```mermaid',
    'pie showData',
    '  accTitle: vCluster releases per state',
    `  accDescr: ${shown.map((s) => `${s} ${counts[s]}`).join(', ')}`,
    '  title Releases per state',
    ...shown.map((s) => `  "${s}" : ${counts[s]}`),
    '```',
  ];
}

export function renderFleetSummary(i: FleetSummaryInput): string {
  const out: string[] = [];
  const attention = i.entries.filter((e) => e.attention).length;
  const icon = i.campaign ? ({ running: '⏳', stopped: '⛔', complete: '✅' } as const)[i.campaign.state] : undefined;
  out.push(`## vCluster fleet: discover ${icon ?? (attention > 0 ? '⚠️' : '✅')}`);
  if (i.campaign) out.push(...campaignSection(i.campaign));
  out.push(
    '',
    `${i.entries.length} vCluster release${i.entries.length === 1 ? '' : 's'} in ${escapeMarkdown(i.scope)}; ${attention} need${attention === 1 ? 's' : ''} a person.`,
  );
  out.push(...fleetChart(i.counts));
  out.push(
    '',
    '| state | releases |',
    '| --- | --- |',
    ...FLEET_STATES.map((s) => `| ${ICON[s]} ${s} | ${i.counts[s]} |`),
  );
  out.push(
    '',
    `**Matrix for ${i.next}:** ${i.matrixSize} release${i.matrixSize === 1 ? '' : 's'}${i.left > 0 ? `; **${i.left} more** wait for ${i.campaign ? 'later batches of the campaign' : 'the next run (max-releases)'}` : ''}.`,
  );
  for (const n of i.notes) out.push('', `> ${escapeMarkdown(n)}`);
  if (i.entries.length > 0) {
    out.push(
      '',
      '| | release | namespace | state | chart | keys before | keys after | why | next step |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const e of i.entries.slice(0, MAX_ROWS)) {
      const chart =
        e.chart && e.target && e.target !== e.chart && e.state === 'deployed'
          ? `${e.chart} → ${e.target}`
          : (e.chart ?? '?');
      out.push(
        `| ${e.attention ? '👤' : ''} | ${codeSpan(e.release, { inTable: true })} | ${codeSpan(e.namespace, { inTable: true })} | ${ICON[e.state]} ${e.state} | ${escapeMarkdown(chart)} | ${num(e.keysBefore)} | ${num(e.keysAfter)} | ${escapeMarkdown(e.reason)} | ${escapeMarkdown(e.next)} |`,
      );
    }
    if (i.entries.length > MAX_ROWS)
      out.push('', `${i.entries.length - MAX_ROWS} more releases are in the fleet file (output \`fleet-file\`).`);
  }
  if (i.runUrl) out.push('', `[Workflow run](${i.runUrl})`);
  return fitSummary(out.join('\n') + '\n');
}

/** The job summary of a discover run that stopped before it had a fleet: what stopped it and what to do. */
export function renderFleetStop(i: {
  status: 'refused' | 'failed';
  headline: string;
  next: string;
  runUrl?: string;
}): string {
  return fitSummary(
    [
      '## vCluster fleet: discover ❌',
      '',
      `**${i.status}**: ${escapeMarkdown(i.headline)}. Nothing was changed${i.status === 'refused' ? ' or read' : ''}.`,
      '',
      `**Next:** ${escapeMarkdown(i.next)}`,
      ...(i.runUrl ? ['', `[The run](${i.runUrl})`] : []),
      '',
    ].join('\n'),
  );
}
