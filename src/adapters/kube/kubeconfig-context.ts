// Which context, cluster and user of a kubeconfig a run uses, and what the run says about it.
// Pure, and the one place that decides it: both readers of the kubeconfig (through
// client-node, and the light client for discover) hand their parsed contexts here, so both refuse and warn alike.
import { maskSecrets } from '../../core/secret-text.ts';

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

/**
 * An exec credential plugin that failed before any request. Its message names the plugin, never what
 * it printed: that text (its stderr, or a parser's quote of its stdout) can hold a credential, so it
 * is kept in `output` for the log only, masked there.
 */
export class CredentialPluginError extends Error {
  override name = 'CredentialPluginError';
  readonly output: string;
  constructor(message: string, output: string) {
    super(message);
    this.output = output;
  }
}

const PLUGIN_HELP =
  'The plugin runs on the runner as it does for kubectl: install it there and give it its own credentials (EKS: aws, GKE: gke-gcloud-auth-plugin)';

/** Why the kubeconfig's user cannot authenticate, from the error loading its credentials gave (client-node's or a file read's). */
export function credentialFailure(user: KubeUser | undefined | null, e: unknown): string {
  return credentialError(user, e).message;
}

/** The error to throw for credentials that cannot be loaded: a CredentialPluginError for a plugin that ran and failed. */
export function credentialError(user: KubeUser | undefined | null, e: unknown): Error {
  const err = e as NodeJS.ErrnoException;
  const message = String(err?.message ?? e).trim();
  const first = (message.split('\n')[0] ?? '').slice(0, 300) || '(no message)';
  const who = `user ${JSON.stringify(user?.name ?? '?')}`;
  const exec = user?.exec as { command?: string } | undefined;
  if (exec?.command) {
    const plugin = `the kubeconfig's exec credential plugin of ${who} (command ${JSON.stringify(exec.command)})`;
    if (err?.code === 'ENOENT') return new Error(`${plugin} was not found on the runner. ${PLUGIN_HELP}`);
    return new CredentialPluginError(
      `${plugin} failed before any request; what it printed is in the log only (it can hold credentials). ${PLUGIN_HELP}`,
      message.slice(0, 8000),
    );
  }
  if (err?.code && typeof err.path === 'string') {
    const what =
      err.path === user?.keyFile ? 'client key file' : err.path === user?.certFile ? 'client certificate file' : 'file';
    return new Error(
      `the kubeconfig's ${what} ${JSON.stringify(err.path)} of ${who} cannot be read (${err.code}); the file must exist on the runner and be readable by the runner user, or put its content in the kubeconfig (client-key-data)`,
    );
  }
  return new Error(`the kubeconfig's credentials of ${who} cannot be loaded: ${first}`);
}

/** What a failed plugin printed, for the log only: what looks like a credential masked, at most 20 lines. */
export function pluginOutputLines(e: CredentialPluginError): string[] {
  const lines = maskSecrets(e.output)
    .text.split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean);
  const shown = lines.slice(0, 20).map((l) => `  | ${l.slice(0, 500)}`);
  return [
    'the exec credential plugin printed (in the log only; what looks like a credential is masked):',
    ...(shown.length ? shown : ['  | (nothing)']),
    ...(lines.length > 20 ? [`  | … and ${lines.length - 20} more lines`] : []),
  ];
}
