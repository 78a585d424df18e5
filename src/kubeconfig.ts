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
  cleanup(): void;
}

export function loadKubeConfig(opts: { content?: string; context?: string; env?: NodeJS.ProcessEnv; tempRoot?: string }): LoadedKubeConfig {
  const env = opts.env ?? process.env;
  const kc = new KubeConfig();
  let path: string | undefined;
  let dir: string | undefined;
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
  const cleanup = (): void => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  if (opts.context !== undefined) {
    if (!kc.getContexts().some((c) => c.name === opts.context)) {
      cleanup();
      const known = kc.getContexts().map((c) => c.name).join(', ') || 'none';
      throw new Error(`input 'context': the kubeconfig has no context named ${JSON.stringify(opts.context)} (it has: ${known}); set context to one of them or leave it empty for the current context`);
    }
    kc.setCurrentContext(opts.context);
  }
  if (!kc.getCurrentCluster()) {
    cleanup();
    throw new Error("the kubeconfig names no cluster for its current context; set input 'context' or fix the kubeconfig");
  }
  return { kc, path, context: kc.getCurrentContext(), cleanup };
}
