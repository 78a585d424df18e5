// vCluster's check of store and distro changes at every control-plane start, as its open-source
// code does it (loft-sh/vcluster: `ValidateStoreChanges` and `ValidateDistroChanges` in
// config/config.go, `EnsureBackingStoreChanges` in pkg/setup/config/config.go). The stand-in runs
// it before it starts anything, so a switch vCluster refuses crash-loops here too.

export const STORE_ANNOTATION = 'vcluster.loft.sh/store';
export const DISTRO_ANNOTATION = 'vcluster.loft.sh/distro';

export type StoreType = 'embedded-etcd' | 'external-etcd' | 'deployed-etcd' | 'embedded-database' | 'external-database';

/**
 * Which vCluster code plays the check. `before-0.33`: both annotations are checked, and written at
 * every start that passes (so a release created on 0.32 or earlier has them from its first start).
 * `since-0.33`: only the store annotation is checked, and rewritten only when it already exists
 * (a vCluster first created on 0.33 or later has none, so the check never fires).
 */
export type StoreCheckCode = 'before-0.33' | 'since-0.33';

type Cfg = Record<string, unknown> | undefined;
const at = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
const on = (cfg: Cfg, ...path: string[]) => at(cfg, 'controlPlane', ...path, 'enabled') === true;

/** `Config.BackingStoreType()`: the first enabled store in this order, the embedded database by default. */
export function backingStoreType(cfg: Cfg): StoreType {
  if (on(cfg, 'backingStore', 'etcd', 'embedded')) return 'embedded-etcd';
  if (on(cfg, 'backingStore', 'etcd', 'external')) return 'external-etcd';
  if (on(cfg, 'backingStore', 'etcd', 'deploy')) return 'deployed-etcd';
  if (on(cfg, 'backingStore', 'database', 'embedded')) return 'embedded-database';
  if (on(cfg, 'backingStore', 'database', 'external')) return 'external-database';
  return 'embedded-database';
}

/** `Config.Distro()`: k3s when enabled, otherwise k8s. */
export function distroOf(cfg: Cfg): string {
  return on(cfg, 'distro', 'k3s') ? 'k3s' : 'k8s';
}

/** `ValidateStoreChanges(current, previous)`: the error text, or undefined when the switch is allowed. */
export function validateStoreChanges(current: StoreType, previous: string): string | undefined {
  if (current === previous) return undefined;
  if (current === 'deployed-etcd' || current === 'embedded-etcd') {
    if (previous === 'external-etcd' || previous === 'deployed-etcd' || previous === 'embedded-database')
      return undefined;
  } else if (current === 'external-database' && previous === 'embedded-database') {
    return undefined;
  }
  return `seems like you were using ${previous} as a store before and now have switched to ${current}, please make sure to not switch between vCluster stores`;
}

/** `ValidateDistroChanges(current, previous)` of the 0.2x code. */
export function validateDistroChanges(current: string, previous: string): string | undefined {
  if (current === previous || (previous === 'eks' && current === 'k8s') || (previous === 'k3s' && current === 'k8s'))
    return undefined;
  return `seems like you were using ${previous} as a distro before and now have switched to ${current}, please make sure to not switch between vCluster distros`;
}

export interface StoreCheckResult {
  store: StoreType;
  /** The error vCluster returns from its start (it logs it and exits 1); undefined: the start goes on. */
  refused?: string;
  /** Annotations to set on vc-config-<release> (none: leave the secret as it is). */
  write?: Record<string, string>;
}

/** One start's check against the annotations of vc-config-<release>. */
export function storeCheck(code: StoreCheckCode, cfg: Cfg, annotations: Record<string, string>): StoreCheckResult {
  const store = backingStoreType(cfg);
  const distro = distroOf(cfg);
  const prevStore = annotations[STORE_ANNOTATION];
  const prevDistro = annotations[DISTRO_ANNOTATION];
  const refuse = (why: string): StoreCheckResult => ({ store, refused: `using secret annotations: ${why}` });
  if (code === 'before-0.33' && prevDistro !== undefined) {
    const why = validateDistroChanges(distro, prevDistro);
    if (why) return refuse(why);
  }
  if (prevStore !== undefined) {
    const why = validateStoreChanges(store, prevStore);
    if (why) return refuse(why);
  }
  if (code === 'since-0.33') {
    return prevStore !== undefined && prevStore !== store ? { store, write: { [STORE_ANNOTATION]: store } } : { store };
  }
  return prevStore === store && prevDistro === distro
    ? { store }
    : { store, write: { [STORE_ANNOTATION]: store, [DISTRO_ANNOTATION]: distro } };
}
