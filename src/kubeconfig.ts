// Loads the kubeconfig: input content (written to a private temp file for helm), else
// KUBECONFIG, else the in-cluster service account. The content is never printed.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

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
    selectContext(kc, opts.context);
  } catch (e) {
    // The file holds the credentials: it goes whatever went wrong.
    cleanup();
    throw e;
  }
  return { kc, path, context: kc.getCurrentContext(), warnings: kubeconfigWarnings(kc), cleanup };
}

const contextList = (kc: KubeConfig): string =>
  kc
    .getContexts()
    .map((c) => c.name)
    .join(', ') || 'none';

/** Uses the named context, or checks that the current one exists and names a cluster. */
function selectContext(kc: KubeConfig, context: string | undefined): void {
  if (context !== undefined) {
    if (!kc.getContexts().some((c) => c.name === context)) {
      throw new Error(
        `input 'context': the kubeconfig has no context named ${JSON.stringify(context)} (it has: ${contextList(kc)}); set context to one of them or leave it empty for the current context`,
      );
    }
    kc.setCurrentContext(context);
  } else if (kc.getCurrentContext() && !kc.getContextObject(kc.getCurrentContext())) {
    throw new Error(
      `the kubeconfig's current-context ${JSON.stringify(kc.getCurrentContext())} is not one of its contexts (it has: ${contextList(kc)}); set input 'context' to one of them, or fix current-context`,
    );
  }
  if (!kc.getCurrentCluster()) {
    const name = kc.getCurrentContext();
    throw new Error(
      name
        ? `the kubeconfig's context ${JSON.stringify(name)} names no cluster the kubeconfig has (it has contexts: ${contextList(kc)}); set input 'context' or fix the kubeconfig`
        : `the kubeconfig has no current-context (it has contexts: ${contextList(kc)}); set input 'context' to one of them`,
    );
  }
}

/** What the run should say about the kubeconfig it uses, without changing anything. */
export function kubeconfigWarnings(kc: KubeConfig): string[] {
  const cluster = kc.getCurrentCluster();
  if (!cluster?.skipTLSVerify) return [];
  return [
    `the kubeconfig's cluster ${JSON.stringify(cluster.name)} sets insecure-skip-tls-verify: the API server's identity is not checked, so anything on the way can read the credentials and the cluster's answers; give it certificate-authority-data instead`,
  ];
}
