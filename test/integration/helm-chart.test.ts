// The computed values rendered by the real helm binary against the fixture chart, which follows
// vCluster's contract (resource names, the one-backing-store rule, the config secret, a schema).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseAllDocuments } from 'yaml';
import { Helm, HelmError, execRunner } from '../../src/adapters/helm/helm.ts';
import { computeValues, valuesYaml, type Values } from '../../src/core/migration/values.ts';
import { parseChartVersion } from '../../src/core/inputs/version.ts';
import { binPath } from '../../sandbox/bins.ts';
import { dataVolumeProblem } from '../../src/core/migration/rendered.ts';
import { chartCheck } from '../../src/core/migration/chart-check.ts';
import type { ChartRef } from '../../src/core/inputs/config.ts';
import { startChartRepoStandin } from '../../sandbox/chart-repo-standin.ts';

const CHART = { kind: 'local' as const, path: join(import.meta.dirname, '../fixtures/vcluster-chart') };
const deployed: Values = {
  controlPlane: {
    backingStore: {
      etcd: { deploy: { enabled: true, statefulSet: { persistence: { volumeClaim: { size: '10Gi' } } } } },
    },
  },
};

let dir: string;
let helm: Helm;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'helm-chart-test-'));
  helm = new Helm(execRunner(binPath('helm')));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests read deep paths of rendered manifests
async function render(values: Values): Promise<{ kind: string; name: string; doc: Record<string, any> }[]> {
  const file = join(dir, `v-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, valuesYaml(values));
  const out = await helm.template('vc', 'team-a', CHART, '0.27.0', file);
  return parseAllDocuments(out)
    .map((d) => d.toJS())
    .filter(Boolean)
    .map((doc) => ({ kind: doc.kind, name: doc.metadata.name, doc }));
}
const ids = (objs: { kind: string; name: string }[]) => objs.map((o) => `${o.kind}/${o.name}`).sort();

describe('helm template of the computed values', () => {
  const values = computeValues({
    userValues: deployed,
    chartVersion: parseChartVersion('0.27.0')!,
    etcdExtraArgs: ['--quota-backend-bytes=8589934592'],
    extraValues: {},
    storageSize: '10Gi',
  });

  it('the release before: deployed etcd and a control-plane Deployment', async () => {
    const objs = ids(await render(deployed));
    expect(objs).toContain('StatefulSet/vc-etcd');
    expect(objs).toContain('Deployment/vc');
    expect(objs).not.toContain('StatefulSet/vc');
  });

  it('phase one keeps the etcd StatefulSet and Services and adds the control-plane StatefulSet with a PVC', async () => {
    const objs = await render(values.phase1);
    expect(ids(objs)).toEqual(
      expect.arrayContaining([
        'StatefulSet/vc-etcd',
        'Service/vc-etcd',
        'Service/vc-etcd-headless',
        'StatefulSet/vc',
        'Service/vc-headless',
        'Secret/vc-config-vc',
      ]),
    );
    expect(ids(objs)).not.toContain('Deployment/vc');
    const cp = objs.find((o) => o.kind === 'StatefulSet' && o.name === 'vc')!.doc;
    expect(cp.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    expect(cp.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    const etcd = objs.find((o) => o.kind === 'StatefulSet' && o.name === 'vc-etcd')!.doc;
    expect(etcd.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
  });

  it('phase two drops the etcd StatefulSet and both Services and keeps the control plane', async () => {
    const objs = ids(await render(values.phase2));
    expect(objs).not.toContain('StatefulSet/vc-etcd');
    expect(objs).not.toContain('Service/vc-etcd');
    expect(objs).not.toContain('Service/vc-etcd-headless');
    expect(objs).toContain('StatefulSet/vc');
  });

  it("rejects the guide's values with deploy left enabled (one backing store at a time)", async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the guide's values break the Values type on purpose
    const guide = structuredClone(values.phase1) as any;
    guide.controlPlane.backingStore.etcd.deploy.enabled = true;
    await expect(render(guide)).rejects.toThrow(/you can only enable one backingStore at the same time/);
  });

  it("rejects the guide's controlPlane.persistence path through the chart schema", async () => {
    const guide = {
      ...structuredClone(values.phase1),
      controlPlane: { ...(values.phase1.controlPlane as Values), persistence: { volumeClaim: { size: '5Gi' } } },
    };
    const err = await render(guide).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelmError);
    expect((err as Error).message).toMatch(/persistence/);
  });
});

describe('where /data lives in the rendered phase one (real helm, fixture chart)', () => {
  const base = computeValues({
    userValues: deployed,
    chartVersion: parseChartVersion('0.27.0')!,
    etcdExtraArgs: [],
    extraValues: {},
    storageSize: '10Gi',
  });
  async function manifest(values: Values): Promise<string> {
    const file = join(dir, `r-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, valuesYaml(values));
    return helm.template('vc', 'team-a', CHART, '0.27.0', file);
  }
  const withPersistence = (extra: Values): Values => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test writes keys the Values type does not name
    const v = structuredClone(base.phase1) as any;
    Object.assign(v.controlPlane.statefulSet.persistence, extra);
    return v;
  };

  it('the computed phase one keeps /data on the volume claim template', async () => {
    expect(dataVolumeProblem(await manifest(base.phase1), 'vc', '10Gi')).toBeUndefined();
  });

  it('dataVolume (an emptyDir) past the volumeClaim.enabled guard is found in the manifest', async () => {
    const problem = dataVolumeProblem(
      await manifest(withPersistence({ dataVolume: [{ name: 'data', emptyDir: {} }] })),
      'vc',
      '10Gi',
    );
    expect(problem).toBe(
      'container syncer of StatefulSet vc mounts /data from pod volume data (emptyDir), not from a volume claim template (controlPlane.statefulSet.persistence.dataVolume?)',
    );
  });

  it('volumeClaimTemplates that replace the data claim with a smaller one, or with none named data, are found', async () => {
    const small = withPersistence({
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
    });
    expect(dataVolumeProblem(await manifest(small), 'vc', '10Gi')).toMatch(
      /volume claim template data of StatefulSet vc requests 1Gi, less than the 10Gi/,
    );
    const other = withPersistence({
      volumeClaimTemplates: [{ metadata: { name: 'scratch' }, spec: { resources: { requests: { storage: '50Gi' } } } }],
    });
    expect(dataVolumeProblem(await manifest(other), 'vc', '10Gi')).toMatch(
      /mounts \/data from data, which is neither a pod volume nor a volume claim template/,
    );
  });
});

/** A copy of the fixture chart whose Chart.yaml says `version`. */
function chartAs(version: string): string {
  const copy = join(mkdtempSync(join(dir, 'chart-')), 'vcluster');
  cpSync(CHART.path, copy, { recursive: true });
  const file = join(copy, 'Chart.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^version: .*$/m, `version: ${version}`));
  return copy;
}

describe("the chart's own version, read by the real helm (helm show chart)", () => {
  const judge = (chart: ChartRef, own: string, chartVersion: string) =>
    chartCheck({
      chart,
      chartVersion: parseChartVersion(chartVersion)!,
      own,
      installed: '0.27.0',
      etcdExtraArgs: [],
      allowNewerChartLine: false,
    });

  it('a chart directory whose Chart.yaml is 0.30.0, given as chart-version 0.28.0, is refused naming both', async () => {
    const local: ChartRef = { kind: 'local', path: chartAs('0.30.0') };
    const own = await helm.chartVersion(local, '0.28.0');
    expect(own).toBe('0.30.0');
    const c = judge(local, own, '0.28.0');
    expect(c.state).toBe('failed');
    expect(c.reason).toContain(`chart ${local.path} is version 0.30.0 (its Chart.yaml), not chart-version 0.28.0`);
    expect(c.reason).toContain('ships etcd 3.6; vCluster requires a stop on a 0.24.2-0.28.x chart');
    expect(judge(local, own, '0.30.0').state).toBe('passed');
  });

  it('a packaged chart archive is read the same way', async () => {
    const out = mkdtempSync(join(dir, 'pkg-'));
    execFileSync(binPath('helm'), ['package', chartAs('0.26.1'), '-d', out], {
      stdio: 'pipe',
      env: { ...process.env, HELM_NO_PLUGINS: '1' },
    });
    expect(await helm.chartVersion({ kind: 'local', path: join(out, 'vcluster-0.26.1.tgz') }, '0.27.0')).toBe('0.26.1');
  });

  it("a repository chart: the Chart.yaml of the version asked for, through the repository's index", async () => {
    const repoDir = mkdtempSync(join(dir, 'repo-'));
    const repo = await startChartRepoStandin(repoDir, [chartAs('0.27.0'), chartAs('0.28.0')]);
    try {
      const viaRepo = new Helm((args, env) => execRunner(binPath('helm'))(args, { ...env, ...repo.env }));
      const chart: ChartRef = { kind: 'repo', name: 'vcluster', repo: repo.repoUrl };
      expect(await viaRepo.chartVersion(chart, '0.28.0')).toBe('0.28.0');
      expect(await viaRepo.chartVersion(chart, 'v0.27.0')).toBe('0.27.0');
      await expect(viaRepo.chartVersion(chart, '0.29.0')).rejects.toThrow(/helm show chart failed: .*0\.29\.0/);
    } finally {
      await repo.close();
    }
  });

  it('a chart whose Chart.yaml version is not a semantic version stops at helm show chart, naming it', async () => {
    await expect(helm.chartVersion({ kind: 'local', path: chartAs('latest') }, '0.27.0')).rejects.toThrow(
      /helm show chart failed: .*chart\.metadata\.version "latest" is invalid/,
    );
  });
});
