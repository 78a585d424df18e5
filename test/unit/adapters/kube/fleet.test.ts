// What discover's lister says when the kubeconfig's server is not a Kubernetes API server it can
// use: nothing listening, or a web server that answers with a page. Each message names the server,
// the cause and what to check.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { readFleet } from '../../../../src/adapters/kube/fleet.ts';

let server: Server | undefined;
afterEach(async () => {
  if (server) await new Promise((r) => server!.close(r));
  server = undefined;
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<number> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

const read = (port: number) =>
  readFleet({ url: new URL(`http://127.0.0.1:${port}`), options: {} }, { scope: { kind: 'all' }, secrets: false });

describe('readFleet', () => {
  it('names the server nothing answers on, and what to check', async () => {
    const port = await listen(() => undefined);
    await new Promise((r) => server!.close(r));
    server = undefined;
    await expect(read(port)).rejects.toThrow(
      new RegExp(
        `^cannot reach the Kubernetes API server http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*; check the server of the kubeconfig's cluster and that the runner can reach it$`,
      ),
    );
  });

  it('says a server that answers with a web page is not a Kubernetes API server', async () => {
    const port = await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'));
    await expect(read(port)).rejects.toThrow(
      `GET /api/v1/namespaces: the answer of http://127.0.0.1:${port} is not JSON, so it is not a Kubernetes API server; check the server of the kubeconfig's cluster`,
    );
  });
});
