// Loads the kubeconfig: input content (written to a private temp file for helm), else
// KUBECONFIG, else the in-cluster service account. The content is never printed.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { RequestOptions } from 'node:https';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { chooseContext, credentialError } from './kubeconfig-context.ts';
import type { KubeConnection } from './lite-client.ts';

export interface LoadedKubeConfig {
  kc: KubeConfig;
  /** A file helm can read (--kubeconfig), or undefined for in-cluster. */
  path?: string;
  context: string;
  /** Said in the log and the summary (insecure-skip-tls-verify). */
  warnings: string[];
  cleanup(): void;
}

export function loadKubeConfig(opts: {
  content?: string;
  context?: string;
  env?: NodeJS.ProcessEnv;
  tempRoot?: string;
}): LoadedKubeConfig {
  const env = opts.env ?? process.env;
  const kc = new KubeConfig();
  let path: string | undefined;
  let dir: string | undefined;
  const cleanup = (): void => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (opts.content !== undefined) {
      dir = mkdtempSync(join(opts.tempRoot ?? tmpdir(), 'vcem-kube-'));
      path = join(dir, 'kubeconfig');
      writeFileSync(path, opts.content, { mode: 0o600 });
      kc.loadFromFile(path);
    } else if (env.KUBECONFIG) {
      path = env.KUBECONFIG.split(':')[0];
      kc.loadFromFile(path!);
    } else {
      kc.loadFromCluster();
    }
    const chosen = chooseContext(
      { currentContext: kc.getCurrentContext(), contexts: kc.getContexts(), clusters: kc.getClusters() },
      opts.context,
    );
    kc.setCurrentContext(chosen.context);
    return { kc, path, context: chosen.context, warnings: chosen.warnings, cleanup };
  } catch (e) {
    // The file holds the credentials: it goes whatever went wrong.
    cleanup();
    throw e;
  }
}

/**
 * The selected context's connection for a plain HTTPS client (discover's fleet reader): client-node's TLS,
 * credentials (exec plugins and auth providers included) and proxy agent.
 */
export async function kubeConnection(kc: KubeConfig): Promise<KubeConnection> {
  const options: RequestOptions = { headers: {} };
  try {
    await kc.applyToHTTPSOptions(options);
  } catch (e) {
    throw credentialError(kc.getCurrentUser(), e);
  }
  return { url: new URL(kc.getCurrentCluster()!.server), options };
}
