// The vCluster stand-in's store check against vCluster's own rules (ValidateStoreChanges,
// ValidateDistroChanges, EnsureBackingStoreChanges before and since 0.33).
import { describe, expect, it } from 'vitest';
import {
  DISTRO_ANNOTATION,
  STORE_ANNOTATION,
  backingStoreType,
  storeCheck,
  validateStoreChanges,
  type StoreType,
} from '../../sandbox/vcluster-store-check.ts';

const etcd = (which: 'embedded' | 'deploy' | 'external', extra: Record<string, unknown> = {}) => ({
  controlPlane: { backingStore: { etcd: { [which]: { enabled: true, ...extra } } } },
});
const deployed = etcd('deploy');
const phaseOne = {
  controlPlane: {
    backingStore: { etcd: { embedded: { enabled: true, migrateFromDeployedEtcd: true }, deploy: { enabled: false } } },
  },
};
const REFUSAL =
  'using secret annotations: seems like you were using embedded-etcd as a store before and now have switched to deployed-etcd, please make sure to not switch between vCluster stores';

describe('backingStoreType', () => {
  it('looks at embedded etcd first, so phase one values (deploy still rendered) report embedded-etcd', () => {
    expect(backingStoreType(phaseOne)).toBe('embedded-etcd');
    expect(
      backingStoreType({
        controlPlane: { backingStore: { etcd: { embedded: { enabled: true }, deploy: { enabled: true } } } },
      }),
    ).toBe('embedded-etcd');
    expect(backingStoreType(deployed)).toBe('deployed-etcd');
    expect(backingStoreType(etcd('external'))).toBe('external-etcd');
    expect(backingStoreType({ controlPlane: { backingStore: { database: { external: { enabled: true } } } } })).toBe(
      'external-database',
    );
    expect(backingStoreType(undefined)).toBe('embedded-database');
  });
});

describe('validateStoreChanges', () => {
  const all: StoreType[] = [
    'embedded-etcd',
    'external-etcd',
    'deployed-etcd',
    'embedded-database',
    'external-database',
  ];
  const allowed = new Set([
    'deployed-etcd<-external-etcd',
    'deployed-etcd<-embedded-database',
    'embedded-etcd<-external-etcd',
    'embedded-etcd<-deployed-etcd',
    'embedded-etcd<-embedded-database',
    'external-database<-embedded-database',
  ]);
  it.each(all.flatMap((cur) => all.map((prev) => [cur, prev] as const)))('%s after %s', (cur, prev) => {
    const why = validateStoreChanges(cur, prev);
    if (cur === prev || allowed.has(`${cur}<-${prev}`)) expect(why).toBeUndefined();
    else
      expect(why).toBe(
        `seems like you were using ${prev} as a store before and now have switched to ${cur}, please make sure to not switch between vCluster stores`,
      );
  });
});

describe('storeCheck at a control-plane start', () => {
  it('before 0.33: writes both annotations at the first start, then lets deployed -> embedded pass and rewrites the store', () => {
    expect(storeCheck('before-0.33', deployed, {})).toEqual({
      store: 'deployed-etcd',
      write: { [STORE_ANNOTATION]: 'deployed-etcd', [DISTRO_ANNOTATION]: 'k8s' },
    });
    const written = { [STORE_ANNOTATION]: 'deployed-etcd', [DISTRO_ANNOTATION]: 'k8s' };
    expect(storeCheck('before-0.33', deployed, written)).toEqual({ store: 'deployed-etcd' });
    expect(storeCheck('before-0.33', phaseOne, written)).toEqual({
      store: 'embedded-etcd',
      write: { [STORE_ANNOTATION]: 'embedded-etcd', [DISTRO_ANNOTATION]: 'k8s' },
    });
  });

  it('refuses embedded-etcd -> deployed-etcd with vCluster message, and writes nothing', () => {
    const after = { [STORE_ANNOTATION]: 'embedded-etcd', [DISTRO_ANNOTATION]: 'k8s' };
    expect(storeCheck('before-0.33', deployed, after)).toEqual({ store: 'deployed-etcd', refused: REFUSAL });
    expect(storeCheck('since-0.33', deployed, after)).toEqual({ store: 'deployed-etcd', refused: REFUSAL });
    // Only the store annotation (a 0.33+ vCluster never wrote the distro one) is enough to refuse.
    expect(storeCheck('before-0.33', deployed, { [STORE_ANNOTATION]: 'embedded-etcd' }).refused).toBe(REFUSAL);
  });

  it('passes without the annotations (what abort leaves), and before 0.33 writes them again', () => {
    expect(storeCheck('before-0.33', deployed, {}).refused).toBeUndefined();
    expect(storeCheck('before-0.33', deployed, { other: 'x' }).write).toEqual({
      [STORE_ANNOTATION]: 'deployed-etcd',
      [DISTRO_ANNOTATION]: 'k8s',
    });
  });

  it('since 0.33: no annotation is ever created; an existing one is checked and rewritten', () => {
    expect(storeCheck('since-0.33', deployed, {})).toEqual({ store: 'deployed-etcd' });
    expect(storeCheck('since-0.33', phaseOne, {})).toEqual({ store: 'embedded-etcd' });
    expect(storeCheck('since-0.33', phaseOne, { [STORE_ANNOTATION]: 'deployed-etcd' })).toEqual({
      store: 'embedded-etcd',
      write: { [STORE_ANNOTATION]: 'embedded-etcd' },
    });
    // The distro annotation is not read any more.
    expect(storeCheck('since-0.33', deployed, { [DISTRO_ANNOTATION]: 'k3s' }).refused).toBeUndefined();
  });

  it('before 0.33: a distro switch is refused as vCluster refuses it (k3s -> k8s allowed)', () => {
    expect(storeCheck('before-0.33', deployed, { [DISTRO_ANNOTATION]: 'k0s' }).refused).toBe(
      'using secret annotations: seems like you were using k0s as a distro before and now have switched to k8s, please make sure to not switch between vCluster distros',
    );
    expect(storeCheck('before-0.33', deployed, { [DISTRO_ANNOTATION]: 'k3s' }).refused).toBeUndefined();
  });
});
