// The /data refusal's exact words, a null that unsets a key (not a volume choice), the size that
// reaches Helm when the deployed PVC is exactly as large, and which keys the summary may show.
import { describe, expect, it } from 'vitest';
import {
  computeValues,
  dataVolumePathsTouched,
  getPath,
  ValuesError,
  type Values,
} from '../../../../src/core/migration/values.ts';
import { valuesView } from '../../../../src/report/values-view.ts';
import { parseChartVersion } from '../../../../src/core/inputs/version.ts';

const deployed = (persistence: Values = {}): Values => ({
  controlPlane: { backingStore: { etcd: { deploy: { enabled: true } } }, statefulSet: { persistence } },
});
const compute = (over: Partial<Parameters<typeof computeValues>[0]> = {}) =>
  computeValues({
    userValues: deployed(),
    chartVersion: parseChartVersion('0.27.0')!,
    etcdExtraArgs: [],
    extraValues: {},
    ...over,
  });

describe('release values that choose the /data volume', () => {
  it('are refused with the paths, the risk and the remedy', () => {
    expect(() => compute({ userValues: deployed({ dataVolume: [{ name: 'data', emptyDir: {} }] }) })).toThrow(
      new ValuesError(
        'the release values set controlPlane.statefulSet.persistence.dataVolume: /data, where the embedded etcd keeps its data, ' +
          'would not be the volume claim the migration sizes (it could be an emptyDir, lost at the next restart); ' +
          'remove it from the release values with helm upgrade, then run again',
      ),
    );
  });
  it('are named together when both are set', () => {
    expect(() =>
      compute({ userValues: deployed({ dataVolume: [{ name: 'd' }], volumeClaimTemplates: [{ metadata: {} }] }) }),
    ).toThrow(
      'the release values set controlPlane.statefulSet.persistence.dataVolume, controlPlane.statefulSet.persistence.volumeClaimTemplates: /data',
    );
  });
  it('are not refused when they are null (Helm reads null as "unset")', () => {
    const values = deployed({ dataVolume: null, volumeClaimTemplates: null });
    expect(dataVolumePathsTouched(values)).toEqual([]);
    expect(compute({ userValues: values }).storage.size).toBe('5Gi');
  });
});

describe('the size of the embedded etcd volume', () => {
  it('stays the release value when the deployed PVC is exactly as large (in other units)', () => {
    const { phase1, storage } = compute({
      userValues: deployed({ volumeClaim: { size: '5Gi' } }),
      deployedPvcSize: '5120Mi',
    });
    expect(storage).toMatchObject({ size: '5Gi', sizeFrom: 'the release values' });
    expect(getPath(phase1, ['controlPlane', 'statefulSet', 'persistence', 'volumeClaim', 'size'])).toBe('5Gi');
  });
});

describe('the job summary of the phase-one values', () => {
  it('shows every key the migration sets, and nothing of the release values', () => {
    const { phase1 } = compute({
      userValues: { ...deployed({ volumeClaim: { storageClass: 'fast' } }), sync: { token: 'secret' } },
      etcdExtraArgs: ['--quota-backend-bytes=8589934592'],
    });
    expect(valuesView('phase one', phase1).set).toEqual({
      controlPlane: {
        backingStore: {
          etcd: {
            embedded: { enabled: true, migrateFromDeployedEtcd: true, extraArgs: ['--quota-backend-bytes=8589934592'] },
            deploy: { enabled: false },
          },
        },
        statefulSet: { persistence: { volumeClaim: { enabled: true, size: '5Gi', storageClass: 'fast' } } },
      },
    });
  });
});
