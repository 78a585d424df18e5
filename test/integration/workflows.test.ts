// The workflow files pass the real actionlint (built from its Go module by scripts/actionlint.sh),
// and the examples a user copies use this action's real inputs and outputs (action.yml) and
// keep the approval gate wired: finalize needs migrate, names the environment, reads approvals.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { binDir } from '../../sandbox/bins.ts';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ACTION_REF = 'vcluster-etcd-migrate/vcluster-etcd-migrate@v1';
const examples = readdirSync(join(root, 'examples'))
  .filter((f) => f.endsWith('.yml'))
  .sort();

async function actionlint(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(join(binDir(), 'actionlint'), ['-no-color', ...args], { cwd });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

/** A scratch repository holding action.yml and the examples with `uses:` pointing at it (./). */
function localCopy(transform: (text: string) => string = (t) => t): string {
  const dir = mkdtempSync(join(tmpdir(), 'actionlint-'));
  mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
  // actionlint finds the project (and so resolves `uses: ./`) by its .git directory, and
  // checks that the action's runs.main file exists.
  mkdirSync(join(dir, '.git'));
  mkdirSync(join(dir, 'dist'));
  writeFileSync(join(dir, 'dist', 'index.js'), '');
  cpSync(join(root, 'action.yml'), join(dir, 'action.yml'));
  for (const f of examples) {
    const text = readFileSync(join(root, 'examples', f), 'utf8').replaceAll(`uses: ${ACTION_REF}`, 'uses: ./');
    writeFileSync(join(dir, '.github', 'workflows', f), transform(text));
  }
  return dir;
}

const scratch: string[] = [];
beforeAll(async () => {
  // Installs the pinned actionlint into the sandbox bin dir when missing (go install, once).
  await run('bash', [join(root, 'scripts', 'actionlint.sh'), '-version'], { cwd: root }).catch(() => undefined);
}, 600_000);
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

describe('workflow files', () => {
  it('pass actionlint with zero findings (project workflows and examples)', async () => {
    const { stdout, stderr } = await run('bash', [join(root, 'scripts', 'actionlint.sh'), '-no-color'], {
      cwd: root,
    }).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? 'failed', stderr: e.stderr ?? '' }));
    expect(stdout + stderr.replace(/^\[actionlint\] building.*\n/m, '')).toBe('');
  });

  it('examples use only inputs and outputs that action.yml declares', async () => {
    const dir = localCopy();
    scratch.push(dir);
    const files = examples.map((f) => join('.github', 'workflows', f));
    expect(await actionlint(files, dir)).toEqual({ code: 0, out: '' });
  });

  it('the local-action check does find an unknown input and an unknown output (control)', async () => {
    const dir = localCopy((t) =>
      t
        .replace('phase: migrate', 'phase: migrate\n          dry-run: true')
        .replace('outputs.backup-file', 'outputs.backup-path'),
    );
    scratch.push(dir);
    const { code, out } = await actionlint([join('.github', 'workflows', 'migrate.yml')], dir);
    expect(code).toBe(1);
    expect(out).toContain('input "dry-run" is not defined');
    expect(out).toContain('backup-path');
  });
});

describe('examples/migrate.yml', () => {
  const wf = parse(readFileSync(join(root, 'examples', 'migrate.yml'), 'utf8'));

  it('is dispatched with release, namespace and chart-version', () => {
    const inputs = wf.on.workflow_dispatch.inputs;
    for (const name of ['release', 'namespace', 'chart-version'])
      expect(inputs[name]).toMatchObject({ required: true, type: 'string' });
  });

  it('runs finalize after migrate, in the approval environment the action verifies, with actions: read', () => {
    const { migrate, finalize } = wf.jobs;
    expect(finalize.needs).toBe('migrate');
    // Runs after phase one succeeded now or earlier (a second dispatch), never after a failure.
    expect(finalize.if).toBe(`contains(fromJSON('["succeeded", "no-op"]'), needs.migrate.outputs.status)`);
    expect(finalize.environment).toBe(wf.env.APPROVAL_ENVIRONMENT);
    const step = finalize.steps.find((s: { uses?: string }) => s.uses === ACTION_REF);
    expect(step.with).toMatchObject({ phase: 'finalize', 'approval-environment': '${{ env.APPROVAL_ENVIRONMENT }}' });
    expect(finalize.permissions).toEqual({ contents: 'read', actions: 'read' });
    expect(migrate.steps.find((s: { uses?: string }) => s.uses === ACTION_REF).with.phase).toBe('migrate');
    expect(migrate.environment).toBeUndefined();
  });

  it('serializes runs per release without cancelling one in progress, and keeps the snapshot', () => {
    expect(wf.concurrency.group).toContain('${{ inputs.release }}');
    expect(wf.concurrency['cancel-in-progress']).toBe(false);
    expect(wf.permissions).toEqual({ contents: 'read' });
    const upload = wf.jobs.migrate.steps.find((s: { uses?: string }) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload.with.path).toBe('${{ steps.migrate.outputs.backup-file }}');
    expect(upload.with['retention-days']).toBe('${{ inputs.backup-retention-days }}');
  });
});

describe('examples/fleet-waves.yml', () => {
  const wf = parse(readFileSync(join(root, 'examples', 'fleet-waves.yml'), 'utf8'));
  const steps = Object.keys(wf.jobs)
    .filter((j) => /^plan-\d+$/.test(j))
    .map((j) => Number(j.slice(5)));
  const actionStep = (job: string) =>
    wf.jobs[job].steps.find((s: { uses?: string }) => s.uses === ACTION_REF) as { with: Record<string, string> };

  it('chains its wave steps: each discover follows the batch the step before ran, with the same campaign inputs', () => {
    expect(steps).toEqual([1, 2, 3, 4]);
    const campaign = ['chart-version', 'namespaces', 'canary', 'waves', 'max-failures', 'max-releases'];
    for (const n of steps) {
      const plan = actionStep(`plan-${n}`).with;
      expect(plan).toMatchObject({ phase: 'discover', 'next-phase': 'migrate' });
      if (n === 1) expect(plan['after-batch']).toBeUndefined();
      else expect(plan['after-batch']).toBe(`\${{ needs.plan-${n - 1}.outputs.batch }}`);
      const verified = actionStep(`verified-${n}`).with;
      expect(verified).toMatchObject({
        phase: 'discover',
        'next-phase': 'finalize',
        batch: `\${{ needs.plan-${n}.outputs.batch }}`,
      });
      for (const k of campaign) expect(verified[k], `verified-${n} ${k}`).toBe(plan[k]);
      // A job output is never empty (an engine may pass an empty one on unevaluated), and the next steps go on only while the campaign runs.
      for (const out of Object.values(wf.jobs[`plan-${n}`].outputs as Record<string, string>))
        expect(out === '${{ steps.discover.outputs.matrix }}' || /\|\| '[^']+' }}$/.test(out), out).toBe(true);
      expect(wf.jobs[`verified-${n}`].if).toBe(`\${{ !cancelled() && needs.plan-${n}.outputs.campaign == 'running' }}`);
      expect(wf.jobs[`migrate-${n}`].strategy).toMatchObject({
        'fail-fast': false,
        matrix: `\${{ fromJSON(needs.plan-${n}.outputs.matrix) }}`,
      });
    }
    const report = actionStep('report').with;
    expect(report['after-batch']).toBe(
      "${{ needs.plan-4.outputs.campaign == 'running' && needs.plan-4.outputs.batch || needs.plan-3.outputs.campaign == 'running' && needs.plan-3.outputs.batch || needs.plan-2.outputs.campaign == 'running' && needs.plan-2.outputs.batch || needs.plan-1.outputs.campaign == 'running' && needs.plan-1.outputs.batch || '' }}",
    );
  });

  it("holds each wave's finalize behind one approval job that names the environment the action verifies", () => {
    for (const n of steps) {
      const approve = wf.jobs[`approve-${n}`];
      const finalize = wf.jobs[`finalize-${n}`];
      expect(approve.environment).toBe(wf.env.APPROVAL_ENVIRONMENT);
      expect(approve.if).toContain(`needs.verified-${n}.result == 'success'`);
      expect(finalize.needs).toEqual([`verified-${n}`, `approve-${n}`]);
      expect(finalize.if).toContain(`needs.approve-${n}.result == 'success'`);
      expect(finalize.permissions).toEqual({ contents: 'read', actions: 'read' });
      expect(actionStep(`finalize-${n}`).with).toMatchObject({
        phase: 'finalize',
        'approval-environment': '${{ env.APPROVAL_ENVIRONMENT }}',
      });
    }
    expect(wf.concurrency['cancel-in-progress']).toBe(false);
  });
});

describe('all examples', () => {
  it('reference the action by one name and take the kubeconfig from a secret', () => {
    for (const f of examples) {
      const text = readFileSync(join(root, 'examples', f), 'utf8');
      const uses = [...text.matchAll(/uses: (\S+)/g)].map((m) => m[1]!).filter((u) => !u.startsWith('actions/'));
      expect(uses.length, f).toBeGreaterThan(0);
      expect(new Set(uses), f).toEqual(new Set([ACTION_REF]));
      expect(text, f).toContain('kubeconfig: ${{ secrets.KUBECONFIG }}');
    }
  });

  it('plan on pull requests that touch migration requests, and report status on a schedule', () => {
    const plan = parse(readFileSync(join(root, 'examples', 'plan-on-pr.yml'), 'utf8'));
    expect(plan.on.pull_request.paths).toContain('migrations/*.yaml');
    expect(plan.jobs.plan.permissions['pull-requests']).toBe('write');
    expect(plan.jobs.plan.steps.at(-1).with.phase).toBe('plan');
    const status = parse(readFileSync(join(root, 'examples', 'status-schedule.yml'), 'utf8'));
    expect(status.on.schedule[0].cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
    expect(status.jobs.status.steps[0].with.phase).toBe('status');
  });
});

describe('.github/workflows/ci.yml', () => {
  it('sets up a Go new enough for every sandbox build module (they build with GOTOOLCHAIN=local)', () => {
    const ci = parse(readFileSync(join(root, '.github', 'workflows', 'ci.yml'), 'utf8'));
    const setupGo = ci.jobs.test.steps.find((s: { uses?: string }) => s.uses?.startsWith('actions/setup-go@'));
    const version = (v: string) => v.split('.').map(Number);
    const newer = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]! || (a[2] ?? 0) - (b[2] ?? 0);
    const have = version(String(setupGo.with['go-version']));
    const buildDir = join(root, 'sandbox', 'build');
    const modules = readdirSync(buildDir).map((d) => join(buildDir, d, 'go.mod'));
    expect(modules.length).toBeGreaterThan(0);
    for (const mod of modules) {
      const need = /^go (\S+)$/m.exec(readFileSync(mod, 'utf8'))![1]!;
      expect(newer(have, version(need)), `${mod} needs go ${need}`).toBeGreaterThanOrEqual(0);
    }
    expect(ci.jobs.test.steps.at(-1).run).toBe('bash .ci/run');
  });

  it("set up the Node of .node-version, the major version action.yml's runs.using names", () => {
    const using = parse(readFileSync(join(root, 'action.yml'), 'utf8')).runs.using as string;
    expect(readFileSync(join(root, '.node-version'), 'utf8').trim()).toBe(using.replace(/^node/, ''));
    const dir = join(root, '.github', 'workflows');
    const setups = readdirSync(dir)
      .flatMap((f) => parse(readFileSync(join(dir, f), 'utf8')).jobs)
      .flatMap((jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }>) =>
        Object.values(jobs),
      )
      .flatMap((job) => job.steps.filter((s) => s.uses?.startsWith('actions/setup-node@')));
    expect(setups.length).toBeGreaterThan(0);
    for (const s of setups) expect(s.with).toMatchObject({ 'node-version-file': '.node-version' });
  });
});
