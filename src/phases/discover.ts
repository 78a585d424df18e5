// discover: read-only. Lists every vCluster release in scope, classifies each, and writes the matrix
// the next phase runs on, the whole fleet as JSON, the counts per state and the job summary.
import type { FleetSettings } from '../core/inputs/fleet-config.ts';
import type { FleetFrontDoor, RunEnd } from '../core/front-door.ts';
import { liteConnection, UnsupportedKubeconfig, type KubeConnection } from '../adapters/kube/lite-client.ts';
import { readFleet } from '../adapters/kube/fleet.ts';
import { classifyFleet, countStates, fleetMatrix, groupFleet, type FleetEntry } from '../core/fleet/fleet.ts';
import { renderFleetSummary } from '../report/fleet-summary.ts';

/**
 * The connection: the light reader of kube-lite.ts when it covers the kubeconfig, else client-node
 * (loaded only then): loading client-node costs discover about 40 MB more at its peak. Both choose
 * the context, refuse and warn through kube-context.ts.
 */
async function connection(
  s: FleetSettings,
  front: FleetFrontDoor,
): Promise<{ conn: KubeConnection; warnings: string[]; cleanup(): void }> {
  try {
    return { ...liteConnection({ content: s.kubeconfig, context: s.context }), cleanup: () => undefined };
  } catch (e) {
    if (!(e instanceof UnsupportedKubeconfig)) throw e;
    front.log.info(`the kubeconfig uses ${e.message}: connecting through @kubernetes/client-node`);
  }
  const { loadKubeConfig, kubeConnection } = await import(/* webpackMode: "eager" */ '../adapters/kube/kubeconfig.ts');
  const k = loadKubeConfig({
    content: s.kubeconfig,
    context: s.context,
    tempRoot: front.tempDir,
  });
  try {
    return { conn: await kubeConnection(k.kc), warnings: k.warnings, cleanup: k.cleanup };
  } catch (e) {
    // An exec plugin or auth provider that fails: the temporary copy of the kubeconfig goes all the same.
    k.cleanup();
    throw e;
  }
}

/** First line of an error, never a YAML parser's quote of the (secret) kubeconfig. */
function firstLine(e: unknown): string {
  return ((e as Error).message ?? String(e)).split('\n')[0]!;
}

function scopeText(s: FleetSettings, read: string[] | undefined): string {
  if (s.scope.kind === 'all') return 'all namespaces';
  if (s.scope.kind === 'names') return `namespaces ${s.scope.names.join(', ')}`;
  return `the ${read?.length ?? 0} namespaces matching ${s.scope.selector}`;
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

export async function runDiscover(s: FleetSettings, front: FleetFrontDoor): Promise<void> {
  const log = front.log;
  let c: Awaited<ReturnType<typeof connection>>;
  try {
    c = await connection(s, front);
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
  const { conn, warnings } = c;
  let end: RunEnd;
  try {
    const t0 = Date.now();
    for (const w of warnings) log.warning(w);
    const read = await readFleet(conn, { scope: s.scope, secrets: s.secrets });
    const entries = classifyFleet(groupFleet(read.objects), {
      chartVersion: s.chartVersion,
      gitopsPaused: s.gitopsPaused,
    });
    const counts = countStates(entries);
    const { matrix, left } = fleetMatrix(entries, s.nextPhase, s.maxReleases);
    log.info(
      `read ${entries.length} vCluster releases in ${read.calls} list calls (${Date.now() - t0} ms): ${Object.entries(
        counts,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    for (const e of entries.filter((x) => x.attention))
      log.info(`needs a person: ${e.namespace}/${e.release} ${e.state}: ${e.reason}. Next: ${e.next}`);
    log.info(
      `matrix for ${s.nextPhase}: ${matrix.include.length} releases${left > 0 ? `, ${left} left for the next run` : ''}`,
    );
    const notes = [...warnings, ...read.notes];
    for (const n of read.notes) log.warning(n);
    if (!s.secrets)
      notes.push(
        'Helm release status and the vc-config store annotation were not read (discover-secrets: false); migrate checks the Helm status before it changes anything.',
      );
    if (s.gitopsPaused)
      notes.push('gitops-paused: true: releases marked by a GitOps controller are treated as paused.');
    const summary = renderFleetSummary({
      entries,
      counts,
      next: s.nextPhase,
      matrixSize: matrix.include.length,
      left,
      scope: scopeText(s, read.namespaces),
      notes,
      runUrl: front.runUrl,
    });
    const outputs = {
      phase: 'discover',
      status: 'succeeded',
      matrix: JSON.stringify(matrix),
      'matrix-size': String(matrix.include.length),
      'releases-left': String(left),
      fleet: fleetJson(entries),
      counts: JSON.stringify(counts),
      'summary-markdown': summary,
    };
    end = { status: 'succeeded', summary, outputs };
  } catch (e) {
    end = {
      status: 'failed',
      summary: '',
      outputs: { phase: 'discover', status: 'failed' },
      failure: `failed: discover could not read the fleet: ${firstLine(e)}`,
    };
  } finally {
    c.cleanup();
  }
  await front.finish(end);
}
