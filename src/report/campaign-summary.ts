// The campaign part of discover's job summary: what stopped it on top, the failures with their next
// step, then one row per wave with its releases, their results and the keys before and after. Pure;
// every value from the cluster is escaped.
import { codeSpan, escapeMarkdown } from './markdown.ts';
import type { CampaignView, Member, MemberStatus, WaveView } from '../core/fleet/campaign.ts';

/** Releases named per wave, and failures listed, before "and N more": the summary stays bounded. */
const MAX_NAMES = 10;
const MAX_FAILURES = 50;

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

export function campaignSection(v: CampaignView): string[] {
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
