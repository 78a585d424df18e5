// Which context, cluster and user of a kubeconfig a run uses, and what the run says about it.
// Pure, and the one place that decides it: both readers of the kubeconfig (kubeconfig.ts through
// client-node, kube-lite.ts for discover) hand their parsed contexts here, so both refuse and warn alike.

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
