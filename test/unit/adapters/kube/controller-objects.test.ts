// Reading a GitOps controller's object over real HTTP: a connection the API server drops is read
// again (a loaded API server must not turn the read into "failed" and refuse the phase); an answer
// that says no (403, 404) is final at once.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { readControllerObject } from '../../../../src/adapters/kube/controller-objects.ts';
import type { ControllerObject } from '../../../../src/core/migration/gitops.ts';

const helmRelease: ControllerObject = {
  kind: 'HelmRelease',
  group: 'helm.toolkit.fluxcd.io',
  plural: 'helmreleases',
  namespace: 'flux-system',
  name: 'vc-a',
};

let close: (() => void) | undefined;
afterEach(() => close?.());

/** An API server on localhost; `answer(n, req, res)` answers the n-th request (from 1). */
async function apiServer(answer: (n: number, req: IncomingMessage, res: ServerResponse) => void) {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    answer(seen.length, req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  close = () => {
    server.closeAllConnections();
    server.close();
  };
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      { name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true },
    ],
    users: [{ name: 'u', token: 'test' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return { kc, seen };
}

const json = (res: ServerResponse, code: number, body: unknown) => {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const noWait = () => Promise.resolve();

describe('readControllerObject', () => {
  it('reads again when the API server drops the connection, then reads the object', async () => {
    const { kc, seen } = await apiServer((n, _req, res) => {
      if (n <= 2) return res.socket?.destroy();
      json(res, 200, { metadata: { annotations: { a: 'b' } }, spec: { suspend: true } });
    });
    const r = await readControllerObject(kc, helmRelease, noWait);
    expect(r).toMatchObject({ state: 'read', version: 'v2', spec: { suspend: true } });
    expect(seen).toHaveLength(3);
    expect(new Set(seen)).toEqual(
      new Set(['/apis/helm.toolkit.fluxcd.io/v2/namespaces/flux-system/helmreleases/vc-a']),
    );
  });

  it('a 403 is final at once and names the missing permission', async () => {
    const { kc, seen } = await apiServer((_n, _req, res) => json(res, 403, { kind: 'Status', message: 'forbidden' }));
    const r = await readControllerObject(kc, helmRelease, noWait);
    expect(r.state).toBe('forbidden');
    expect(r.state === 'forbidden' && r.why).toMatch(
      /may not get helmreleases\.helm\.toolkit\.fluxcd\.io in namespace flux-system/,
    );
    expect(seen).toHaveLength(1);
  });

  it('a bare 404 tries the next served version; a 404 naming the object says it is absent', async () => {
    const { kc, seen } = await apiServer((n, _req, res) => {
      if (n === 1) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        return res.end('404 page not found');
      }
      json(res, 404, { kind: 'Status', reason: 'NotFound', details: { kind: 'helmreleases', name: 'vc-a' } });
    });
    const r = await readControllerObject(kc, helmRelease, noWait);
    expect(r.state).toBe('absent');
    expect(seen.map((u) => u.split('/')[3])).toEqual(['v2', 'v2beta2']);
  });
});
