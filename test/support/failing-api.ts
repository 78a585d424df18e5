// An API server that answers 500 to every request and counts them, with a kubeconfig (a token,
// no certificates) that points at it: a run that reaches the API fails there, and a test can
// assert that a refusal came before any request.
import { createServer } from 'node:http';

export interface FailingApi {
  kubeconfig: string;
  /** Requests received so far. */
  requests(): number;
  close(): Promise<void>;
}

export async function failingApi(): Promise<FailingApi> {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    res.writeHead(500).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'current-context: c',
    `clusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}"}}]`,
    'users: [{name: u, user: {token: not-a-real-token}}]',
    'contexts: [{name: c, context: {cluster: c, user: u}}]',
  ].join('\n');
  return {
    kubeconfig,
    requests: () => requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
