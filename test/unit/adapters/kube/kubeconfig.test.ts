// The kubeconfig loader: its temporary copy of the credentials never outlives a failed load, a
// missing current context is named with the contexts there are, insecure-skip-tls-verify is said.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadKubeConfig } from '../../../../src/adapters/kube/kubeconfig.ts';
import { recordScenario } from '../../../support/reliability.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kubeconfig-test-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const kubeconfig = (o: { current?: string; contexts?: string[]; cluster?: string } = {}) =>
  [
    'apiVersion: v1',
    'kind: Config',
    ...(o.current === undefined ? [] : [`current-context: ${o.current}`]),
    `clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"${o.cluster ?? ''}}}]`,
    'users: [{name: u, user: {token: tok-0123456789abcdef}}]',
    `contexts: [${(o.contexts ?? ['dev']).map((c) => `{name: ${c}, context: {cluster: c, user: u}}`).join(', ')}]`,
  ].join('\n');

describe('loadKubeConfig', () => {
  it('removes its temporary kubeconfig file when loading throws', () => {
    // YAML with a clusters list (so the input check passes) that client-node cannot load.
    expect(() => loadKubeConfig({ content: 'clusters: [{name: c}]\nusers: 5\n', tempRoot: root })).toThrow();
    expect(readdirSync(root)).toEqual([]);
    recordScenario({
      group: 'Hostile input',
      scenario: 'kubeconfig that client-node cannot load',
      done: 'input kubeconfig: YAML with a clusters list but a cluster without server and users: 5',
      action: 'refused as an unusable kubeconfig; its private temporary copy was removed at once',
      dataLost: 'none',
    });
  });

  it('removes it too when the context is missing', () => {
    expect(() => loadKubeConfig({ content: kubeconfig({ current: 'dev' }), context: 'prod', tempRoot: root })).toThrow(
      /no context named "prod" \(it has: dev\)/,
    );
    expect(readdirSync(root)).toEqual([]);
  });

  it('names a current-context that does not exist and lists the contexts the kubeconfig has', () => {
    expect(() =>
      loadKubeConfig({ content: kubeconfig({ current: 'gone', contexts: ['dev', 'staging'] }), tempRoot: root }),
    ).toThrow(
      `the kubeconfig's current-context "gone" is not one of its contexts (it has: dev, staging); set input 'context' to one of them, or fix current-context`,
    );
    expect(() => loadKubeConfig({ content: kubeconfig({ contexts: ['dev', 'staging'] }), tempRoot: root })).toThrow(
      "the kubeconfig has no current-context (it has contexts: dev, staging); set input 'context' to one of them",
    );
    expect(readdirSync(root)).toEqual([]);
    recordScenario({
      group: 'Hostile input',
      scenario: 'kubeconfig current-context that does not exist',
      done: 'kubeconfig with current-context "gone" and contexts dev, staging; no input context',
      action: 'refused: "the kubeconfig\'s current-context "gone" is not one of its contexts (it has: dev, staging)"',
      dataLost: 'none',
    });
  });

  it('warns when the cluster skips TLS verification, and keeps the file until cleanup', () => {
    const k = loadKubeConfig({
      content: kubeconfig({ current: 'dev', cluster: ', insecure-skip-tls-verify: true' }),
      tempRoot: root,
    });
    expect(k.warnings).toEqual([
      expect.stringMatching(
        /^the kubeconfig's cluster "c" sets insecure-skip-tls-verify: the API server's identity is not checked/,
      ),
    ]);
    expect(readdirSync(root)).toHaveLength(1);
    k.cleanup();
    expect(readdirSync(root)).toEqual([]);
    expect(loadKubeConfig({ content: kubeconfig({ current: 'dev' }), tempRoot: root }).warnings).toEqual([]);
  });
});
