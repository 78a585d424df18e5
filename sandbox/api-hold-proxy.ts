// A fault injector for the e2e tests: an HTTPS reverse proxy between helm and the kube-apiserver.
// Only helm goes through it (a run gets HELM_KUBEAPISERVER and HELM_KUBECAFILE, which helm reads;
// the action's own client keeps its kubeconfig). It forwards every request and holds the first one
// the test's rule matches without forwarding it, so a test can kill the action while helm is
// provably at that point of an upgrade (the request before it answered, this one not sent on),
// instead of guessing the moment from timing. A kubeconfig made by `kubeconfigVia` sends the action's
// own client through it too, so a rule can hold any request the action makes; upgraded connections
// (the port-forwards the action reaches its etcds by) are passed through, or held like the others.
// A rule can also refuse the request it matches: answered at once with the API server's error
// Status, not forwarded, so helm meets a write the API server turned down (a failure of its own,
// not a kill).
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import YAML from 'yaml';
import { makeCA, makeCert } from './pki.ts';

export interface ProxiedRequest {
  method: string;
  /** The URL path without the query. */
  path: string;
  query: string;
  /** Resource and object name from the path (for a create: the body's name), e.g. statefulsets, kill-etcd. */
  resource?: string;
  name?: string;
  /** The request body as text (creates and patches), for rules that look at it. */
  body: string;
  /** The API server's status code, once it answered. */
  status?: number;
}

export type HoldRule = (r: ProxiedRequest, before: readonly ProxiedRequest[]) => boolean;

export interface HoldProxy {
  /** Environment that sends helm (and only helm) through the proxy. */
  env: Record<string, string>;
  /** The kubeconfig with its cluster's server and CA replaced by the proxy's (same credentials). */
  kubeconfigVia(kubeconfig: string): string;
  /** Every request helm made, held one included, in order. */
  readonly requests: readonly ProxiedRequest[];
  /** Holds the first request from now on that `rule` matches; resolves with it once it arrived. */
  hold(rule: HoldRule): Promise<ProxiedRequest>;
  /**
   * Answers the first request from now on that `rule` matches with a 500 InternalError Status
   * (no Retry-After, so clients do not retry it) instead of forwarding it; resolves with it.
   */
  refuse(rule: HoldRule): Promise<ProxiedRequest>;
  close(): Promise<void>;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const isMutation = (r: ProxiedRequest): boolean => MUTATING.has(r.method);
/** Helm's own release records (Secrets sh.helm.release.v1.<release>.v<n>), as opposed to the chart's objects. */
export const isHelmRecord = (r: ProxiedRequest): boolean =>
  r.resource === 'secrets' && (r.name ?? r.body).includes('sh.helm.release.v1.');

function parse(method: string, url: string, body: string): ProxiedRequest {
  const [path = '', query = ''] = url.split('?');
  const m = /\/namespaces\/[^/]+\/([^/]+)(?:\/([^/]+))?/.exec(path);
  let name = m?.[2];
  if (!name && method === 'POST' && body) {
    try {
      name = (JSON.parse(body) as { metadata?: { name?: string } }).metadata?.name;
    } catch {
      /* not JSON: rules read body */
    }
  }
  return { method, path, query, resource: m?.[1], name, body };
}

/** Starts the proxy in front of `server` (https URL) trusted through `caFile`; its own PKI goes under `dir`. */
export async function startHoldProxy(dir: string, server: string, caFile: string): Promise<HoldProxy> {
  const ca = makeCA(join(dir, 'hold-proxy'), 'hold-proxy-ca');
  const cert = makeCert(join(dir, 'hold-proxy'), {
    name: 'hold-proxy',
    ca,
    cn: 'hold-proxy',
    sans: { ip: ['127.0.0.1'] },
    usage: 'server',
  });
  const upstream = new URL(server);
  const upstreamCa = readFileSync(caFile);
  const requests: ProxiedRequest[] = [];
  const held: ServerResponse[] = [];
  let armed: { rule: HoldRule; hit: (r: ProxiedRequest) => void; refuse?: boolean } | undefined;

  const forward = (req: IncomingMessage, res: ServerResponse, entry: ProxiedRequest, body: Buffer) => {
    const up = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        ca: upstreamCa,
        headers: { ...req.headers, host: upstream.host },
      },
      (ur) => {
        entry.status = ur.statusCode;
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    up.end(body);
  };

  const srv = createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry = parse(req.method ?? 'GET', req.url ?? '/', body.toString('utf8'));
      const before = requests.slice();
      requests.push(entry);
      if (armed && armed.rule(entry, before)) {
        const { hit, refuse } = armed;
        armed = undefined;
        if (refuse) {
          entry.status = 500;
          const message = `${entry.method} ${entry.path} refused by the test's fault proxy`;
          res.writeHead(500, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              kind: 'Status',
              apiVersion: 'v1',
              status: 'Failure',
              message,
              reason: 'InternalError',
              code: 500,
            }),
          );
        } else {
          // Not forwarded: helm waits for an answer that never comes, until the test kills it.
          held.push(res);
        }
        hit(entry);
        return;
      }
      forward(req, res, entry, body);
    });
  });
  // An upgrade (a port-forward's websocket): sent on as it came, then bytes both ways.
  const forwardUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const up = request({
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      ca: upstreamCa,
      headers: { ...req.headers, host: upstream.host },
    });
    up.on('upgrade', (ur, upSocket, upHead) => {
      socket.write(
        `HTTP/1.1 ${ur.statusCode} ${ur.statusMessage}\r\n` +
          Object.entries(ur.headers)
            .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k}: ${x}\r\n`))
            .join('') +
          '\r\n',
      );
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upSocket.pipe(socket).pipe(upSocket);
      upSocket.on('error', () => socket.destroy());
      socket.on('error', () => upSocket.destroy());
    });
    up.on('response', (ur) => {
      socket.write(`HTTP/1.1 ${ur.statusCode} ${ur.statusMessage}\r\n\r\n`);
      ur.pipe(socket);
    });
    up.on('error', () => socket.destroy());
    up.end();
  };
  const heldSockets: Duplex[] = [];
  srv.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const entry = parse(req.method ?? 'GET', req.url ?? '/', '');
    const before = requests.slice();
    requests.push(entry);
    if (armed && armed.rule(entry, before)) {
      const hit = armed.hit;
      armed = undefined;
      heldSockets.push(socket);
      hit(entry);
      return;
    }
    entry.status = 101;
    forwardUpgrade(req, socket, head);
  });
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  const url = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return {
    env: { HELM_KUBEAPISERVER: url, HELM_KUBECAFILE: ca.cert },
    kubeconfigVia(kubeconfig) {
      const kc = YAML.parse(kubeconfig) as { clusters: Array<{ cluster: Record<string, unknown> }> };
      const caData = readFileSync(ca.cert).toString('base64');
      for (const c of kc.clusters) {
        delete c.cluster['certificate-authority'];
        c.cluster.server = url;
        c.cluster['certificate-authority-data'] = caData;
      }
      return YAML.stringify(kc);
    },
    requests,
    hold(rule) {
      return new Promise((hit) => {
        armed = { rule, hit };
      });
    },
    refuse(rule) {
      return new Promise((hit) => {
        armed = { rule, hit, refuse: true };
      });
    },
    async close() {
      for (const r of held) r.destroy();
      for (const x of heldSockets) x.destroy();
      srv.closeAllConnections();
      await new Promise<void>((res) => srv.close(() => res()));
    },
  };
}
