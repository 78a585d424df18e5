// Which context, cluster and user of a kubeconfig a run uses, and what the run says about it.
// Pure, and the one place that decides it: both readers of the kubeconfig (through
// client-node, and the light client for discover) hand their parsed contexts here, so both refuse and warn alike.

/** The parts of a kubeconfig the choice needs, as either reader parsed them. */
export interface KubeconfigView {
  /** current-context; empty or undefined when the kubeconfig sets none. */
  currentContext?: string;
  contexts: readonly { name: string; cluster?: string; user?: string }[];
  clusters: readonly { name: string; skipTLSVerify?: boolean }[];
}

export interface ChosenContext {
  context: string;
  cluster: string;
  user?: string;
  /** Said in the log and the summary (insecure-skip-tls-verify). */
  warnings: string[];
}

/** The user fields credentialFailure names: client-node's User, or kube-lite's reading of the kubeconfig. */
export interface KubeUser {
  name?: string;
  exec?: unknown;
  keyFile?: string;
  certFile?: string;
}

const contextList = (v: KubeconfigView): string => v.contexts.map((c) => c.name).join(', ') || 'none';

/** The input `context` if set, else current-context; each refusal lists the contexts there are and what to set. */
export function chooseContext(v: KubeconfigView, context: string | undefined): ChosenContext {
  const name = context ?? v.currentContext ?? '';
  const ctx = v.contexts.find((c) => c.name === name);
  if (context !== undefined && !ctx) {
    throw new Error(
      `input 'context': the kubeconfig has no context named ${JSON.stringify(context)} (it has: ${contextList(v)}); set context to one of them or leave it empty for the current context`,
    );
  }
  if (name && !ctx) {
    throw new Error(
      `the kubeconfig's current-context ${JSON.stringify(name)} is not one of its contexts (it has: ${contextList(v)}); set input 'context' to one of them, or fix current-context`,
    );
  }
  const cluster = v.clusters.find((c) => c.name === ctx?.cluster);
  if (!ctx || !cluster) {
    throw new Error(
      name
        ? `the kubeconfig's context ${JSON.stringify(name)} names no cluster the kubeconfig has (it has contexts: ${contextList(v)}); set input 'context' or fix the kubeconfig`
        : `the kubeconfig has no current-context (it has contexts: ${contextList(v)}); set input 'context' to one of them`,
    );
  }
  const warnings = cluster.skipTLSVerify
    ? [
        `the kubeconfig's cluster ${JSON.stringify(cluster.name)} sets insecure-skip-tls-verify: the API server's identity is not checked, so anything on the way can read the credentials and the cluster's answers; give it certificate-authority-data instead`,
      ]
    : [];
  return { context: name, cluster: cluster.name, user: ctx.user, warnings };
}

/** Why the kubeconfig's user cannot authenticate, from the error loading its credentials gave (client-node's or a file read's). */
export function credentialFailure(user: KubeUser | undefined | null, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const first =
    (
      String(err?.message ?? e)
        .trim()
        .split('\n')[0] ?? ''
    ).slice(0, 300) || '(no message)';
  const who = `user ${JSON.stringify(user?.name ?? '?')}`;
  const exec = user?.exec as { command?: string } | undefined;
  if (exec?.command) {
    const why = err?.code === 'ENOENT' ? 'was not found on the runner' : `failed: ${first}`;
    return (
      `the kubeconfig's exec credential plugin of ${who} (command ${JSON.stringify(exec.command)}) ${why}. ` +
      'The plugin runs on the runner as it does for kubectl: install it there and give it its own credentials (EKS: aws, GKE: gke-gcloud-auth-plugin)'
    );
  }
  if (err?.code && typeof err.path === 'string') {
    const what =
      err.path === user?.keyFile ? 'client key file' : err.path === user?.certFile ? 'client certificate file' : 'file';
    return `the kubeconfig's ${what} ${JSON.stringify(err.path)} of ${who} cannot be read (${err.code}); the file must exist on the runner and be readable by the runner user, or put its content in the kubeconfig (client-key-data)`;
  }
  return `the kubeconfig's credentials of ${who} cannot be loaded: ${first}`;
}
