// Hostile and broken input through the built action: shell metacharacters and line breaks in
// every string input, values that reach for the keys the migration owns, alias bombs, broken
// kubeconfigs, unreachable API servers, and text aimed at the summary, the PR comment and the
// step outputs. Each is refused or neutralised with a clear message; nothing reaches the
// cluster before the inputs are valid, and no credential shows up anywhere.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { runAction, type ActionRun } from '../support/run-action.ts';
import { VALID_INPUTS } from '../support/bad-inputs.ts';
import { assertNoSecretLeak } from '../support/secret-scan.ts';
import { recordScenario } from '../support/reliability.ts';
import { outsideCodeSpans } from '../support/markdown-structure.ts';
import { startGitHubStandin, type GitHubStandin } from '../support/github-standin.ts';
import { makeCA, makeCert } from '../../sandbox/pki.ts';
import { parseGithubOutput } from '../../sandbox/action-runner.ts';
import { RELEASE_OUTPUTS } from '../support/outputs.ts';

const GROUP = 'Hostile input';
/** Metacharacters of sh, then a line break that tries to start a workflow command. */
const PAYLOAD = ';$(id)`id`|&>x\n::error::INJECTED';

let dir: string;
let helmCalls: string;
/** Counts TCP connections: a refused input must not even open one to the API server. */
let listener: Server;
let connections = 0;
const sockets = new Set<Socket>();
let listenPort = 0;
let closedPort = 0;
let secrets: string[];
const token = `tok-${randomBytes(24).toString('hex')}`;
const githubToken = `ghs_${randomBytes(18).toString('hex')}`;

/** An input refusal writes status, the phase it was given (when it is one) and the summary, nothing else. */
function expectRefusalOutputs(r: ActionRun): void {
  expect(Object.keys(r.outputs).sort()).toEqual(['phase', 'status', 'summary-markdown']);
  expect(r.outputs.status).toBe('refused');
  expect(['', 'plan', 'migrate', 'finalize', 'status', 'discover']).toContain(r.outputs.phase);
  expect(r.outputs['summary-markdown']).toBe(r.summary);
}

function kubeconfigFor(server: string, extra: { contexts?: string[] } = {}): string {
  const [caPem, certPem, keyPem] = secrets;
  const b64 = (s: string) => Buffer.from(s!).toString('base64');
  const contexts = extra.contexts ?? ['c'];
  return [
    'apiVersion: v1',
    'kind: Config',
    `current-context: ${contexts[0]}`,
    'clusters:',
    `- name: c`,
    '  cluster:',
    `    server: ${JSON.stringify(server)}`,
    `    certificate-authority-data: ${b64(caPem!)}`,
    'users:',
    '- name: u',
    '  user:',
    `    client-certificate-data: ${b64(certPem!)}`,
    `    client-key-data: ${b64(keyPem!)}`,
    '- name: t',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    ...contexts.map((c, i) => `- name: ${c}\n  context: {cluster: c, user: ${i === 0 ? 'u' : 't'}}`),
  ].join('\n');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hostile-input-'));
  const ca = makeCA(join(dir, 'pki'), 'hostile-ca');
  const client = makeCert(join(dir, 'pki'), {
    name: 'client',
    ca,
    cn: 'admin',
    org: 'system:masters',
    usage: 'client',
  });
  secrets = [
    readFileSync(ca.cert, 'utf8'),
    readFileSync(client.cert, 'utf8'),
    readFileSync(client.key, 'utf8'),
    readFileSync(ca.key, 'utf8'),
    token,
    githubToken,
  ];
  helmCalls = join(dir, 'helm-calls');
  // Records a call; the assertion is that it is never reached.
  writeFileSync(join(dir, 'helm'), `#!/bin/sh\necho "$@" >> ${helmCalls}\nexit 1\n`);
  chmodSync(join(dir, 'helm'), 0o755);
  // Accepts connections and never answers: counts attempts, and stands for a silent server.
  listener = createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  listenPort = (listener.address() as { port: number }).port;
  // A port that was just free and is closed again: connections are refused.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => listener?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

interface HostileRun extends ActionRun {
  /** The GITHUB_OUTPUT file as the runner reads it. */
  rawOutput: string;
  ms: number;
}

/** Runs the built action with our own output and summary files, so their raw text can be checked. */
async function run(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<HostileRun> {
  const files = mkdtempSync(join(dir, 'run-'));
  const out = join(files, 'output');
  const summary = join(files, 'summary');
  writeFileSync(out, '');
  writeFileSync(summary, '');
  const t0 = Date.now();
  const r = await runAction(
    inputs,
    { PATH: `${dir}:${process.env.PATH}`, GITHUB_OUTPUT: out, GITHUB_STEP_SUMMARY: summary, ...env },
    timeoutMs,
  );
  const rawOutput = readFileSync(out, 'utf8');
  return {
    ...r,
    ms: Date.now() - t0,
    rawOutput,
    outputs: parseGithubOutput(rawOutput),
    summary: readFileSync(summary, 'utf8'),
  };
}

/** Workflow commands the action itself prints; anything else at a line start was injected. */
function assertOnlyOwnCommands(r: ActionRun): void {
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('::'))
      expect(line).toMatch(/^::(group|endgroup|error|warning|notice|debug|add-mask)( [^:]*)?::/);
    expect(line.startsWith('::error::INJECTED')).toBe(false);
  }
}

function assertNothingTouched(before: number): void {
  expect(connections - before).toBe(0);
  expect(existsSync(helmCalls)).toBe(false);
}

const firstError = (r: ActionRun): string =>
  r.errors
    .join('\n')
    .split('\n')
    .find((l) => /input '|kubeconfig|context/.test(l)) ??
  r.errors[0] ??
  '';

// One row per string input: [input, value, the message's words after "input '<name>': ", extra inputs].
const ROWS: [string, string, RegExp, Record<string, string>?][] = [
  ['release', `my-vc${PAYLOAD}`, /is not a DNS-1123 label/],
  ['namespace', `team-a${PAYLOAD}`, /is not a DNS-1123 label/],
  ['chart-version', `0.27.0${PAYLOAD}`, /is not a semantic version/],
  ['phase', `plan${PAYLOAD}`, /is not a phase/],
  ['chart', `vcluster${PAYLOAD}`, /contains a control character/],
  ['chart-repo', `https://charts.loft.sh/${PAYLOAD}`, /is not a repository URL/],
  ['storage-size', `5Gi${PAYLOAD}`, /is not a Kubernetes quantity/],
  ['storage-class', `standard${PAYLOAD}`, /is not a StorageClass name/],
  // Multi-line by design: each line is checked, and the injected line is not a flag.
  ['etcd-extra-args', `--quota-backend-bytes=1${PAYLOAD}`, /"::error::INJECTED" is not one --flag=value/],
  ['values', `sync: {toHost: {ingresses: {enabled: true}}}${PAYLOAD}`, /is not valid YAML/],
  ['context', `c${PAYLOAD}`, /contains a control character/],
  ['timeout', `10m${PAYLOAD}`, /is not a duration/],
  ['migration-timeout', `15m${PAYLOAD}`, /is not a duration/],
  ['approval-environment', `production${PAYLOAD}`, /contains a control character/],
  ['backup-skip-reason', `throwaway test cluster${PAYLOAD}`, /contains a control character/, { backup: 'skip' }],
  ['backup-dir', `/tmp/backups${PAYLOAD}`, /contains a control character/],
  ['volatile-prefixes', `/registry/example/${PAYLOAD}`, /"::error::INJECTED" is not an etcd key prefix/],
  ['pr-number', `12${PAYLOAD}`, /is not a pull request number/],
];

describe('shell metacharacters and a line break in every string input', () => {
  it.each(ROWS)('input %s: refused before any API request or helm call', async (name, value, words, extra = {}) => {
    const before = connections;
    const kubeconfig = kubeconfigFor(`https://127.0.0.1:${listenPort}`);
    const r = await run({ ...VALID_INPUTS, kubeconfig, ...extra, [name]: value });
    expect(r.code).toBe(1);
    const message = r.errors.join('\n');
    expect(message).toMatch(new RegExp(`input '${name}': .*${words.source}`));
    // The line break is shown escaped inside a quoted value, never as a second line.
    expect(message).not.toMatch(/^::error::INJECTED/m);
    expectRefusalOutputs(r);
    assertOnlyOwnCommands(r);
    assertNothingTouched(before);
    assertNoSecretLeak(r, [...secrets, kubeconfig]);
    const line = message.split('\n').find((l) => l.startsWith(`- input '${name}'`))!;
    recordScenario({
      group: GROUP,
      scenario: `metacharacters and a line break in input ${name}`,
      done: `input ${name} set to ${JSON.stringify(value)}`,
      action: `refused, exit 1, no API request, no helm call: ${line.slice(2)}`,
      dataLost: 'none',
    });
  });
});

describe('values that reach for the keys the migration owns', () => {
  const OWNED: [string, string, RegExp][] = [
    [
      'flow-style backingStore',
      '{controlPlane: {backingStore: {etcd: {embedded: {enabled: true, migrateFromDeployedEtcd: false}}}}}',
      /sets controlPlane\.backingStore, which the migration owns/,
    ],
    [
      'backingStore through a merge key and an anchor',
      'base: &b {backingStore: {etcd: {deploy: {enabled: true}}}}\ncontrolPlane:\n  <<: *b\n',
      /sets controlPlane\.backingStore, which the migration owns/,
    ],
    [
      'a quoted "<<" key Helm would merge',
      'controlPlane:\n  "<<": {backingStore: {etcd: {deploy: {enabled: true}}}}\n',
      /has a '<<' key, which Helm reads as a YAML merge key/,
    ],
    [
      'the volume claim through an alias',
      'claim: &c {volumeClaim: {enabled: false}}\ncontrolPlane: {statefulSet: {persistence: *c}}\n',
      /sets controlPlane\.statefulSet\.persistence\.volumeClaim, which the migration owns/,
    ],
  ];
  it.each(OWNED)('%s: refused, nothing touched', async (what, values, message) => {
    const before = connections;
    const r = await run({ ...VALID_INPUTS, kubeconfig: kubeconfigFor(`https://127.0.0.1:${listenPort}`), values });
    expect(r.code).toBe(1);
    expect(r.errors.join('\n')).toMatch(message);
    expectRefusalOutputs(r);
    assertNothingTouched(before);
    recordScenario({
      group: GROUP,
      scenario: `values set owned keys: ${what}`,
      done: `input values: ${JSON.stringify(values)}`,
      action: `refused before any API request: ${firstError(r).replace(/^- /, '')}`,
      dataLost: 'none',
    });
  });
});

/** Ten anchors, each a list of ten aliases of the one before: 10^10 nodes when expanded. */
function aliasBomb(top = 'a0'): string {
  const lines = [`${top}: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]`];
  for (let i = 1; i < 10; i++)
    lines.push(
      `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return lines.join('\n');
}

describe('documents that expand hugely', () => {
  it('values with nested aliases (billion laughs): refused without expanding', async () => {
    const before = connections;
    const r = await run({
      ...VALID_INPUTS,
      kubeconfig: kubeconfigFor(`https://127.0.0.1:${listenPort}`),
      values: aliasBomb(),
    });
    expect(r.code).toBe(1);
    expect(r.errors.join('\n')).toMatch(/input 'values': is not valid YAML \(Excessive alias count/);
    assertNothingTouched(before);
    console.log(`alias bomb in values: refused, whole action run ${r.ms} ms`);
    recordScenario({
      group: GROUP,
      scenario: 'values: billion-laughs aliases (10^10 nodes)',
      done: 'input values: ten anchors, each ten aliases of the previous',
      action: `refused in ${(r.ms / 1000).toFixed(1)} s (whole run) as "Excessive alias count"; no API request`,
      dataLost: 'none',
    });
  });

  it('kubeconfig with nested aliases: refused without expanding, content not shown', async () => {
    const before = connections;
    const kubeconfig = `${kubeconfigFor(`https://127.0.0.1:${listenPort}`)}\n${aliasBomb('bomb')}`;
    const r = await run({ ...VALID_INPUTS, kubeconfig });
    expect(r.code).toBe(1);
    expect(r.errors.join('\n')).toMatch(/input 'kubeconfig': is not a kubeconfig .*its content is not shown/);
    assertNothingTouched(before);
    assertNoSecretLeak(r, [...secrets, kubeconfig]);
    console.log(`alias bomb in kubeconfig: refused, whole action run ${r.ms} ms`);
    recordScenario({
      group: GROUP,
      scenario: 'kubeconfig: billion-laughs aliases',
      done: 'input kubeconfig: a valid kubeconfig plus ten anchors of ten aliases each',
      action: `refused in ${(r.ms / 1000).toFixed(1)} s (whole run): not a kubeconfig, content not shown; no API request`,
      dataLost: 'none',
    });
  });
});

describe('kubeconfig that cannot be used', () => {
  it('not YAML: refused without quoting it', async () => {
    const kubeconfig = `apiVersion: v1\nclusters: [\n  token: ${token}\n  client-key-data: ${Buffer.from(secrets[2]!).toString('base64')}`;
    const r = await run({ ...VALID_INPUTS, kubeconfig });
    expect(r.code).toBe(1);
    expect(r.errors.join('\n')).toMatch(
      /input 'kubeconfig': is not a kubeconfig \(not YAML with a clusters list\); its content is not shown/,
    );
    expectRefusalOutputs(r);
    assertNoSecretLeak(r, [...secrets, kubeconfig]);
    recordScenario({
      group: GROUP,
      scenario: 'kubeconfig is not YAML',
      done: 'input kubeconfig: an unclosed flow list holding a token and a private key',
      action: `refused, exit 1: ${firstError(r).replace(/^- /, '')}; the secret scan found no token or key in log, summary or outputs`,
      dataLost: 'none',
    });
  });

  it('YAML that is not a kubeconfig: refused', async () => {
    const r = await run({ ...VALID_INPUTS, kubeconfig: `- ${token}\n- just a list` });
    expect(r.code).toBe(1);
    expect(r.errors.join('\n')).toMatch(/input 'kubeconfig': is not a kubeconfig/);
    assertNoSecretLeak(r, secrets);
  });

  it('names a context it does not have: refused, listing the contexts it has', async () => {
    const before = connections;
    const kubeconfig = kubeconfigFor(`https://127.0.0.1:${listenPort}`, { contexts: ['dev', 'staging'] });
    const r = await run({ ...VALID_INPUTS, kubeconfig, context: 'prod;$(id)' });
    expect(r.code).toBe(1);
    const message = r.errors.join('\n');
    expect(message).toMatch(
      /the kubeconfig has no context named "prod;\$\(id\)" \(it has: dev, staging\); set context to one of them/,
    );
    expect(r.outputs.status).toBe('refused');
    assertNothingTouched(before);
    assertNoSecretLeak(r, [...secrets, kubeconfig]);
    recordScenario({
      group: GROUP,
      scenario: 'kubeconfig lacks the context named in input context',
      done: 'input context "prod;$(id)" with a kubeconfig holding dev and staging',
      action: 'refused, exit 1, no API request: "no context named "prod;$(id)" (it has: dev, staging)"',
      dataLost: 'none',
    });
  });

  it('server port closed: failed with the server named, quickly', async () => {
    const server = `https://127.0.0.1:${closedPort}`;
    const kubeconfig = kubeconfigFor(server);
    const r = await run({ ...VALID_INPUTS, phase: 'plan', kubeconfig });
    expect(r.code).toBe(1);
    expect(r.errors.join('\n')).toContain(`cannot reach the Kubernetes API server ${server}`);
    expect(r.outputs.status).toBe('failed');
    expect(existsSync(helmCalls)).toBe(false);
    assertNoSecretLeak(r, [...secrets, kubeconfig]);
    console.log(`closed API server port: exit ${r.code} after ${r.ms} ms`);
    recordScenario({
      group: GROUP,
      scenario: 'kubeconfig server port closed',
      done: 'kubeconfig server https://127.0.0.1:<closed port>, phase plan',
      action: `failed after ${(r.ms / 1000).toFixed(1)} s, exit 1: "cannot reach the Kubernetes API server https://127.0.0.1:…"; no helm call`,
      dataLost: 'none',
    });
  });

  it('server accepts connections and never answers: failed with the server named, in bounded time', async () => {
    const server = `https://127.0.0.1:${listenPort}`;
    const kubeconfig = kubeconfigFor(server);
    // runAction kills the action after 120 s; a hang would end with code 128 (signal), not exit 1.
    const r = await run({ ...VALID_INPUTS, phase: 'plan', kubeconfig });
    expect(r.code).toBe(1);
    expect(r.errors.join('\n')).toContain(`cannot reach the Kubernetes API server ${server}`);
    expect(existsSync(helmCalls)).toBe(false);
    assertNoSecretLeak(r, [...secrets, kubeconfig]);
    console.log(`silent API server: exit ${r.code} after ${r.ms} ms`);
    recordScenario({
      group: GROUP,
      scenario: 'kubeconfig server accepts but never answers',
      done: 'kubeconfig server is a TCP listener that never completes TLS, phase plan',
      action: `failed after ${(r.ms / 1000).toFixed(1)} s, exit 1: "cannot reach the Kubernetes API server https://127.0.0.1:…"; no helm call`,
      dataLost: 'none',
    });
  });
});

describe('text aimed at the summary, the PR comment and the step outputs', () => {
  let standin: GitHubStandin;
  beforeAll(async () => {
    standin = await startGitHubStandin();
  });
  afterAll(async () => {
    await standin.close();
  });

  it('a kubeconfig server string with HTML, Markdown, a mention and line breaks stays inert text', async () => {
    // The one piece of free text that reaches the summary and the comment without a cluster:
    // the server, named in the headline when it cannot be reached.
    const server = `https://127.0.0.1:${closedPort}/<img src=x onerror=alert(1)>[click](https://evil.example)\n## Injected heading\n<script>alert(2)</script>\n@octocat\nstatus=succeeded`;
    const kubeconfig = kubeconfigFor(server);
    const r = await run(
      { ...VALID_INPUTS, phase: 'plan', kubeconfig, 'pr-number': '7', 'github-token': githubToken },
      {
        GITHUB_REPOSITORY: 'acme/platform',
        GITHUB_RUN_ID: '99',
        GITHUB_API_URL: standin.url,
        GITHUB_SERVER_URL: 'https://github.com',
      },
    );
    expect(r.code).toBe(1);
    expect(r.summary).toContain('cannot reach the Kubernetes API server');
    const comments = standin.commentsOf('acme', 'platform', 7).map((c) => c.body);
    expect(comments).toHaveLength(1);
    expect(standin.violations).toEqual([]);
    for (const [where, md] of [
      ['summary', r.summary],
      ['comment', comments[0]!],
      ['summary-markdown output', r.outputs['summary-markdown']!],
    ] as const) {
      const live = outsideCodeSpans(md);
      expect(live, where).not.toMatch(/<(img|script)/i);
      expect(live, where).not.toMatch(/\]\(https:\/\/evil/);
      expect(md, where).not.toMatch(/^## Injected/m);
      expect(md, where).not.toMatch(/(^|[^\u200b])@octocat/);
    }
    // Exactly the documented outputs, each once; the server's "status=succeeded" line made none.
    expect(Object.keys(r.outputs).sort()).toEqual([...RELEASE_OUTPUTS].sort());
    expect(r.outputs.status).toBe('failed');
    expect(r.outputs['summary-markdown']!.trim()).toBe(r.summary.trim());
    assertOnlyOwnCommands(r);
    assertNoSecretLeak({ ...r, comments }, [...secrets, kubeconfig]);
    recordScenario({
      group: GROUP,
      scenario: 'HTML, Markdown, a mention and line breaks aimed at summary, comment and outputs',
      done: 'kubeconfig server text with <img onerror>, a link, "## heading", <script>, @octocat and "status=succeeded" on separate lines; run on a PR with the GitHub stand-in',
      action:
        'failed (server unreachable); summary and PR comment show the text escaped on one line, no live HTML, link, heading or mention; GITHUB_OUTPUT holds the 12 documented names once each',
      dataLost: 'none',
    });
  });
});

describe('inputs that used to pass unchecked', () => {
  const ROWS4: [string, Record<string, string>, RegExp][] = [
    [
      'chart-version a pre-release of the minimum',
      { 'chart-version': '0.24.2-rc.1' },
      /input 'chart-version': 0\.24\.2-rc\.1 cannot migrate/,
    ],
    [
      'etcd-extra-args with a pre-release of 0.26.0',
      { 'chart-version': '0.26.0-alpha.1', 'etcd-extra-args': '--quota-backend-bytes=8589934592' },
      /input 'etcd-extra-args': chart 0\.26\.0-alpha\.1 \(a pre-release of 0\.26\.0\) has no/,
    ],
    [
      'chart-version on an unknown future line',
      { 'chart-version': '1.0.0' },
      /input 'chart-version': 1\.0\.0 is on chart line 1\.0, newer than the newest line this action knows/,
    ],
    [
      'etcd-extra-args value of the wrong type',
      { 'etcd-extra-args': '--quota-backend-bytes=abc' },
      /--quota-backend-bytes has the value "abc"/,
    ],
    [
      'etcd-extra-args --wal-dir',
      { 'etcd-extra-args': '--wal-dir=/tmp/wal' },
      /--wal-dir puts the write-ahead log outside \/data/,
    ],
    [
      'etcd-extra-args --config-file',
      { 'etcd-extra-args': '--config-file=/etc/etcd.yaml' },
      /--config-file makes etcd ignore every other flag/,
    ],
    [
      'etcd-extra-args --force-new-cluster',
      { 'etcd-extra-args': '--force-new-cluster' },
      /--force-new-cluster discards the cluster membership/,
    ],
    [
      'etcd-extra-args --unsafe-no-fsync',
      { 'etcd-extra-args': '--unsafe-no-fsync' },
      /--unsafe-no-fsync turns off fsync/,
    ],
    [
      'etcd-extra-args flag given twice',
      { 'etcd-extra-args': '--snapshot-count=10000\n--snapshot-count=5' },
      /--snapshot-count is given twice/,
    ],
    [
      'values dataVolume emptyDir for /data',
      { values: 'controlPlane: {statefulSet: {persistence: {dataVolume: [{name: data, emptyDir: {}}]}}}' },
      /sets controlPlane\.statefulSet\.persistence\.dataVolume, which would give \/data/,
    ],
    [
      'storage-class not a DNS-1123 subdomain',
      { 'storage-class': 'gp3..ssd' },
      /input 'storage-class': "gp3\.\.ssd" is not a StorageClass name\. Expected: a DNS-1123 subdomain of at most 253 characters/,
    ],
    [
      'chart-repo an OCI registry',
      { 'chart-repo': 'oci://ghcr.io/loft-sh' },
      /input 'chart-repo': "oci:\/\/ghcr\.io\/loft-sh" is an OCI registry, which helm takes as the chart itself/,
    ],
    [
      'chart-repo with a password in the URL',
      { 'chart-repo': 'https://robot:pw-in-url-5f2c@charts.example.com' },
      /input 'chart-repo': holds a user name or password \(user:password@\), which the log and the summary would show; it is not shown here/,
    ],
    [
      'chart a path with nothing there',
      { chart: './charts/vcluster-missing' },
      /input 'chart': "\.\/charts\/vcluster-missing" looks like a path, but nothing is there/,
    ],
    [
      'backup-dir a relative path',
      { 'backup-dir': 'etcd-backups' },
      /input 'backup-dir': "etcd-backups" is a relative path, which depends on the step's working directory/,
    ],
    [
      'values-dir a relative path',
      { 'values-dir': 'gitops/vclusters', phase: 'plan' },
      /input 'values-dir': "gitops\/vclusters" is a relative path/,
    ],
    [
      "timeout beyond helm's Go duration",
      { timeout: '2562048h' },
      /input 'timeout': "2562048h" is too long: helm's --timeout is a Go duration.*Expected: at most 2562047h/,
    ],
    [
      'storage-size beyond a Kubernetes quantity',
      { 'storage-size': '8Ei' },
      /input 'storage-size': "8Ei" is more bytes than a Kubernetes quantity holds.*Expected: a size below 8Ei/,
    ],
    [
      'namespaces mixing namespace names and a label selector',
      { phase: 'discover', 'chart-version': 'keep', release: '', namespace: '', namespaces: 'team-a,env=prod' },
      /input 'namespaces': mixes the two forms: "team-a" reads as a namespace name, "env=prod" as a label selector requirement/,
    ],
    [
      'delete-etcd-pvcs outside finalize',
      { 'delete-etcd-pvcs': 'true', phase: 'migrate' },
      /input 'delete-etcd-pvcs': is true for phase migrate/,
    ],
  ];
  it.each(ROWS4)('%s: refused before any API request, also in the job summary', async (what, over, message) => {
    const before = connections;
    const r = await run({ ...VALID_INPUTS, kubeconfig: kubeconfigFor(`https://127.0.0.1:${listenPort}`), ...over });
    expect(r.code).toBe(1);
    expect(r.errors.join('\n')).toMatch(message);
    expectRefusalOutputs(r);
    // The refusal is in the job summary too, escaped, naming the input.
    const input = /input '([a-z-]+)'/.exec(message.source.replace(/\\/g, ''))?.[1] ?? Object.keys(over).at(-1)!;
    expect(r.summary).toContain('**refused**');
    expect(r.summary).toContain(`| \`${input}\` |`);
    assertNothingTouched(before);
    recordScenario({
      group: GROUP,
      scenario: `input: ${what}`,
      done: `inputs ${JSON.stringify(over)}`,
      action: `refused before any API request or helm call, in the log and the job summary: ${firstError(r).replace(/^- /, '')}`,
      dataLost: 'none',
    });
  });
});

describe('an input of tens of thousands of bad lines', () => {
  it('names the first three and counts the rest, in the log and a small job summary', async () => {
    // 20,000 short lines: about 120 KB, under the 128 KiB a runner can pass in one environment variable.
    const lines = Array.from({ length: 20_000 }, (_, i) => `x${i}`);
    const before = connections;
    const r = await run({
      ...VALID_INPUTS,
      kubeconfig: kubeconfigFor(`https://127.0.0.1:${listenPort}`),
      'etcd-extra-args': lines.join('\n'),
    });
    expect(r.code).toBe(1);
    const message = r.errors.join('\n');
    expect(message).toContain(`- input 'etcd-extra-args': "x0" is not one --flag=value.`);
    expect(message).toContain(`- input 'etcd-extra-args': "x2" is not one --flag=value.`);
    expect(message).not.toContain('"x3"');
    expect(message).toContain(
      "- input 'etcd-extra-args': and 19997 more problems like these (the first 3 are named). Expected: every line fixed as the ones above say.",
    );
    expectRefusalOutputs(r);
    const bytes = Buffer.byteLength(r.summary);
    expect(bytes).toBeLessThan(4096);
    assertNothingTouched(before);
    recordScenario({
      group: GROUP,
      scenario: 'input: etcd-extra-args of 20,000 bad lines',
      done: 'input etcd-extra-args set to 20,000 lines x0 … x19999 (about 120 KB), none a --flag=value',
      action: `refused in ${(r.ms / 1000).toFixed(1)} s before any API request or helm call; the error names the first 3 lines and "and 19997 more problems like these"; job summary ${bytes} bytes`,
      dataLost: 'none',
    });
  });
});

describe('credentials the kubeconfig cannot load', () => {
  const withUser = (user: string[]) =>
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: c',
      'clusters:',
      '- name: c',
      '  cluster:',
      `    server: "https://127.0.0.1:${listenPort}"`,
      `    certificate-authority-data: ${Buffer.from(secrets[0]!).toString('base64')}`,
      'users:',
      '- name: ci',
      '  user:',
      ...user.map((l) => `    ${l}`),
      'contexts:',
      '- name: c',
      '  context: {cluster: c, user: ci}',
    ].join('\n');

  it('a failing exec credential plugin is refused, what it printed in the log only and masked', async () => {
    const plugin = join(dir, 'failing-auth-plugin');
    const leaked = `FQoGZXIvYXdzE${randomBytes(12).toString('hex')}`;
    writeFileSync(
      plugin,
      `#!/bin/sh\necho "error: the SSO session for profile prod has expired" >&2\necho "aws_session_token=${leaked}" >&2\nexit 1\n`,
    );
    chmodSync(plugin, 0o755);
    const before = connections;
    const kubeconfig = withUser([
      'exec:',
      '  apiVersion: client.authentication.k8s.io/v1beta1',
      `  command: ${plugin}`,
      '  interactiveMode: Never',
    ]);
    const r = await run({ ...VALID_INPUTS, phase: 'plan', kubeconfig });
    expect(r.code).toBe(1);
    expect(r.outputs.status).toBe('refused');
    const message = r.errors.join('\n');
    expect(message).toContain(
      `refused: the kubeconfig cannot be used: the kubeconfig's exec credential plugin of user "ci" (command "${plugin}") failed before any request; what it printed is in the log only`,
    );
    expect(message).not.toContain('cannot reach');
    // What the plugin printed: in the log, its credential masked; not in the error, the summary or an output.
    expect(r.stdout).toContain('  | error: the SSO session for profile prod has expired');
    expect(r.stdout).toContain('  | aws_session_token=[masked]');
    for (const text of [message, r.summary, ...Object.values(r.outputs)]) {
      expect(text).not.toContain('SSO session');
      expect(text).not.toContain(leaked);
    }
    expect(r.stdout).not.toContain(leaked);
    expect(r.summary).toContain('**refused**');
    expect(r.outputs['summary-markdown']).toBe(r.summary);
    expect(connections - before).toBe(0);
    assertNoSecretLeak(r, [...secrets, kubeconfig, leaked]);
    recordScenario({
      group: GROUP,
      scenario: 'kubeconfig exec credential plugin fails',
      done: 'kubeconfig user with an exec plugin that prints an error and a session token on stderr and exits 1, phase plan',
      action:
        'refused before any API request, exit 1: "the kubeconfig\'s exec credential plugin of user "ci" (command …) failed before any request; what it printed is in the log only"; the log shows the plugin\'s lines with the token masked; summary and outputs hold neither',
      dataLost: 'none',
    });
  });

  it('discover: a failing exec credential plugin is refused the same way, its output in the log only', async () => {
    const plugin = join(dir, 'failing-auth-plugin-discover');
    const leaked = `ya29.${randomBytes(16).toString('hex')}`;
    writeFileSync(plugin, `#!/bin/sh\necho "refresh failed: access_token=${leaked}" >&2\nexit 2\n`);
    chmodSync(plugin, 0o755);
    const before = connections;
    const r = await run({
      phase: 'discover',
      'chart-version': 'keep',
      kubeconfig: withUser(['exec:', '  apiVersion: client.authentication.k8s.io/v1beta1', `  command: ${plugin}`]),
    });
    expect(r.code).toBe(1);
    expect(r.outputs.status).toBe('refused');
    expect(r.errors.join('\n')).toContain('failed before any request; what it printed is in the log only');
    expect(r.stdout).toContain('  | refresh failed: access_token=[masked]');
    expect(r.summary).toContain('## vCluster fleet: discover ❌');
    for (const text of [r.stdout, r.summary, ...Object.values(r.outputs)]) expect(text).not.toContain(leaked);
    expect(r.summary).not.toContain('refresh failed');
    expect(connections - before).toBe(0);
  });

  it('an exec plugin missing from the runner says so', async () => {
    const r = await run({
      ...VALID_INPUTS,
      phase: 'plan',
      kubeconfig: withUser([
        'exec:',
        '  apiVersion: client.authentication.k8s.io/v1beta1',
        '  command: gke-gcloud-auth-plugin-not-installed',
      ]),
    });
    expect(r.errors.join('\n')).toContain(
      '(command "gke-gcloud-auth-plugin-not-installed") was not found on the runner',
    );
  });

  it('an unreadable client key file is named', async () => {
    const key = join(dir, 'no-such-dir', 'client.key');
    const before = connections;
    const r = await run({
      ...VALID_INPUTS,
      phase: 'plan',
      kubeconfig: withUser([`client-certificate: ${key.replace('.key', '.crt')}`, `client-key: ${key}`]),
    });
    expect(r.code).toBe(1);
    expect(r.errors.join('\n')).toMatch(
      /the kubeconfig's client (key|certificate) file ".*no-such-dir\/client\.(key|crt)" of user "ci" cannot be read \(ENOENT\)/,
    );
    // Nothing was asked of the cluster: a refusal, like every kubeconfig that cannot be used.
    expect(r.outputs.status).toBe('refused');
    expect(connections - before).toBe(0);
    recordScenario({
      group: GROUP,
      scenario: 'kubeconfig client key file unreadable',
      done: 'kubeconfig user with client-certificate and client-key paths that do not exist on the runner, phase plan',
      action: `${r.outputs.status} before any API request: ${firstError(r).slice(0, 160)}`,
      dataLost: 'none',
    });
  });

  it('insecure-skip-tls-verify is warned about in the log and the summary', async () => {
    const kubeconfig = kubeconfigFor(`https://127.0.0.1:${closedPort}`).replace(
      / {4}certificate-authority-data: .*/,
      '    insecure-skip-tls-verify: true',
    );
    const r = await run({ ...VALID_INPUTS, phase: 'plan', kubeconfig });
    expect(r.stdout).toMatch(/^::warning::the kubeconfig's cluster "c" sets insecure-skip-tls-verify/m);
    expect(r.summary).toContain('insecure-skip-tls-verify');
  });

  it('a pull-request run without github-token warns that no comment is written', async () => {
    const r = await run(
      {
        ...VALID_INPUTS,
        phase: 'plan',
        kubeconfig: kubeconfigFor(`https://127.0.0.1:${closedPort}`),
        'pr-number': '7',
        'github-token': '',
      },
      { GITHUB_REPOSITORY: 'acme/platform', GITHUB_RUN_ID: '99' },
    );
    expect(r.stdout).toMatch(
      /^::warning::this run belongs to pull request #7, but input 'github-token' is empty, so no status comment is written/m,
    );
  });
});
