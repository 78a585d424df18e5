// The job summary of discover: counts per state on top, then one row per release, the ones that
// need a person first. Pure; every value from the cluster is escaped.
import { codeSpan, escapeMarkdown } from './markdown.ts';
import { FLEET_STATES, type FleetEntry, type FleetState } from '../core/fleet/classification.ts';
import type { NextPhase } from '../core/fleet/matrix.ts';
import type { CampaignView, Member, MemberStatus, WaveView } from '../core/fleet/campaign.ts';

/** A summary holds at most 1 MiB: rows beyond these are left to the fleet file. */
const MAX_ROWS = 500;
/** Releases named per wave, and failures listed, before "and N more". */
const MAX_NAMES = 10;
const MAX_FAILURES = 50;

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

const STATUS: Record<MemberStatus, string> = {
  embedded: '✅ embedded',
  failed: '❌ failed',
  refused: '⛔ refused',
  unfinished: '⚠️ unfinished',
  verified: '🟨 verified',
  'under-way': '⏳ under way',
  waiting: '⏸ waiting',
};
const STATUS_ORDER = Object.keys(STATUS) as MemberStatus[];

const releaseName = (m: Member) => codeSpan(`${m.entry.namespace}/${m.entry.release}`, { inTable: true });

function waveRow(w: WaveView, v: CampaignView): string {
  const names = w.members.slice(0, MAX_NAMES).map(releaseName).join(', ');
  const more = w.members.length > MAX_NAMES ? ` and ${w.members.length - MAX_NAMES} more` : '';
  const result = STATUS_ORDER.map((st) => [st, w.members.filter((m) => m.status === st).length] as const)
    .filter(([, n]) => n > 0)
    .map(([st, n]) => `${STATUS[st]} ${n}`)
    .join(', ');
  const now = v.current?.wave === w.wave ? ' ▶' : '';
  const label = `${w.wave}${w.canary ? ' (canary)' : ''}${now}`;
  const batches =
    w.batches.length > 1 ? ` (${w.batches.length} batches: ${w.batches[0]}–${w.batches[w.batches.length - 1]})` : '';
  return `| ${label} | ${w.members.length}${batches} | ${names}${more} | ${result} | ${w.keysBefore || ''} | ${w.keysAfter || ''} |`;
}

function campaignSection(v: CampaignView): string[] {
  const out: string[] = [];
  const head: Record<CampaignView['state'], string> = {
    running: `**Campaign running:** wave ${v.current?.wave} of ${v.waves.length}, batch ${v.current?.batch}.`,
    stopped: `**Campaign stopped:** ${escapeMarkdown(v.stop ?? '')}.`,
    complete:
      v.failures.length > 0
        ? `**Campaign ended:** every wave ran; ${v.failures.length} release${v.failures.length === 1 ? '' : 's'} failed within max-failures ${v.maxFailures}.`
        : '**Campaign complete:** every release of the campaign runs on embedded etcd.',
  };
  out.push('', head[v.state]);
  if (v.failures.length > 0) {
    out.push(
      '',
      `Failed or refused: ${v.failures.length} (max-failures ${v.maxFailures}).`,
      '',
      '| release | wave | what | next step |',
      '| --- | --- | --- | --- |',
      ...v.failures
        .slice(0, MAX_FAILURES)
        .map(
          (m) =>
            `| ${releaseName(m)} | ${m.wave} | ${STATUS[m.status]}: ${escapeMarkdown(m.entry.reason)} | ${escapeMarkdown(m.next ?? m.entry.next)} |`,
        ),
    );
    if (v.failures.length > MAX_FAILURES) out.push('', `${v.failures.length - MAX_FAILURES} more in the fleet file.`);
  }
  out.push(
    '',
    '| wave | releases | which | result | keys before | keys after |',
    '| --- | --- | --- | --- | --- | --- |',
    ...v.waves.map((w) => waveRow(w, v)),
  );
  const split = v.waves.filter((w) => w.batches.length > 1);
  for (const w of split)
    out.push(
      '',
      `Wave ${w.wave} has ${w.members.length} releases, more than a matrix of ${v.batchSize}: it runs as ${w.batches.length} batches (${w.batches.join(', ')}), each its own matrix job and approval; a run with fewer wave steps than batches continues in the next run.`,
    );
  for (const n of v.notes) out.push('', `> ${escapeMarkdown(n)}`);
  if (v.outside.length > 0)
    out.push(
      '',
      `${v.outside.length} release${v.outside.length === 1 ? ' is' : 's are'} not in the campaign (not eligible, or on embedded etcd without this action): see the table below.`,
    );
  return out;
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
  out.push(
    '',
    '| state | releases |',
    '| --- | --- |',
    ...FLEET_STATES.map((s) => `| ${ICON[s]} ${s} | ${i.counts[s]} |`),
  );
  out.push(
    '',
    `**Matrix for ${i.next}:** ${i.matrixSize} release${i.matrixSize === 1 ? '' : 's'}${i.left > 0 ? `; **${i.left} more** wait for the next run (max-releases)` : ''}.`,
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
  return out.join('\n') + '\n';
}
