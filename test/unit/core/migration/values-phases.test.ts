// The values both phases hand to Helm: what reaches the chart, and each request refused because it would lose data.
import { describe, expect, it } from 'vitest';
import {
  backingStoreOf,
  computeValues,
  getPath,
  ValuesError,
  valuesDigest,
  versionProblems,
  type Values,
} from '../../../../src/core/migration/values.ts';
import { parseChartVersion } from '../../../../src/core/inputs/version.ts';

const v = (t: string) => parseChartVersion(t)!;
const EMBEDDED = ['controlPlane', 'backingStore', 'etcd', 'embedded'];
const DEPLOY = ['controlPlane', 'backingStore', 'etcd', 'deploy'];
const CLAIM = ['controlPlane', 'statefulSet', 'persistence', 'volumeClaim'];
const deployed = (more: Values = {}): Values => ({
  controlPlane: { backingStore: { etcd: { deploy: { enabled: true } } }, ...more },
});
const compute = (over: Partial<Parameters<typeof computeValues>[0]> = {}) =>
  computeValues({ userValues: deployed(), chartVersion: v('0.27.0'), etcdExtraArgs: [], extraValues: {}, ...over });
const refusal = (over: Partial<Parameters<typeof computeValues>[0]>): ValuesError => {
  try {
    compute(over);
  } catch (e) {
    expect(e).toBeInstanceOf(ValuesError);
    return e as ValuesError;
  }
  throw new Error('expected a ValuesError');
};

describe('computeValues: what reaches Helm', () => {
  it('gives the embedded etcd the etcd-extra-args in both phases', () => {
    const { phase1, phase2 } = compute({
      etcdExtraArgs: ['--quota-backend-bytes=8589934592', '--auto-compaction-retention=1'],
    });
    expect(getPath(phase1, [...EMBEDDED, 'extraArgs'])).toEqual([
      '--quota-backend-bytes=8589934592',
      '--auto-compaction-retention=1',
    ]);
    expect(getPath(phase2, [...EMBEDDED, 'extraArgs'])).toEqual([
      '--quota-backend-bytes=8589934592',
      '--auto-compaction-retention=1',
    ]);
    expect(Object.keys(getPath(compute().phase1, EMBEDDED) as Values)).toEqual(['enabled', 'migrateFromDeployedEtcd']);
  });

  it('merges the values input into the release values, the input winning and replacing lists', () => {
    const userValues = deployed({ statefulSet: { resources: { limits: { memory: '2Gi', cpu: '1' } } } });
    Object.assign(userValues, {
      sync: { toHost: { ingresses: { enabled: true } } },
      exportKubeConfig: { server: 'https://a', additionalSecrets: [{ name: 'a' }] },
    });
    const extraValues = {
      sync: { toHost: { services: { enabled: false } } },
      exportKubeConfig: { additionalSecrets: [{ name: 'b' }] },
      controlPlane: { statefulSet: { resources: { limits: { memory: '4Gi' } } } },
    };
    const { phase1 } = compute({ userValues, extraValues });
    expect(phase1.sync).toEqual({ toHost: { ingresses: { enabled: true }, services: { enabled: false } } });
    expect(phase1.exportKubeConfig).toEqual({ server: 'https://a', additionalSecrets: [{ name: 'b' }] });
    expect(getPath(phase1, ['controlPlane', 'statefulSet', 'resources', 'limits'])).toEqual({
      memory: '4Gi',
      cpu: '1',
    });
    expect(userValues.sync).toEqual({ toHost: { ingresses: { enabled: true } } });
  });

  it('keeps the storage class of the release values when the input names none', () => {
    const userValues = deployed({
      statefulSet: { persistence: { volumeClaim: { storageClass: 'fast', size: '8Gi' } } },
    });
    const { phase1, storage } = compute({ userValues });
    expect(getPath(phase1, CLAIM)).toEqual({ enabled: true, size: '8Gi', storageClass: 'fast' });
    expect(storage).toEqual({
      size: '8Gi',
      sizeFrom: 'the release values',
      storageClass: 'fast',
      classFrom: 'the release values',
    });
  });

  it("leaves the storage class to the cluster's default when neither the input nor the release names one", () => {
    const defaults = {
      size: '5Gi',
      sizeFrom: 'the chart default',
      storageClass: undefined,
      classFrom: "the cluster's default StorageClass",
    };
    const plain = compute();
    expect(Object.keys(getPath(plain.phase1, CLAIM) as Values)).toEqual(['enabled', 'size']);
    expect(plain.storage).toEqual(defaults);
    // An empty class in the release values means the cluster's default to the chart too; it stays as it was.
    const empty = compute({
      userValues: deployed({ statefulSet: { persistence: { volumeClaim: { storageClass: '' } } } }),
    });
    expect(getPath(empty.phase1, CLAIM)).toEqual({ storageClass: '', enabled: true, size: '5Gi' });
    expect(empty.storage).toEqual(defaults);
  });

  it('ignores a size or storage class in the release values that is not text', () => {
    const userValues = deployed({ statefulSet: { persistence: { volumeClaim: { size: 10, storageClass: null } } } });
    expect(compute({ userValues }).storage).toEqual({
      size: '5Gi',
      sizeFrom: 'the chart default',
      storageClass: undefined,
      classFrom: "the cluster's default StorageClass",
    });
  });

  it('adds no deployed etcd statefulSet values the release did not have', () => {
    expect(Object.keys(getPath(compute().phase1, DEPLOY) as Values)).toEqual(['enabled']);
  });

  it('reads releases whose values hold nulls', () => {
    const userValues = {
      controlPlane: { backingStore: { etcd: { deploy: { enabled: true, statefulSet: null } } }, statefulSet: null },
      sync: null,
    };
    const { phase1 } = compute({ userValues });
    expect(getPath(phase1, [...DEPLOY, 'statefulSet'])).toBeNull();
    expect(getPath(phase1, CLAIM)).toEqual({ enabled: true, size: '5Gi' });
  });

  it('accepts a volume as large as or larger than the deployed etcd PVC, in any unit', () => {
    expect(compute({ storageSize: '10240Mi', deployedPvcSize: '10Gi' }).storage.size).toBe('10240Mi');
    expect(compute({ storageSize: '11G', deployedPvcSize: '10Gi' }).storage.size).toBe('11G');
  });
});

describe('computeValues: refusals', () => {
  it('refuses an emptyDir control plane however the release spells false', () => {
    for (const enabled of [false, 'false']) {
      const e = refusal({ userValues: deployed({ statefulSet: { persistence: { volumeClaim: { enabled } } } }) });
      expect(e.name).toBe('ValuesError');
      expect(e.message).toBe(
        'controlPlane.statefulSet.persistence.volumeClaim.enabled is false: the control plane would keep the embedded etcd in an emptyDir and lose every key at its next restart; ' +
          'remove that setting (or set it to true) in the release values before migrating',
      );
    }
  });

  it("refuses the release's controlPlane.persistence, naming where it belongs", () => {
    expect(refusal({ userValues: deployed({ persistence: {} }) }).message).toBe(
      'the release values contain controlPlane.persistence, which the chart rejects (Additional property persistence is not allowed); ' +
        'move it to controlPlane.statefulSet.persistence.volumeClaim (size, storageClass, accessModes, retentionPolicy) with helm upgrade, then run again',
    );
  });

  it('refuses extra values on owned keys, naming every one', () => {
    expect(refusal({ extraValues: { controlPlane: { backingStore: {}, persistence: {} } } }).message).toBe(
      "input 'values' sets controlPlane.backingStore, controlPlane.persistence, which the migration owns; remove those keys (use storage-size, storage-class and etcd-extra-args instead)",
    );
  });

  it("refuses a storage-size smaller than the deployed etcd's PVC; without one, the PVC's size wins over a smaller release value", () => {
    const userValues = deployed({ statefulSet: { persistence: { volumeClaim: { size: '2Gi' } } } });
    expect(refusal({ userValues, storageSize: '2Gi', deployedPvcSize: '5Gi' }).message).toBe(
      "the embedded etcd volume would be 2Gi (from input storage-size), smaller than the deployed etcd's PVC (5Gi); set storage-size to 5Gi or more",
    );
    expect(compute({ userValues, deployedPvcSize: '5Gi' }).storage).toMatchObject({
      size: '5Gi',
      sizeFrom: "the deployed etcd's PVC, larger than 2Gi from the release values",
    });
    expect(compute({ deployedPvcSize: '6Gi' }).storage).toMatchObject({
      size: '6Gi',
      sizeFrom: "the deployed etcd's PVC, larger than 5Gi from the chart default",
    });
  });
});

describe('backingStoreOf', () => {
  const etcd = (e: Values): Values => ({ controlPlane: { backingStore: { etcd: e } } });
  it.each([
    [etcd({ deploy: { enabled: true } }), 'deployed'],
    [etcd({ deploy: { enabled: true }, embedded: { migrateFromDeployedEtcd: true } }), 'deployed'],
    [etcd({ deploy: { enabled: false }, embedded: { enabled: true, migrateFromDeployedEtcd: true } }), 'migrating'],
    [etcd({ embedded: { enabled: true } }), 'embedded'],
    [etcd({ deploy: { enabled: 'true' } }), 'other'],
    [etcd({ deploy: { enabled: false } }), 'other'],
    [{}, 'other'],
  ])('reads %j as %s', (values, store) => {
    expect(backingStoreOf(values)).toBe(store);
  });
});

describe('versionProblems', () => {
  const embedded = (e: Values): Values => ({ controlPlane: { backingStore: { etcd: { embedded: e } } } });
  it('names embedded etcd keys the target chart does not know', () => {
    expect(versionProblems(embedded({ snapshotCount: 10000 }), v('0.24.2'))).toEqual([
      'controlPlane.backingStore.etcd.embedded.snapshotCount exists from chart 0.25.0; chart 0.24.2 rejects it',
    ]);
    expect(versionProblems(embedded({ snapshotCount: 10000, extraArgs: ['--x=1'] }), v('0.25.0'))).toEqual([
      'controlPlane.backingStore.etcd.embedded.extraArgs exists from chart 0.26.0; chart 0.25.0 rejects it',
    ]);
    expect(versionProblems(embedded({ snapshotCount: 10000, extraArgs: ['--x=1'] }), v('0.26.0'))).toEqual([]);
    expect(versionProblems(embedded({ enabled: true }), v('0.24.2'))).toEqual([]);
  });
});

describe('valuesDigest', () => {
  it('is a sha256 of the values in hex', () => {
    expect(valuesDigest({ a: 1 })).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
