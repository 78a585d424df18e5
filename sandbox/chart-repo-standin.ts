// Helm chart repository stand-in for the action's default `chart-repo` (read from action.yml), so a
// workflow that leaves `chart` and `chart-repo` at their defaults, as the examples do, installs the
// fixture chart. It follows a chart repository's contract: `index.yaml` and the chart archives made
// by `helm package` and `helm repo index`, over HTTPS. helm reaches it as it reaches any host behind
// a proxy: HTTPS_PROXY names this process, which answers CONNECT for the repository's host only with
// a certificate of a test CA that SSL_CERT_FILE makes the one trusted root. Nothing leaves the machine.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import YAML from 'yaml';
import { REPO_ROOT } from './action-runner.ts';
import { binPath } from './bins.ts';
import { makeCA, makeCert } from './pki.ts';

export interface ChartRepoStandin {
  /** The repository URL, as action.yml's `chart-repo` default names it. */
  repoUrl: string;
  /** Environment that routes helm's HTTPS to the stand-in (loopback stays direct). */
  env: Record<string, string>;
  /** Paths requested from the repository, e.g. '/index.yaml'. */
  requests: string[];
  /** CONNECT targets refused (any host but the repository's). */
  refused: string[];
  close(): Promise<void>;
}

/** The default of `chart-repo` in action.yml. */
export function defaultChartRepo(): string {
  const action = YAML.parse(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  const url = action.inputs['chart-repo']?.default;
  if (!url) throw new Error('action.yml has no default for chart-repo');
  return url.replace(/\/+$/, '');
}

/** Packages `charts` (chart directories) into `dir` and serves them as the default chart repository. */
export async function startChartRepoStandin(dir: string, charts: string[]): Promise<ChartRepoStandin> {
  const repoUrl = defaultChartRepo();
  const host = new URL(repoUrl).hostname;
  const files = join(dir, 'repo');
  const helm = binPath('helm');
  for (const c of charts)
    execFileSync(helm, ['package', c, '-d', files], { stdio: 'pipe', env: { ...process.env, HELM_NO_PLUGINS: '1' } });
  execFileSync(helm, ['repo', 'index', files, '--url', repoUrl], { stdio: 'pipe' });

  const ca = makeCA(join(dir, 'pki'), 'chart-repo-standin-ca');
  const leaf = makeCert(join(dir, 'pki'), { name: 'chart-repo', ca, cn: host, sans: { dns: [host] }, usage: 'server' });
  const requests: string[] = [];
  const refused: string[] = [];
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', repoUrl).pathname;
    requests.push(path);
    const name = path.replace(/^\/+/, '');
    // Only the index and the archives it lists: no path outside the repository folder.
    if (req.method !== 'GET' || !/^[\w.-]+\.(yaml|tgz)$/.test(name)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = readFileSync(join(files, name));
      res.writeHead(200, { 'content-type': name.endsWith('.yaml') ? 'text/yaml' : 'application/gzip' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  };
  const tls = createHttpsServer({ cert: readFileSync(leaf.cert), key: readFileSync(leaf.key) }, serve);
  const proxy = createHttpServer((_req, res) => res.writeHead(405).end());
  const sockets = new Set<Socket>();
  proxy.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  proxy.on('connect', (req: IncomingMessage, socket: Socket) => {
    const target = req.url ?? '';
    if (target !== `${host}:443`) {
      refused.push(target);
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    tls.emit('connection', socket);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  return {
    repoUrl,
    requests,
    refused,
    env: {
      HTTPS_PROXY: proxyUrl,
      https_proxy: proxyUrl,
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
      SSL_CERT_FILE: ca.cert,
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
