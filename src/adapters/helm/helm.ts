// The Helm adapter: one wrapper around the helm CLI behind an interface, so the phases can be
// read without the command lines and tests can drive the real binary.
import * as exec from '@actions/exec';
import { parse as parseYaml } from 'yaml';
import type { ChartRef } from '../../core/inputs/config.ts';
import type { Values } from '../../core/migration/values.ts';
import { toGoDuration } from '../../core/inputs/duration.ts';
import { chartVersionOfChartField } from '../../core/inputs/version.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type RunCli = (args: string[], env: Record<string, string>) => Promise<CliResult>;

/** Runs a binary through @actions/exec without echoing its output (helm prints rendered values). */
export function execRunner(binary: string): RunCli {
  return async (args, env) => {
    const r = await exec.getExecOutput(binary, args, {
      ignoreReturnCode: true,
      silent: true,
      env: { ...(process.env as Record<string, string>), ...env },
    });
    return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  };
}

export interface ReleaseInfo {
  status: string;
  chartVersion: string;
  revision: number;
}

export interface HistoryEntry {
  revision: number;
  status: string;
  chartVersion: string;
}

export interface UpgradeRequest {
  release: string;
  namespace: string;
  chart: ChartRef;
  version: string;
  valuesFile: string;
  timeoutMs: number;
  dryRun?: boolean;
}

export class HelmError extends Error {
  override name = 'HelmError';
  readonly stderr: string;
  constructor(message: string, stderr: string) {
    super(message);
    this.stderr = stderr;
  }
}

/** `StatefulSet.apps "<name>" is invalid: spec: Forbidden` names the StatefulSet Helm could not patch. */
export function forbiddenStatefulSet(stderr: string): string | undefined {
  const m = /StatefulSet\.apps "([a-z0-9.-]+)" is invalid: spec: Forbidden/.exec(stderr);
  return m?.[1];
}

/** Helm's stderr, with the lines that could carry rendered secrets or values left out. */
export function helmMessage(stderr: string): string {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(---|[a-zA-Z]+:\s*\|)/.test(l))
    .slice(-6)
    .join(' ')
    .slice(0, 1500);
}

export class Helm {
  private readonly run: RunCli;
  private readonly kube: { kubeconfig?: string; context?: string };
  constructor(run: RunCli, kube: { kubeconfig?: string; context?: string } = {}) {
    this.run = run;
    this.kube = kube;
  }

  private global(namespace?: string): string[] {
    const a: string[] = [];
    if (this.kube.kubeconfig) a.push('--kubeconfig', this.kube.kubeconfig);
    if (this.kube.context) a.push('--kube-context', this.kube.context);
    if (namespace) a.push('--namespace', namespace);
    return a;
  }

  private async call(args: string[], what: string): Promise<string> {
    const r = await this.run(args, { HELM_NO_PLUGINS: '1' });
    if (r.code !== 0) throw new HelmError(`helm ${what} failed: ${helmMessage(r.stderr)}`, r.stderr);
    return r.stdout;
  }

  /** e.g. "v3.18.6" */
  async version(): Promise<string> {
    return (await this.call(['version', '--template', '{{.Version}}'], 'version')).trim();
  }

  async release(release: string, namespace: string): Promise<ReleaseInfo | undefined> {
    const out = await this.call(
      ['list', ...this.global(namespace), '--all', '--filter', `^${release}$`, '--output', 'json'],
      'list',
    );
    const items = JSON.parse(out || '[]') as { name: string; status: string; chart: string; revision: string }[];
    const r = items.find((i) => i.name === release);
    if (!r) return undefined;
    return {
      status: r.status,
      chartVersion: chartVersionOfChartField(r.chart)?.text ?? r.chart,
      revision: Number(r.revision),
    };
  }

  /** The user-supplied values of the release (not the chart defaults). */
  async userValues(release: string, namespace: string): Promise<Values> {
    const out = await this.call(
      ['get', 'values', release, ...this.global(namespace), '--output', 'json'],
      'get values',
    );
    const v = JSON.parse(out.trim() || 'null') as Values | null;
    return v ?? {};
  }

  /** The user-supplied values of one revision of the release (helm get values --revision). */
  async valuesAt(release: string, namespace: string, revision: number): Promise<Values> {
    const out = await this.call(
      ['get', 'values', release, ...this.global(namespace), '--revision', String(revision), '--output', 'json'],
      `get values --revision ${revision}`,
    );
    const v = JSON.parse(out.trim() || 'null') as Values | null;
    return v ?? {};
  }

  /** The release's revisions, oldest first (helm history; Helm keeps at most its max history). */
  async history(release: string, namespace: string): Promise<HistoryEntry[]> {
    const out = await this.call(['history', release, ...this.global(namespace), '--output', 'json'], 'history');
    const items = JSON.parse(out.trim() || '[]') as { revision: number; status: string; chart: string }[];
    return items.map((i) => ({
      revision: Number(i.revision),
      status: i.status,
      chartVersion: chartVersionOfChartField(i.chart)?.text ?? i.chart,
    }));
  }

  private chartArgs(chart: ChartRef, version: string): string[] {
    switch (chart.kind) {
      case 'repo':
        return [chart.name, '--repo', chart.repo, '--version', version];
      case 'oci':
        return [chart.ref, '--version', version];
      case 'local':
        return [chart.path];
    }
  }

  /**
   * The version in the chart's own Chart.yaml, as helm reads the chart it would install (a local
   * directory or archive, or the repository's or registry's chart at `version`).
   */
  async chartVersion(chart: ChartRef, version: string): Promise<string> {
    const out = await this.call(['show', 'chart', ...this.chartArgs(chart, version)], 'show chart');
    let meta: unknown;
    try {
      meta = parseYaml(out);
    } catch {
      // Not YAML: reported below as a chart without a version.
    }
    const v = meta && typeof meta === 'object' && 'version' in meta ? (meta as { version: unknown }).version : '';
    return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
  }

  /** helm upgrade --wait with explicit values (never --reuse-values). Returns stdout; throws HelmError. */
  async upgrade(req: UpgradeRequest): Promise<string> {
    const args = [
      'upgrade',
      req.release,
      ...this.chartArgs(req.chart, req.version),
      ...this.global(req.namespace),
      '--values',
      req.valuesFile,
      '--reset-values',
      '--wait',
      '--timeout',
      toGoDuration(req.timeoutMs),
    ];
    if (req.dryRun) args.push('--dry-run=server');
    return this.call(args, req.dryRun ? 'upgrade --dry-run=server' : 'upgrade');
  }

  async template(
    release: string,
    namespace: string,
    chart: ChartRef,
    version: string,
    valuesFile: string,
  ): Promise<string> {
    return this.call(
      ['template', release, ...this.chartArgs(chart, version), '--namespace', namespace, '--values', valuesFile],
      'template',
    );
  }
}

/** Helm bound to the run's release, namespace, chart and chart version. Also the seam the phase tests replace. */
export interface ReleaseHelm {
  /** e.g. "v3.18.6" */
  version(): Promise<string>;
  /** The release as `helm list` shows it, or undefined when there is none. */
  info(): Promise<ReleaseInfo | undefined>;
  /** The user-supplied values of the release (not the chart defaults). */
  userValues(): Promise<Values>;
  /** helm upgrade --wait to the run's chart with explicit values; throws HelmError. */
  upgrade(o: { valuesFile: string; timeoutMs: number; dryRun?: boolean }): Promise<string>;
  /** helm template of the run's chart with these values. */
  template(valuesFile: string): Promise<string>;
  /** The version in the Chart.yaml of the chart the upgrade would install. */
  chartVersion(): Promise<string>;
  /** The user-supplied values of one revision of the release (abort's way back). */
  valuesAt(revision: number): Promise<Values>;
  /** The release's revisions Helm still keeps, oldest first. */
  history(): Promise<HistoryEntry[]>;
}

export function releaseHelm(
  helm: Helm,
  r: { release: string; namespace: string; chart: ChartRef; version: string },
): ReleaseHelm {
  return {
    version: () => helm.version(),
    info: () => helm.release(r.release, r.namespace),
    userValues: () => helm.userValues(r.release, r.namespace),
    upgrade: (o) => helm.upgrade({ ...r, ...o }),
    template: (valuesFile) => helm.template(r.release, r.namespace, r.chart, r.version, valuesFile),
    chartVersion: () => helm.chartVersion(r.chart, r.version),
    valuesAt: (revision) => helm.valuesAt(r.release, r.namespace, revision),
    history: () => helm.history(r.release, r.namespace),
  };
}
