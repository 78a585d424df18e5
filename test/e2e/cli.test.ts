// End to end on the local cluster: the packed command line (npm pack, installed offline into an empty
// folder) run as in a terminal or another CI, with a kubeconfig file and no GitHub at all, against the
// fixture chart and the vCluster stand-in: plan, migrate (its outputs as JSON), finalize waiting for an
// approval, then approved. Then the two front doors on one migration: started by the command line and
// finished by the action (approved through the GitHub REST stand-in), and the other way round.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { SUCCESS_LINE } from '../../sandbox/vcluster-standin.ts';
import { lostGroups as lostGroupsBetween } from '../../sandbox/keyspace.ts';
import {
  FIXTURE_CHART,
  exists,
  explain,
  inputsFor,
  lostGroups,
  namespaceSnapshot,
  runAction,
  useSharedCluster,
  type DemoVCluster,
} from './harness.ts';
import { startGitHubStandin, type GitHubStandin } from '../support/github-standin.ts';
import type { Census } from '../../src/core/migration/census.ts';
import type { StateRecord } from '../../src/core/migration/state.ts';
import { explainCli, installPackedCli, runCli as runBin, type CliRun, type PackedCli } from '../support/run-cli.ts';
import { REPO_ROOT } from '../../sandbox/action-runner.ts';
import { EXIT } from '../../src/core/cli/exit-codes.ts';

const env = useSharedCluster();

let packed: PackedCli;
beforeAll(async () => {
  packed = await installPackedCli();
});
afterAll(() => packed?.remove());

const runCli = (args: string[], o?: Parameters<typeof runBin>[2]) => runBin(packed.bin, args, o);

function flags(d: DemoVCluster, ...more: string[]): string[] {
  return [
    '--release',
    d.release,
    '--namespace',
    d.namespace,
    '--chart-version',
    '0.27.0',
    '--chart',
    FIXTURE_CHART,
    '--timeout',
    '2m',
    '--migration-timeout',
    '2m',
    ...more,
  ];
}

/** The ServiceAccount token of the kubeconfig: it must never reach the output. */
function token(kubeconfig: string): string {
  const doc = YAML.parse(kubeconfig) as { users: { user: { token?: string } }[] };
  const t = doc.users[0]!.user.token;
  if (!t) throw new Error('the demo kubeconfig has no token');
  return t;
}

function noSecrets(d: DemoVCluster, r: CliRun): void {
  expect(r.stdout + r.stderr).not.toContain(token(d.kubeconfig));
}

async function deployedEtcd(d: DemoVCluster): Promise<boolean> {
  return exists(env().apps.readNamespacedStatefulSet({ name: `${d.release}-etcd`, namespace: d.namespace }));
}

describe('the command line on one vCluster', () => {
  let d: DemoVCluster;
  let deployedCounts: Map<string, number>;
  const dir = mkdtempSync(join(tmpdir(), 'vem-cli-e2e-'));

  it('the packed package holds the bundle and its notes only, installs offline with nothing else and says its version', async () => {
    expect(packed.files.filter((f) => !f.startsWith('dist/cli/'))).toEqual([
      'CHANGELOG.md',
      'LICENSE',
      'README.md',
      'package.json',
    ]);
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version']);
    expect(r.code, explainCli(r)).toBe(EXIT.done);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it('refuses a bad flag before anything, with exit code 2 and the flag named', async () => {
    const r = await runCli(['migrate', '--release', 'Bad_Name', '--namespace', 'x', '--chart-version', '0.27.0']);
    expect(r.code, explainCli(r)).toBe(EXIT.refused);
    expect(r.stderr).toContain('- --release: "Bad_Name" is not a DNS-1123 label.');
    expect(r.stderr).toContain('nothing was changed');
  });

  it('plan: exit 0, the summary as text on stdout, the steps on stderr, nothing changed', async () => {
    d = await env().demo({ namespace: 'e2e-cli', release: 'cli' });
    deployedCounts = await d.standIn.keyCounts('deployed');
    const before = await namespaceSnapshot(env(), d.namespace);
    const r = await runCli(['plan', ...flags(d)], { kubeconfig: d.kubeconfig });
    expect(r.code, explainCli(r)).toBe(EXIT.done);
    expect(r.stdout).toMatch(/planned/);
    expect(r.stdout).not.toMatch(/\*\*|^#+ /m);
    expect(r.stderr).toMatch(/census of the deployed etcd/);
    // Colours only on a terminal: neither stream is one here.
    expect(r.stdout + r.stderr).not.toContain('\u001b[');
    noSecrets(d, r);
    expect(await namespaceSnapshot(env(), d.namespace)).toEqual(before);
  });

  it('migrate with --output json: one JSON document on stdout with the outputs, the Markdown summary in a file', async () => {
    const summaryFile = join(dir, 'migrate.md');
    const r = await runCli(['migrate', ...flags(d, '--output', 'json', '--summary-file', summaryFile)], {
      kubeconfig: d.kubeconfig,
    });
    expect(r.code, explainCli(r)).toBe(EXIT.done);
    const out = JSON.parse(r.stdout) as Record<string, string>;
    expect(out.status, explainCli(r)).toBe('succeeded');
    expect(out.phase).toBe('migrate');
    expect(out['log-line']).toContain(SUCCESS_LINE);
    expect(Number(out['keys-after'])).toBeGreaterThanOrEqual(10_000);
    expect(readFileSync(summaryFile, 'utf8')).toBe(out['summary-markdown']);
    // The next step names the command line's approval, not a GitHub environment.
    expect(out['summary-markdown']).toContain('--approved-by');
    noSecrets(d, r);
    expect(await deployedEtcd(d)).toBe(true);
  });

  it('finalize without an approval waits: exit code 3, nothing changed', async () => {
    const before = await namespaceSnapshot(env(), d.namespace);
    const r = await runCli(['finalize', ...flags(d)], { kubeconfig: d.kubeconfig });
    expect(r.code, explainCli(r)).toBe(EXIT.waiting);
    expect(r.stderr).toContain('waiting: finalize waits for an approval: no --approved-by names who approves');
    const named = await runCli(['finalize', ...flags(d, '--approved-by', 'ada')], { kubeconfig: d.kubeconfig });
    expect(named.code, explainCli(named)).toBe(EXIT.waiting);
    expect(named.stderr).toContain('there is no --yes and no terminal to confirm on');
    expect(await namespaceSnapshot(env(), d.namespace)).toEqual(before);
  });

  it('finalize approved by a named person with --yes: exit 0, the name in the summary and the state record', async () => {
    const summaryFile = join(dir, 'finalize.md');
    const r = await runCli(
      ['finalize', ...flags(d, '--approved-by', 'Ada Lovelace', '--yes', '--summary-file', summaryFile)],
      { kubeconfig: d.kubeconfig },
    );
    expect(r.code, explainCli(r)).toBe(EXIT.done);
    expect(r.stdout).toContain('Approved by: Ada Lovelace');
    expect(readFileSync(summaryFile, 'utf8')).toContain('Approved by: `Ada Lovelace`');
    expect(await deployedEtcd(d)).toBe(false);
    const cm = await env().core.readNamespacedConfigMap({
      name: `${d.release}-etcd-migration`,
      namespace: d.namespace,
    });
    const state = JSON.parse(cm.data!['state.json']!) as { phase2?: { approvedBy?: string[] } };
    expect(state.phase2?.approvedBy).toEqual(['Ada Lovelace']);
    noSecrets(d, r);
    await d.standIn.waitForHistory((h) => h.some((l) => l.includes('embedded etcd started on migrated data')), 60_000);
    expect(await lostGroups(d, deployedCounts)).toEqual([]);
  });
});

async function stateOf(d: DemoVCluster): Promise<StateRecord> {
  const cm = await env().core.readNamespacedConfigMap({ name: `${d.release}-etcd-migration`, namespace: d.namespace });
  return JSON.parse(cm.data!['state.json']!) as StateRecord;
}

const counts = (c: Census | undefined) => new Map(Object.entries(c?.groups ?? {}));

/** Who took the lock for each phase, from the state record's history (run id prefix per front door). */
function lockTakers(s: StateRecord): { migrate: string[]; finalize: string[] } {
  const by = (phase: string) => s.history.filter((h) => h.event === `lock taken for ${phase}`).map((h) => h.runId);
  return { migrate: by('migrate'), finalize: by('finalize') };
}

/**
 * Both records verified and nothing lost: phase one's census diff, phase two's census of the embedded
 * etcd against phase one's census of the deployed etcd, and the embedded etcd read directly.
 */
async function verifiedAndComplete(d: DemoVCluster, deployedBefore: Map<string, number>): Promise<StateRecord> {
  const s = await stateOf(d);
  expect(s.phase1?.status).toBe('verified');
  expect(s.phase1?.diff?.lost).toEqual([]);
  expect(s.phase1?.before?.total).toBeGreaterThanOrEqual(10_000);
  expect(s.phase2?.status).toBe('verified');
  expect(lostGroupsBetween(counts(s.phase1?.before), counts(s.phase2?.census))).toEqual([]);
  expect(s.lock).toBeUndefined();
  await d.standIn.waitForHistory((h) => h.some((l) => l.includes('embedded etcd started on migrated data')), 60_000);
  expect(await lostGroups(d, deployedBefore)).toEqual([]);
  return s;
}

describe('one migration, two front doors', () => {
  const OWNER = 'example';
  const REPO = 'platform';
  let github: GitHubStandin | undefined;
  afterAll(async () => {
    await github?.close();
  });

  it('migrate from the command line, finalize by the action approved in GitHub: one state record, nothing lost', async () => {
    const RUN_ID = 25001;
    const d = await env().demo({ namespace: 'e2e-cli-to-action', release: 'clia' });
    const deployedBefore = await d.standIn.keyCounts('deployed');
    const m = await runCli(['migrate', ...flags(d)], { kubeconfig: d.kubeconfig });
    expect(m.code, explainCli(m)).toBe(EXIT.done);

    github = await startGitHubStandin();
    github.addEnvironment(OWNER, REPO, 'production', ['platform-lead']);
    github.addReview(OWNER, REPO, RUN_ID, {
      environment: 'production',
      state: 'approved',
      login: 'platform-lead',
      comment: 'go',
    });
    const f = await runAction(
      inputsFor(d, 'finalize', {
        'require-approval': 'true',
        'github-token': `ghs_${'cliToActionToken0123456789abcdef'}`,
      }),
      {
        env: {
          GITHUB_API_URL: github.url,
          GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
          GITHUB_RUN_ID: String(RUN_ID),
          GITHUB_JOB: 'finalize',
        },
      },
    );
    expect(f.code, explain(f)).toBe(0);
    expect(f.outputs.status, explain(f)).toBe('succeeded');
    expect(f.summary).toContain('Approved by: `platform-lead`');
    expect(github.violations).toEqual([]);
    expect(
      await exists(env().apps.readNamespacedStatefulSet({ name: `${d.release}-etcd`, namespace: d.namespace })),
    ).toBe(false);

    const s = await verifiedAndComplete(d, deployedBefore);
    expect(s.phase2?.approvedBy).toEqual(['platform-lead']);
    const takers = lockTakers(s);
    expect(takers.migrate).toHaveLength(1);
    expect(takers.migrate[0]).toMatch(/^cli-/);
    expect(takers.finalize).toEqual([`${RUN_ID}-1-finalize`]);
  });

  it('migrate by the action, finalize from the command line approved with --approved-by and --yes: one state record, nothing lost', async () => {
    const d = await env().demo({ namespace: 'e2e-action-to-cli', release: 'aclc' });
    const deployedBefore = await d.standIn.keyCounts('deployed');
    const m = await runAction(inputsFor(d, 'migrate'), { env: { GITHUB_RUN_ID: '25002', GITHUB_JOB: 'migrate' } });
    expect(m.code, explain(m)).toBe(0);
    expect(m.outputs.status, explain(m)).toBe('succeeded');

    const f = await runCli(['finalize', ...flags(d, '--approved-by', 'Grace Hopper', '--yes', '--output', 'json')], {
      kubeconfig: d.kubeconfig,
    });
    expect(f.code, explainCli(f)).toBe(EXIT.done);
    const out = JSON.parse(f.stdout) as Record<string, string>;
    expect(out.status, explainCli(f)).toBe('succeeded');
    expect(out['summary-markdown']).toContain('Approved by: `Grace Hopper`');
    expect(await deployedEtcd(d)).toBe(false);

    const s = await verifiedAndComplete(d, deployedBefore);
    expect(s.phase2?.approvedBy).toEqual(['Grace Hopper']);
    const takers = lockTakers(s);
    expect(takers.migrate).toEqual(['25002-1-migrate']);
    expect(takers.finalize).toHaveLength(1);
    expect(takers.finalize[0]).toMatch(/^cli-/);
  });
});
