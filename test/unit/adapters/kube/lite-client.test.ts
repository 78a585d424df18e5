import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { liteConnection, UnsupportedKubeconfig } from '../../../../src/adapters/kube/lite-client.ts';
import { kubeConnection, loadKubeConfig } from '../../../../src/adapters/kube/kubeconfig.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'main',
    clusters: [
      { name: 'c', cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority-data': b64('CA'), ...cluster } },
    ],
    users: [{ name: 'u', user }],
    contexts: [
      { name: 'main', context: { cluster: 'c', user: 'u' } },
      { name: 'other', context: { cluster: 'c', user: 'u' } },
    ],
  });
}

describe('liteConnection', () => {
  it('takes the server, CA and a token from the current context', () => {
    const c = liteConnection({ content: kubeconfig({ token: 'abc' }), env: {} }).conn;
    expect(c.url.href).toBe('https://10.0.0.1:6443/');
    expect(c.options.ca?.toString()).toBe('CA');
    expect(c.options.headers).toEqual({ Authorization: 'Bearer abc' });
    expect(c.options.rejectUnauthorized).toBe(true);
  });

  it('takes client certificates, and the context input', () => {
    const c = liteConnection({
      content: kubeconfig({ 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') }),
      context: 'other',
      env: {},
    }).conn;
    expect([c.options.cert?.toString(), c.options.key?.toString()]).toEqual(['CERT', 'KEY']);
  });

  it('leaves exec plugins, auth providers, proxies and in-cluster to client-node', () => {
    expect(() => liteConnection({ content: kubeconfig({ exec: { command: 'aws' } }), env: {} })).toThrow(
      UnsupportedKubeconfig,
    );
    expect(() => liteConnection({ content: kubeconfig({ 'auth-provider': { name: 'oidc' } }), env: {} })).toThrow(
      UnsupportedKubeconfig,
    );
    expect(() =>
      liteConnection({ content: kubeconfig({ token: 'x' }, { 'proxy-url': 'http://p:3128' }), env: {} }),
    ).toThrow(UnsupportedKubeconfig);
    expect(() =>
      liteConnection({ content: kubeconfig({ token: 'x' }), env: { HTTPS_PROXY: 'http://p:3128' } }),
    ).toThrow(UnsupportedKubeconfig);
    expect(
      liteConnection({
        content: kubeconfig({ token: 'x' }),
        env: { HTTPS_PROXY: 'http://p:3128', NO_PROXY: '10.0.0.1' },
      }).conn.url.hostname,
    ).toBe('10.0.0.1');
    expect(() => liteConnection({ env: {} })).toThrow(UnsupportedKubeconfig);
  });

  it('names a missing context without quoting the kubeconfig', () => {
    expect(() => liteConnection({ content: kubeconfig({ token: 'secret-token' }), context: 'nope', env: {} })).toThrow(
      /no context named "nope" \(it has: main, other\)/,
    );
    try {
      liteConnection({ content: kubeconfig({ token: 'secret-token' }), context: 'nope', env: {} });
    } catch (e) {
      expect((e as Error).message).not.toContain('secret-token');
    }
  });
});

// Both readers of the kubeconfig choose the context in kube-context.ts: discover refuses and warns
// exactly as the other phases do, whichever reader it uses.
describe('liteConnection and loadKubeConfig', () => {
  const doc = (o: { current?: string; contexts?: [string, string][]; skip?: boolean }) =>
    YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      ...(o.current === undefined ? {} : { 'current-context': o.current }),
      clusters: [
        {
          name: 'c',
          cluster: { server: 'https://10.0.0.1:6443', ...(o.skip ? { 'insecure-skip-tls-verify': true } : {}) },
        },
      ],
      users: [{ name: 'u', user: { token: 'secret-token' } }],
      contexts: (o.contexts ?? [['dev', 'c']]).map(([name, cluster]) => ({ name, context: { cluster, user: 'u' } })),
    });
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kube-lite-test-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const refusal = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    return 'no refusal';
  };

  it.each([
    [
      'a current-context that is not a context',
      {
        current: 'gone',
        contexts: [
          ['dev', 'c'],
          ['staging', 'c'],
        ],
      },
      undefined,
    ],
    [
      'no current-context',
      {
        contexts: [
          ['dev', 'c'],
          ['staging', 'c'],
        ],
      },
      undefined,
    ],
    ['an input context the kubeconfig lacks', { current: 'dev' }, 'prod'],
    ['a context naming a cluster the kubeconfig lacks', { current: 'dev', contexts: [['dev', 'gone']] }, undefined],
  ] as const)('refuse %s with the same words', (_name, o, context) => {
    const content = doc(o as Parameters<typeof doc>[0]);
    const lite = refusal(() => liteConnection({ content, context, env: {} }));
    const full = refusal(() => loadKubeConfig({ content, context, tempRoot: root }));
    expect(lite).toMatch(/ \(it has( contexts)?: [a-z, ]+\); set (input 'context'|context)/);
    expect(lite).toBe(full);
    expect(lite).not.toContain('secret-token');
  });

  it('say the same about insecure-skip-tls-verify, and nothing without it', () => {
    const content = doc({ current: 'dev', skip: true });
    const lite = liteConnection({ content, env: {} });
    const full = loadKubeConfig({ content, tempRoot: root });
    full.cleanup();
    expect(lite.warnings).toEqual([
      expect.stringMatching(/^the kubeconfig's cluster "c" sets insecure-skip-tls-verify/),
    ]);
    expect(lite.warnings).toEqual(full.warnings);
    expect(lite.conn.options.rejectUnauthorized).toBe(false);
    expect(liteConnection({ content: doc({ current: 'dev' }), env: {} }).warnings).toEqual([]);
  });
});

describe('credentials that cannot be loaded', () => {
  it('liteConnection names a client key file that cannot be read, in the words of the other phases', () => {
    const key = join(tmpdir(), 'vcem-no-such-dir', 'client.key');
    const content = kubeconfig({ 'client-certificate-data': b64('CERT'), 'client-key': key });
    expect(() => liteConnection({ content, env: {} })).toThrow(
      `the kubeconfig's client key file ${JSON.stringify(key)} of user "u" cannot be read (ENOENT); the file must exist on the runner`,
    );
  });

  it('kubeConnection names an exec plugin missing from the runner', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kube-lite-test-'));
    try {
      const k = loadKubeConfig({
        content: kubeconfig({
          exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'vcem-no-such-plugin' },
        }),
        tempRoot: root,
      });
      await expect(kubeConnection(k.kc)).rejects.toThrow(
        `the kubeconfig's exec credential plugin of user "u" (command "vcem-no-such-plugin") was not found on the runner`,
      );
      k.cleanup();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
