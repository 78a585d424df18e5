import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { liteConnection, UnsupportedKubeconfig } from '../../src/kube-lite.ts';

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
    const c = liteConnection({ content: kubeconfig({ token: 'abc' }), env: {} });
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
    });
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
      }).url.hostname,
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
