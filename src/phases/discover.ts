// discover: read-only. Lists every vCluster release in scope, classifies each, and writes the matrix
// the next phase runs on, the whole fleet as JSON, the counts per state and the job summary.
import type { FleetSettings } from '../core/inputs/fleet-config.ts';
import type { FleetFrontDoor, RunEnd } from '../core/front-door.ts';
import { liteConnection, UnsupportedKubeconfig, type KubeConnection } from '../adapters/kube/lite-client.ts';
import { readFleet, type FleetRead, type FleetReadOptions } from '../adapters/kube/fleet.ts';
import { groupFleet } from '../core/fleet/grouping.ts';
import { classifyFleet, countStates, type FleetEntry } from '../core/fleet/classification.ts';
import { fleetMatrix } from '../core/fleet/matrix.ts';
import { renderFleetSummary } from '../report/fleet-summary.ts';

/**
 * The connection: the light client when it covers the kubeconfig, else client-node
 * (loaded only then): loading client-node costs discover about 40 MB more at its peak. Both choose
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
  const { loadKubeConfig, kubeConnection } = await import(/* webpackMode: "eager" */ '../adapters/kube/kubeconfig.ts');
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

function scopeText(settings: FleetSettings, read: string[] | undefined): string {
  if (settings.scope.kind === 'all') return 'all namespaces';
  if (settings.scope.kind === 'names') return `namespaces ${settings.scope.names.join(', ')}`;
  return `the ${read?.length ?? 0} namespaces matching ${settings.scope.selector}`;
}

/** The fleet JSON without text a workflow does not need: one object per release. */
function fleetJson(entries: FleetEntry[]): string {
  return JSON.stringify(
    entries.map((e) => ({
      release: e.release,
      namespace: e.namespace,
      state: e.state,
      reason: e.reason,
      next: e.next,
      chart: e.chart ?? null,
      target: e.target ?? null,
      keysBefore: e.keysBefore ?? null,
      keysAfter: e.keysAfter ?? null,
      attention: e.attention,
      gitops: e.gitops ?? null,
    })),
  );
}

/** What discover found: its outputs, the job summary, and the lines it logs. */
export interface FleetReport {
  outputs: Record<string, string>;
  summary: string;
  info: string[];
  warnings: string[];
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
  const fleet = await read({ scope: settings.scope, secrets: settings.secrets });
  const entries = classifyFleet(groupFleet(fleet.objects), {
    chartVersion: settings.chartVersion,
    gitopsPaused: settings.gitopsPaused,
  });
  const counts = countStates(entries);
  const { matrix, left } = fleetMatrix(entries, settings.nextPhase, settings.maxReleases);
  const info = [
    `read ${entries.length} vCluster releases in ${fleet.calls} list calls (${now() - t0} ms): ${Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    ...entries
      .filter((x) => x.attention)
      .map((e) => `needs a person: ${e.namespace}/${e.release} ${e.state}: ${e.reason}. Next: ${e.next}`),
    `matrix for ${settings.nextPhase}: ${matrix.include.length} releases${left > 0 ? `, ${left} left for the next run` : ''}`,
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
    scope: scopeText(settings, fleet.namespaces),
    notes,
    runUrl: o.runUrl,
  });
  return {
    outputs: {
      status: 'succeeded',
      matrix: JSON.stringify(matrix),
      'matrix-size': String(matrix.include.length),
      'releases-left': String(left),
      fleet: fleetJson(entries),
      counts: JSON.stringify(counts),
      'summary-markdown': summary,
    },
    summary,
    info,
    warnings: fleet.notes,
  };
}

export async function runDiscover(settings: FleetSettings, front: FleetFrontDoor): Promise<void> {
  const { log } = front;
  let connected: Awaited<ReturnType<typeof connection>>;
  try {
    connected = await connection(settings, front);
  } catch (e) {
    // Nothing was read: an unusable kubeconfig or context is a refusal, as in the other phases.
    await front.finish({
      status: 'refused',
      summary: '',
      outputs: { phase: 'discover', status: 'refused' },
      failure: `refused: the kubeconfig cannot be used: ${firstLine(e)}. Next: fix input 'kubeconfig' or 'context' (or KUBECONFIG) and run again`,
    });
    return;
  }
  const { conn, warnings } = connected;
  let end: RunEnd;
  try {
    for (const w of warnings) log.warning(w);
    const found = await discoverFleet(settings, (o) => readFleet(conn, o), { notes: warnings, runUrl: front.runUrl });
    for (const line of found.info) log.info(line);
    for (const note of found.warnings) log.warning(note);
    end = { status: 'succeeded', summary: found.summary, outputs: { phase: 'discover', ...found.outputs } };
  } catch (e) {
    end = {
      status: 'failed',
      summary: '',
      outputs: { phase: 'discover', status: 'failed' },
      failure: `failed: discover could not read the fleet: ${firstLine(e)}`,
    };
  } finally {
    connected.cleanup();
  }
  await front.finish(end);
}
