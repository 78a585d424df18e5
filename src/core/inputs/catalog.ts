// TEMPORARY shim until the catalog lands (not committed).
export type PhaseName = 'plan' | 'migrate' | 'finalize' | 'status' | 'discover';
export const PHASE_NAMES: readonly PhaseName[] = ['plan', 'migrate', 'finalize', 'status', 'discover'];
const R: readonly PhaseName[] = ['plan', 'migrate', 'finalize', 'status'];
export interface InputSpec {
  name: string;
  description: string;
  default: string;
  required: boolean;
  requiredBy: readonly PhaseName[];
  phases: readonly PhaseName[];
  secret: boolean;
}
const i = (name: string, d = '', requiredBy: readonly PhaseName[] = []): InputSpec => ({
  name,
  description: `the ${name} input`,
  default: d,
  required: false,
  requiredBy,
  phases: R,
  secret: false,
});
export const INPUTS: readonly InputSpec[] = [
  i('release', '', R),
  i('namespace', '', R),
  i('chart-version', '', R),
  i('chart', 'vcluster'),
  i('timeout', '10m'),
  i('migration-timeout', '15m'),
  i('require-approval', 'true'),
  i('context'),
  i('backup'),
  i('backup-dir'),
  i('gitops-paused', 'false'),
  i('values'),
  i('kubeconfig'),
  i('etcd-extra-args'),
];
