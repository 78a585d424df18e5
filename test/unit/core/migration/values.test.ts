import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  computeValues,
  ValuesError,
  backingStoreOf,
  getPath,
  ownedPathsTouched,
  valuesDigest,
  type Values,
} from '../../../../src/core/migration/values.ts';
import { parseChartVersion } from '../../../../src/core/inputs/version.ts';

const SCHEMAS = join(import.meta.dirname, '..', '..', '../fixtures/vcluster-chart-schemas');
const v = (t: string) => parseChartVersion(t)!;

/** A release on deployed etcd as users install it, with a custom etcd volume and one other setting. */
const deployedRelease: Values = {
  controlPlane: {
    backingStore: {
      etcd: {
        deploy: {
          enabled: true,
          statefulSet: {
            persistence: { volumeClaim: { size: '10Gi', storageClass: 'fast' } },
            highAvailability: { replicas: 1 },
          },
        },
      },
    },
  },
  sync: { toHost: { ingresses: { enabled: true } } },
};

const req = (over: Partial<Parameters<typeof computeValues>[0]> = {}) =>
  computeValues({
    userValues: deployedRelease,
    chartVersion: v('0.27.0'),
    etcdExtraArgs: [],
    extraValues: {},
    ...over,
  });

describe('computeValues', () => {
  it('phase one enables embedded etcd with the migration flag and disables deploy in the same upgrade', () => {
    const { phase1 } = req();
    expect(getPath(phase1, ['controlPlane', 'backingStore', 'etcd', 'embedded'])).toEqual({
      enabled: true,
      migrateFromDeployedEtcd: true,
    });
    expect(getPath(phase1, ['controlPlane', 'backingStore', 'etcd', 'deploy', 'enabled'])).toBe(false);
    expect(backingStoreOf(phase1)).toBe('migrating');
  });

  it('carries the deployed etcd statefulSet values unchanged and keeps the user values', () => {
    const { phase1 } = req();
    expect(getPath(phase1, ['controlPlane', 'backingStore', 'etcd', 'deploy', 'statefulSet'])).toEqual(
      getPath(deployedRelease, ['controlPlane', 'backingStore', 'etcd', 'deploy', 'statefulSet']),
    );
    expect(getPath(phase1, ['sync', 'toHost', 'ingresses', 'enabled'])).toBe(true);
  });

  it('phase two removes only the migration flag', () => {
    const { phase1, phase2 } = req();
    expect(
      getPath(phase2, ['controlPlane', 'backingStore', 'etcd', 'embedded', 'migrateFromDeployedEtcd']),
    ).toBeUndefined();
    expect(getPath(phase2, ['controlPlane', 'backingStore', 'etcd', 'embedded', 'enabled'])).toBe(true);
    expect(getPath(phase2, ['controlPlane', 'backingStore', 'etcd', 'deploy', 'enabled'])).toBe(false);
    expect(getPath(phase2, ['controlPlane', 'statefulSet'])).toEqual(getPath(phase1, ['controlPlane', 'statefulSet']));
    expect(backingStoreOf(phase2)).toBe('embedded');
  });

  it('puts the embedded etcd volume on the statefulSet persistence path with a PVC', () => {
    const { phase1, storage } = req({ storageSize: '20Gi', storageClass: 'gp3' });
    expect(getPath(phase1, ['controlPlane', 'statefulSet', 'persistence', 'volumeClaim'])).toEqual({
      enabled: true,
      size: '20Gi',
      storageClass: 'gp3',
    });
    expect(getPath(phase1, ['controlPlane', 'persistence'])).toBeUndefined();
    expect(storage).toMatchObject({ sizeFrom: 'input storage-size', classFrom: 'input storage-class' });
  });

  it('defaults the size to the release, else the chart default 5Gi', () => {
    expect(req().storage).toMatchObject({ size: '5Gi', sizeFrom: 'the chart default' });
    const withClaim = {
      ...deployedRelease,
      controlPlane: {
        ...(deployedRelease.controlPlane as Values),
        statefulSet: { persistence: { volumeClaim: { size: '8Gi' } } },
      },
    };
    expect(req({ userValues: withClaim }).storage).toMatchObject({ size: '8Gi', sizeFrom: 'the release values' });
  });

  it('refuses a volume smaller than the deployed etcd PVC', () => {
    expect(() => req({ storageSize: '5Gi', deployedPvcSize: '10Gi' })).toThrow(
      /smaller than the deployed etcd's PVC \(10Gi\); set storage-size to 10Gi or more/,
    );
    expect(() => req({ storageSize: '10Gi', deployedPvcSize: '10Gi' })).not.toThrow();
  });

  it('without storage-size takes the larger of the release value and the deployed etcd PVC', () => {
    // A release whose etcd PVC is 10Gi, with no control-plane size: plan suggested "set storage-size to 10Gi or more".
    expect(req({ deployedPvcSize: '10Gi' }).storage).toMatchObject({
      size: '10Gi',
      sizeFrom: "the deployed etcd's PVC, larger than 5Gi from the chart default",
    });
    const withClaim = {
      ...deployedRelease,
      controlPlane: {
        ...(deployedRelease.controlPlane as Values),
        statefulSet: { persistence: { volumeClaim: { size: '20Gi' } } },
      },
    };
    expect(req({ userValues: withClaim, deployedPvcSize: '10Gi' }).storage).toMatchObject({
      size: '20Gi',
      sizeFrom: 'the release values',
    });
    expect(
      getPath(req({ deployedPvcSize: '10Gi' }).phase1, [
        'controlPlane',
        'statefulSet',
        'persistence',
        'volumeClaim',
        'size',
      ]),
    ).toBe('10Gi');
  });

  it('refuses dataVolume and volumeClaimTemplates in the release values and in extra values: /data stays on the claim', () => {
    const withPersistence = (p: Values) => ({
      ...deployedRelease,
      controlPlane: { ...(deployedRelease.controlPlane as Values), statefulSet: { persistence: p } },
    });
    expect(() => req({ userValues: withPersistence({ dataVolume: [{ name: 'data', emptyDir: {} }] }) })).toThrow(
      /the release values set controlPlane\.statefulSet\.persistence\.dataVolume: \/data, where the embedded etcd keeps its data, would not be the volume claim/,
    );
    expect(() =>
      req({ userValues: withPersistence({ volumeClaimTemplates: [{ metadata: { name: 'data' } }] }) }),
    ).toThrow(/volumeClaimTemplates/);
    expect(() =>
      req({
        extraValues: {
          controlPlane: { statefulSet: { persistence: { dataVolume: [{ name: 'data', emptyDir: {} }] } } },
        },
      }),
    ).toThrow(/dataVolume/);
    expect(() => req({ userValues: withPersistence({ volumeClaimTemplates: [] }) })).not.toThrow();
  });

  it('refuses an emptyDir control plane, which would lose the embedded etcd at restart', () => {
    const emptyDir = {
      ...deployedRelease,
      controlPlane: {
        ...(deployedRelease.controlPlane as Values),
        statefulSet: { persistence: { volumeClaim: { enabled: false } } },
      },
    };
    expect(() => req({ userValues: emptyDir })).toThrow(ValuesError);
    expect(() => req({ userValues: emptyDir })).toThrow(/emptyDir and lose every key at its next restart/);
  });

  it("refuses the guide's controlPlane.persistence path with the right path", () => {
    const guide = {
      ...deployedRelease,
      controlPlane: { ...(deployedRelease.controlPlane as Values), persistence: { volumeClaim: { size: '5Gi' } } },
    };
    expect(() => req({ userValues: guide })).toThrow(/controlPlane\.statefulSet\.persistence\.volumeClaim/);
  });

  it('refuses extra values on keys the migration owns', () => {
    expect(ownedPathsTouched({ controlPlane: { backingStore: { etcd: {} } } })).toEqual(['controlPlane.backingStore']);
    expect(() =>
      req({ extraValues: { controlPlane: { statefulSet: { persistence: { volumeClaim: { enabled: false } } } } } }),
    ).toThrow(/owns/);
  });

  it('gives the same digest for the same values, whatever the key order', () => {
    expect(valuesDigest({ a: 1, b: { c: 2, d: 3 } })).toBe(valuesDigest({ b: { d: 3, c: 2 }, a: 1 }));
    expect(valuesDigest({ a: 1 })).not.toBe(valuesDigest({ a: 2 }));
  });
});

describe('computed values against the real chart schemas', () => {
  const files = readdirSync(SCHEMAS)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const validator = (file: string) => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    return ajv.compile(JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')));
  };

  it('has all seven schemas', () => {
    expect(files).toEqual([
      '0.24.2.json',
      '0.25.0.json',
      '0.26.0.json',
      '0.27.0.json',
      '0.28.2.json',
      '0.29.3.json',
      '0.36.1.json',
    ]);
  });

  it.each(files)('both phases are valid for chart %s', (file) => {
    const version = v(file.replace(/\.json$/, ''));
    const extraArgs = file >= '0.26.0' ? ['--quota-backend-bytes=8589934592'] : [];
    const { phase1, phase2 } = computeValues({
      userValues: deployedRelease,
      chartVersion: version,
      etcdExtraArgs: extraArgs,
      extraValues: {},
      storageSize: '10Gi',
    });
    const validate = validator(file);
    expect(validate(phase1), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(phase2), JSON.stringify(validate.errors)).toBe(true);
  });

  it('the 0.24.2 schema rejects embedded extraArgs, which the inputs refuse for charts before 0.26.0', () => {
    const validate = validator('0.24.2.json');
    const values = { controlPlane: { backingStore: { etcd: { embedded: { enabled: true, extraArgs: ['--x=1'] } } } } };
    expect(validate(values)).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain('extraArgs');
  });

  it.each(files)("chart %s rejects the guide's controlPlane.persistence path", (file) => {
    const validate = validator(file);
    expect(validate({ controlPlane: { persistence: { volumeClaim: { size: '5Gi' } } } })).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain('persistence');
  });
});
