// discover: read-only. Lists every vCluster release in scope, classifies each, and writes the matrix
// the next phase runs on, the whole fleet as JSON, the counts per state and the job summary.
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describeScope, type FleetSettings } from '../core/inputs/fleet-config.ts';
import type { FleetFrontDoor, RunEnd } from '../core/front-door.ts';
import { liteConnection, UnsupportedKubeconfig, type KubeConnection } from '../adapters/kube/lite-client.ts';
import { CredentialPluginError, pluginOutputLines } from '../adapters/kube/kubeconfig-context.ts';
import { readFleet, type FleetRead, type FleetReadOptions } from '../adapters/kube/fleet.ts';
import { groupFleet } from '../core/fleet/grouping.ts';
import { classifyFleet, countStates, type FleetEntry } from '../core/fleet/classification.ts';
import { fleetMatrix } from '../core/fleet/matrix.ts';
import { campaignMatrix, planCampaign, type CampaignView, type Member } from '../core/fleet/campaign.ts';
import { campaignCandidates } from '../core/fleet/waves.ts';
import { renderFleetStop, renderFleetSummary } from '../report/fleet-summary.ts';

/**
 * The connection: the light client when it covers the kubeconfig, else client-node
 * (loaded only then, from its own chunk: a chunk discover imports is read and compiled even when
 * unused): loading client-node costs discover about 40 MB more at its peak. Both choose
 * the context, refuse and warn by the same kubeconfig rules.
 */
async function connection(
  settings: FleetSettings,
  front: FleetFrontDoor,
): Promise<{ conn: KubeConnection; warnings: string[]; cleanup(): void }> {
  try {
    return { ...liteConnection({ content: settings.kubeconfig, context: settings.context }), cleanup: () => undefined };
  } catch (e) {
    if (!(e instanceof UnsupportedKubeconfig)) throw e;
    front.log.info(`the kubeconfig uses ${e.message}: connecting through @kubernetes/client-node`);
  }
  const { loadKubeConfig, kubeConnection } = await import('../adapters/kube/kubeconfig.ts');
  const loaded = loadKubeConfig({
    content: settings.kubeconfig,
    context: settings.context,
    tempRoot: front.tempDir,
  });
  try {
    return { conn: await kubeConnection(loaded.kc), warnings: loaded.warnings, cleanup: loaded.cleanup };
  } catch (e) {
    // An exec plugin or auth provider that fails: the temporary copy of the kubeconfig goes all the same.
    loaded.cleanup();
    throw e;
  }
}

/** First line of an error, never a YAML parser's quote of the (secret) kubeconfig. */
function firstLine(e: unknown): string {
  return ((e as Error).message ?? String(e)).split('\n')[0]!;
}

/** A job output holds at most 1 MB: the `fleet` output lists this many releases, the fleet file all of them. */
const FLEET_OUTPUT_MAX = 500;

/** The fleet as JSON objects without text a workflow does not need: one per release, its wave when in a campaign. */
function fleetRows(entries: FleetEntry[], campaign: CampaignView | undefined): object[] {
  const members = new Map<string, Member>(
    (campaign?.members ?? []).map((m) => [`${m.entry.namespace}/${m.entry.release}`, m]),
  );
  return entries.map((e) => {
    const m = members.get(`${e.namespace}/${e.release}`);
    return {
      release: e.release,
      namespace: e.namespace,
      state: e.state,
      reason: e.reason,
      next: m?.next ?? e.next,
      chart: e.chart ?? null,
      target: e.target ?? null,
      keysBefore: e.keysBefore ?? null,
      keysAfter: e.keysAfter ?? null,
      attention: e.attention,
      gitops: e.gitops ?? null,
      ...(campaign ? { wave: m?.wave ?? null, batch: m?.batch ?? null, campaign: m?.status ?? 'outside' } : {}),
    };
  });
}

/** The campaign in the log: where it stands, and each release that counts against the budget. */
function campaignLines(campaign: CampaignView): string[] {
  const at = campaign.current ? `: wave ${campaign.current.wave}, batch ${campaign.current.batch}` : '';
  return [
    `campaign ${campaign.state}${at}; ${campaign.failures.length} failed or refused (max-failures ${campaign.maxFailures})`,
    ...campaign.failures.map(
      (m) =>
        `counts against the budget: ${m.entry.namespace}/${m.entry.release} (wave ${m.wave}, ${m.status}). Next: ${m.next}`,
    ),
  ];
}

/** The outputs a workflow's next wave step reads. */
function campaignOutputs(campaign: CampaignView): Record<string, string> {
  return {
    campaign: campaign.state,
    wave: campaign.current ? String(campaign.current.wave) : '',
    batch: campaign.current ? String(campaign.current.batch) : '',
    failures: String(campaign.failures.length),
  };
}

/** What discover found: its outputs, the job summary, and the lines it logs. */
export interface FleetReport {
  outputs: Record<string, string>;
  summary: string;
  info: string[];
  warnings: string[];
  /** Every release, for the fleet file (the `fleet` output holds the first FLEET_OUTPUT_MAX). */
  fleetRows: object[];
}

/**
 * Reads the fleet once, classifies every release, and gives the matrix, the counts, the fleet JSON
 * and the summary. `notes`: what connecting said about the kubeconfig, shown with the fleet's notes.
 */
export async function discoverFleet(
  settings: FleetSettings,
  read: (o: FleetReadOptions) => Promise<FleetRead>,
  o: { notes?: string[]; runUrl?: string; now?: () => number } = {},
): Promise<FleetReport> {
  const now = o.now ?? Date.now;
  const t0 = now();
  const canary = settings.campaign?.canary;
  const fleet = await read({
    scope: settings.scope,
    secrets: settings.secrets,
    ...(canary?.kind === 'mark' ? { annotations: [canary.key] } : {}),
  });
  const facts = groupFleet(fleet.objects);
  const entries = classifyFleet(facts, {
    chartVersion: settings.chartVersion,
    gitopsPaused: settings.gitopsPaused,
  });
  const counts = countStates(entries);
  const campaign = settings.campaign
    ? planCampaign(campaignCandidates(facts, entries), { ...settings.campaign, batchSize: settings.maxReleases })
    : undefined;
  const { matrix, left } = campaign
    ? campaignMatrix(campaign, settings.nextPhase)
    : fleetMatrix(entries, settings.nextPhase, settings.maxReleases);
  const scope = describeScope(
    settings.scope,
    settings.scope.kind === 'selector' ? (fleet.namespaces?.length ?? 0) : undefined,
  );
  const info = [
    `read ${entries.length} vCluster releases in ${fleet.calls} list calls (${now() - t0} ms): ${Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `read ${scope}`,
    ...entries
      .filter((x) => x.attention)
      .map((e) => `needs a person: ${e.namespace}/${e.release} ${e.state}: ${e.reason}. Next: ${e.next}`),
    ...(campaign ? campaignLines(campaign) : []),
    `matrix for ${settings.nextPhase}: ${matrix.include.length} releases${left > 0 ? `, ${left} left for ${campaign ? 'later batches' : 'the next run'}` : ''}`,
  ];
  const notes = [...(o.notes ?? []), ...fleet.notes];
  if (!settings.secrets)
    notes.push(
      'Helm release status and the vc-config store annotation were not read (discover-secrets: false); migrate checks the Helm status before it changes anything.',
    );
  if (settings.gitopsPaused)
    notes.push('gitops-paused: true: releases marked by a GitOps controller are treated as paused.');
  const summary = renderFleetSummary({
    entries,
    counts,
    next: settings.nextPhase,
    matrixSize: matrix.include.length,
    left,
    scope,
    notes,
    runUrl: o.runUrl,
    ...(campaign ? { campaign } : {}),
  });
  const rows = fleetRows(entries, campaign);
  return {
    outputs: {
      status: 'succeeded',
      matrix: JSON.stringify(matrix),
      'matrix-size': String(matrix.include.length),
      'releases-left': String(left),
      fleet: JSON.stringify(rows.slice(0, FLEET_OUTPUT_MAX)),
      ...(campaign ? campaignOutputs(campaign) : {}),
      counts: JSON.stringify(counts),
      'summary-markdown': summary,
    },
    summary,
    info,
    warnings: [...fleet.notes, ...(campaign?.stop ? [`the campaign stopped: ${campaign.stop}`] : [])],
    fleetRows: rows,
  };
}

/**
 * The fleet file: the JSON array of every row (the bytes JSON.stringify gives), written a few hundred
 * rows at a time: one string of the whole fleet (1.7 MB at 5,000 releases) grew the heap by about 35 MB.
 */
export function writeFleetFile(path: string, rows: object[]): void {
  const fd = openSync(path, 'w');
  try {
    for (let at = 0; at < rows.length || at === 0; at += 200) {
      const part = rows.slice(at, at + 200).map((r) => JSON.stringify(r));
      writeSync(fd, `${at === 0 ? '[' : ','}${part.join(',')}${at + 200 >= rows.length ? ']' : ''}`);
    }
  } finally {
    closeSync(fd);
  }
}

const KUBECONFIG_NEXT = "fix input 'kubeconfig' or 'context' (or KUBECONFIG) and run again";

/** The end of a discover run that has no fleet: the status, the job summary, and the line that says why. */
function stopped(front: FleetFrontDoor, status: 'refused' | 'failed', headline: string, next: string): RunEnd {
  const summary = renderFleetStop({ status, headline, next, runUrl: front.runUrl });
  return {
    status,
    summary,
    outputs: { phase: 'discover', status, 'summary-markdown': summary },
    failure: `${status}: ${headline}. Next: ${next}`,
  };
}

export async function runDiscover(settings: FleetSettings, front: FleetFrontDoor): Promise<void> {
  const { log } = front;
  let connected: Awaited<ReturnType<typeof connection>>;
  try {
    connected = await connection(settings, front);
  } catch (e) {
    // Nothing was read: an unusable kubeconfig or context is a refusal, as in the other phases.
    if (e instanceof CredentialPluginError) for (const line of pluginOutputLines(e)) log.info(line);
    await front.finish(stopped(front, 'refused', `the kubeconfig cannot be used: ${firstLine(e)}`, KUBECONFIG_NEXT));
    return;
  }
  const { conn, warnings } = connected;
  let end: RunEnd;
  try {
    for (const w of warnings) log.warning(w);
    const found = await discoverFleet(settings, (o) => readFleet(conn, o), { notes: warnings, runUrl: front.runUrl });
    for (const line of found.info) log.info(line);
    for (const note of found.warnings) log.warning(note);
    const fleetFile = join(front.tempDir, 'vcluster-fleet.json');
    writeFleetFile(fleetFile, found.fleetRows);
    end = {
      status: 'succeeded',
      summary: found.summary,
      outputs: { phase: 'discover', ...found.outputs, 'fleet-file': fleetFile },
    };
  } catch (e) {
    end = stopped(
      front,
      'failed',
      `discover could not read the fleet: ${firstLine(e)}`,
      'fix what the error says (the log has the run) and run discover again; it only reads',
    );
  } finally {
    connected.cleanup();
  }
  await front.finish(end);
}
