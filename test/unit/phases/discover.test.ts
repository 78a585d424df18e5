// discover's sequencing over an in-memory fleet read: one read, every release classified, the
// matrix for the next phase (capped by max-releases), the counts, and the notes of what was not read.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverFleet, runDiscover, writeFleetFile } from '../../../src/phases/discover.ts';
import type { RunEnd } from '../../../src/core/front-door.ts';
import type { FleetRead, FleetReadOptions } from '../../../src/adapters/kube/fleet.ts';
import type { FleetObjects } from '../../../src/core/fleet/grouping.ts';
import { parseFleetSettings } from '../../../src/core/inputs/inputs.ts';
import { inputsWith } from '../../support/inputs.ts';
import { deployed, record, workload } from '../core/fleet/fixtures.ts';

const settings = (over: Record<string, string> = {}) =>
  parseFleetSettings(inputsWith(over, { phase: 'discover', 'chart-version': 'keep' }));

/** Three releases: two on deployed etcd (one verified by phase one), one already on embedded etcd. */
const FLEET: FleetObjects = {
  controlPlanes: [
    ...deployed('team-a', 'vc-a').filter((w) => w.labels.app === 'vcluster'),
    ...deployed('team-b', 'vc-b').filter((w) => w.labels.app === 'vcluster'),
    workload('StatefulSet', 'team-c', 'vc-c'),
  ],
  etcds: [
    ...deployed('team-a', 'vc-a').filter((w) => w.labels.app === 'vcluster-etcd'),
    ...deployed('team-b', 'vc-b').filter((w) => w.labels.app === 'vcluster-etcd'),
  ],
  records: [record('team-b', 'vc-b', 'verified'), record('team-c', 'vc-c', 'verified', 'verified')],
};

function reader(objects: FleetObjects, notes: string[] = []) {
  const asked: FleetReadOptions[] = [];
  const read = async (o: FleetReadOptions): Promise<FleetRead> => {
    asked.push(o);
    return { objects, calls: 4, notes };
  };
  return { read, asked };
}

describe('discover', () => {
  it('reads once, classifies each release and writes the matrix of those the next phase runs on', async () => {
    const { read, asked } = reader(FLEET);
    const found = await discoverFleet(settings(), read, { now: () => 0 });
    expect(asked).toEqual([{ scope: { kind: 'all' }, secrets: false }]);
    const fleet = JSON.parse(found.outputs.fleet!) as { release: string; state: string }[];
    expect(fleet.map((e) => [e.release, e.state]).sort()).toEqual([
      ['vc-a', 'deployed'],
      ['vc-b', 'verified'],
      ['vc-c', 'embedded'],
    ]);
    expect(JSON.parse(found.outputs.matrix!)).toEqual({
      include: [expect.objectContaining({ release: 'vc-a', namespace: 'team-a' })],
    });
    expect(found.outputs['matrix-size']).toBe('1');
    expect(found.outputs['releases-left']).toBe('0');
    expect(JSON.parse(found.outputs.counts!)).toMatchObject({ deployed: 1, verified: 1, embedded: 1 });
    expect(found.outputs.status).toBe('succeeded');
    expect(found.outputs['summary-markdown']).toBe(found.summary);
    expect(found.info[0]).toBe(
      'read 3 vCluster releases in 4 list calls (0 ms): deployed 1, migrating 0, verified 1, embedded 1, not-eligible 0',
    );
    expect(found.info.at(-1)).toBe('matrix for migrate: 1 releases');
  });

  it('for finalize: the matrix holds the releases whose phase one is verified', async () => {
    const found = await discoverFleet(settings({ 'next-phase': 'finalize' }), reader(FLEET).read);
    expect(JSON.parse(found.outputs.matrix!).include.map((r: { release: string }) => r.release)).toEqual(['vc-b']);
  });

  it('caps the matrix at max-releases and says how many are left for the next run', async () => {
    const many: FleetObjects = {
      controlPlanes: [],
      etcds: [],
      records: [],
    };
    for (const n of [1, 2, 3]) {
      const ws = deployed(`team-${n}`, `vc-${n}`);
      many.controlPlanes.push(...ws.filter((w) => w.labels.app === 'vcluster'));
      many.etcds.push(...ws.filter((w) => w.labels.app === 'vcluster-etcd'));
    }
    const found = await discoverFleet(settings({ 'max-releases': '2' }), reader(many).read);
    expect(found.outputs['matrix-size']).toBe('2');
    expect(found.outputs['releases-left']).toBe('1');
    expect(found.info.at(-1)).toBe('matrix for migrate: 2 releases, 1 left for the next run');
  });

  it('passes the namespaces and discover-secrets to the read, and shows what was not read', async () => {
    const { read, asked } = reader(FLEET, ['Namespace labels were not read (no list on namespaces).']);
    const found = await discoverFleet(settings({ namespaces: 'team-a,team-b' }), read, {
      notes: ['the kubeconfig names no current context'],
    });
    expect(asked).toEqual([{ scope: { kind: 'names', names: ['team-a', 'team-b'] }, secrets: false }]);
    // How input namespaces was understood, in the log and the summary.
    expect(found.info).toContain('read namespaces team-a, team-b (input namespaces read as namespace names)');
    expect(found.summary).toContain('in namespaces team-a, team-b (input namespaces read as namespace names)');
    const selected = await discoverFleet(settings({ namespaces: 'selector: team-a,env=prod' }), read);
    expect(selected.info).toContain(
      'read the 0 namespaces matching label selector team-a,env=prod (input namespaces read as a label selector)',
    );
    expect(found.warnings).toEqual(['Namespace labels were not read (no list on namespaces).']);
    expect(found.summary).toContain('the kubeconfig names no current context');
    expect(found.summary).toContain('Namespace labels were not read');
    expect(found.summary).toContain('Helm release status and the vc');
    const withSecrets = reader({ ...FLEET, helmSecrets: [], configSecrets: [] });
    const read2 = await discoverFleet(settings({ 'discover-secrets': 'true' }), withSecrets.read);
    expect(withSecrets.asked[0]?.secrets).toBe(true);
    expect(read2.summary).not.toContain('Helm release status and the vc');
  });

  it('a read that fails stops discover with that error (the wiring reports it)', async () => {
    const read = async (): Promise<FleetRead> => {
      throw new Error('the credentials may not list statefulsets in all namespaces');
    };
    await expect(discoverFleet(settings(), read)).rejects.toThrow('may not list statefulsets');
  });

  it('a kubeconfig it cannot use is refused with a job summary and the summary-markdown output, nothing read', async () => {
    const kubeconfig = [
      'apiVersion: v1',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: c, context: {cluster: c, user: u}}]',
      'current-context: c',
    ].join('\n');
    const ends: RunEnd[] = [];
    await runDiscover(settings({ kubeconfig, context: 'prod' }), {
      log: { info: () => undefined, warning: () => undefined, group: (_n, fn) => fn() },
      tempDir: '/nonexistent',
      runUrl: 'https://github.com/o/r/actions/runs/1',
      finish: async (end) => void ends.push(end),
    });
    expect(ends).toHaveLength(1);
    const end = ends[0]!;
    expect(end.status).toBe('refused');
    expect(end.failure).toMatch(
      /^refused: the kubeconfig cannot be used: .*prod.*\. Next: fix input 'kubeconfig' or 'context'/,
    );
    expect(end.summary).toMatch(/^## vCluster fleet: discover ❌\n\n\*\*refused\*\*: the kubeconfig cannot be used: /);
    expect(end.summary).toContain('Nothing was changed or read.');
    expect(end.summary).toContain("**Next:** fix input 'kubeconfig' or 'context' (or KUBECONFIG) and run again");
    expect(end.outputs).toEqual({ phase: 'discover', status: 'refused', 'summary-markdown': end.summary });
  });
});

describe('the fleet file', () => {
  it('holds every row as one JSON array, the bytes JSON.stringify gives, whatever the fleet size', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-file-'));
    try {
      for (const n of [0, 1, 199, 200, 201, 600]) {
        const rows = Array.from({ length: n }, (_, i) => ({
          release: `vc-${i}`,
          reason: 'a "quoted" \\ ünï',
          wave: i % 3 ? i : null,
        }));
        const file = join(dir, `fleet-${n}.json`);
        writeFleetFile(file, rows);
        expect(readFileSync(file, 'utf8'), `${n} rows`).toBe(JSON.stringify(rows));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
