// The connection discover lists with, from the kubeconfig, without loading @kubernetes/client-node:
// loading it costs about a second and 40 MB, more than discover's reads of a thousand releases.
// Covers certificates, tokens and basic auth. Anything else (exec plugins, auth providers, proxies,
// in-cluster) is UnsupportedKubeconfig: the caller then uses client-node, which covers it all.
import { readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { Agent } from 'node:https';
import { dirname, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { chooseContext, credentialFailure } from './kubeconfig-context.ts';

export interface KubeConnection {
  url: URL;
  options: RequestOptions;
}

/** The connection and what the run says about the kubeconfig (the kubeconfig rules decide both). */
export interface LiteConnection {
  conn: KubeConnection;
  warnings: string[];
}

export class UnsupportedKubeconfig extends Error {
  override name = 'UnsupportedKubeconfig';
}

type Named<T> = { name?: string } & T;
interface KubeconfigDoc {
  'current-context'?: string;
  clusters?: Named<{ cluster?: Record<string, unknown> }>[];
  users?: Named<{ user?: Record<string, unknown> }>[];
  contexts?: Named<{ context?: { cluster?: string; user?: string } }>[];
}

const USER_KEYS = new Set([
  'client-certificate',
  'client-certificate-data',
  'client-key',
  'client-key-data',
  'token',
  'tokenFile',
  'username',
  'password',
]);
const CLUSTER_KEYS = new Set([
  'server',
  'certificate-authority',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
  'extensions',
]);

function proxied(url: URL, env: NodeJS.ProcessEnv): boolean {
  const proxy = env.HTTPS_PROXY ?? env.https_proxy;
  if (!proxy) return false;
  const bypass = (env.NO_PROXY ?? env.no_proxy ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return !bypass.some((b) => b === '*' || url.hostname === b || url.hostname.endsWith(b.startsWith('.') ? b : `.${b}`));
}

/** The connection of the kubeconfig's (or `context`'s) cluster and user. */
export function liteConnection(opts: { content?: string; context?: string; env?: NodeJS.ProcessEnv }): LiteConnection {
  const env = opts.env ?? process.env;
  let text: string;
  let base: string | undefined;
  if (opts.content !== undefined) text = opts.content;
  else if (env.KUBECONFIG) {
    const file = env.KUBECONFIG.split(':')[0]!;
    text = readFileSync(file, 'utf8');
    base = dirname(file);
  } else throw new UnsupportedKubeconfig('in-cluster configuration');
  const doc = parseYaml(text, { maxAliasCount: 20 }) as KubeconfigDoc | null;
  if (!doc || typeof doc !== 'object') throw new Error('the kubeconfig is not a YAML mapping');
  // The same choice, refusals and warnings as the client-node loader of the other phases.
  const chosen = chooseContext(
    {
      currentContext: doc['current-context'],
      contexts: (doc.contexts ?? []).map((c) => ({ ...c.context, name: c.name ?? '' })),
      clusters: (doc.clusters ?? []).map((c) => ({
        name: c.name ?? '',
        skipTLSVerify: c.cluster?.['insecure-skip-tls-verify'] === true,
      })),
    },
    opts.context,
  );
  const cluster = doc.clusters?.find((c) => c.name === chosen.cluster)?.cluster ?? {};
  const user = doc.users?.find((u) => u.name === chosen.user)?.user ?? {};
  if (typeof cluster.server !== 'string')
    throw new Error(
      `the kubeconfig's cluster ${JSON.stringify(chosen.cluster)} has no server; give it the API server's URL`,
    );
  const odd = [
    ...Object.keys(user).filter((k) => !USER_KEYS.has(k)),
    ...Object.keys(cluster).filter((k) => !CLUSTER_KEYS.has(k)),
  ];
  if (odd.length > 0) throw new UnsupportedKubeconfig(odd.join(', '));
  const url = new URL(cluster.server);
  if (proxied(url, env)) throw new UnsupportedKubeconfig('proxy');

  const file = (p: unknown): Buffer => {
    const path = isAbsolute(String(p)) || !base ? String(p) : join(base, String(p));
    try {
      return readFileSync(path);
    } catch (e) {
      // In the words the other phases use for the same file (through client-node).
      const named = (key: string) => (user[key] === p ? path : undefined);
      throw new Error(
        credentialFailure(
          { name: chosen.user, keyFile: named('client-key'), certFile: named('client-certificate') },
          e,
        ),
      );
    }
  };
  const data = (inline: unknown, path: unknown): Buffer | undefined =>
    typeof inline === 'string' ? Buffer.from(inline, 'base64') : path ? file(path) : undefined;
  const headers: Record<string, string> = {};
  const token =
    typeof user.token === 'string'
      ? user.token
      : user.tokenFile
        ? file(user.tokenFile).toString('utf8').trim()
        : undefined;
  if (token) headers.Authorization = `Bearer ${token}`;
  const options: RequestOptions = {
    ca: data(cluster['certificate-authority-data'], cluster['certificate-authority']),
    cert: data(user['client-certificate-data'], user['client-certificate']),
    key: data(user['client-key-data'], user['client-key']),
    rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
    servername: typeof cluster['tls-server-name'] === 'string' ? cluster['tls-server-name'] : undefined,
    headers,
    auth: typeof user.username === 'string' ? `${user.username}:${String(user.password ?? '')}` : undefined,
  };
  options.agent = new Agent({
    keepAlive: true,
    ca: options.ca,
    cert: options.cert,
    key: options.key,
    rejectUnauthorized: options.rejectUnauthorized,
    servername: options.servername,
  });
  return { conn: { url, options }, warnings: chosen.warnings };
}
