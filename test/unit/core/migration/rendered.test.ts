// The check on the manifest Helm renders for phase one: the control plane must keep /data on a
// volume claim template at least as large as the migration computed, and each way it can fail says
// which container, which volume and which value to look at. (The real chart's manifests are checked
// in test/integration/helm-chart.test.ts.)
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { dataVolumeProblem } from '../../../../src/core/migration/rendered.ts';

interface Sts {
  containers?: object[];
  initContainers?: object[];
  volumes?: object[];
  claims?: object[];
  name?: string;
}

const manifest = (s: Sts): string =>
  [
    stringify({ kind: 'Service', metadata: { name: 'vc' } }),
    stringify({ kind: 'StatefulSet', metadata: { name: 'vc-etcd' }, spec: { template: { spec: {} } } }),
    stringify({
      kind: 'StatefulSet',
      metadata: { name: s.name ?? 'vc' },
      spec: {
        template: { spec: { containers: s.containers, initContainers: s.initContainers, volumes: s.volumes } },
        volumeClaimTemplates: s.claims,
      },
    }),
  ].join('---\n');

const syncer = (mountPath = '/data', name = 'data') => ({ name: 'syncer', volumeMounts: [{ name, mountPath }] });
const claim = (storage?: string, name = 'data') => ({
  metadata: { name },
  spec: { resources: { requests: storage === undefined ? {} : { storage } } },
});

describe('dataVolumeProblem', () => {
  it('a claim template at least as large: no problem, whatever the trailing slash', () => {
    expect(
      dataVolumeProblem(manifest({ containers: [syncer()], claims: [claim('10Gi')] }), 'vc', '10Gi'),
    ).toBeUndefined();
    expect(
      dataVolumeProblem(manifest({ containers: [syncer('/data/')], claims: [claim('20Gi')] }), 'vc', '10Gi'),
    ).toBeUndefined();
    // The mount may sit on an init container.
    expect(
      dataVolumeProblem(
        manifest({ containers: [{ name: 'x' }], initContainers: [syncer()], claims: [claim('10Gi')] }),
        'vc',
        '10Gi',
      ),
    ).toBeUndefined();
  });

  it('no control-plane StatefulSet of the release', () => {
    expect(dataVolumeProblem(manifest({ name: 'other', containers: [syncer()] }), 'vc', '1Gi')).toBe(
      'the rendered phase-one manifest has no control-plane StatefulSet vc',
    );
  });

  it('nothing mounted at /data', () => {
    expect(
      dataVolumeProblem(manifest({ containers: [syncer('/data-other')], claims: [claim('10Gi')] }), 'vc', '1Gi'),
    ).toBe(
      "no container of StatefulSet vc mounts a volume at /data: the embedded etcd would live in the container's own filesystem",
    );
    expect(dataVolumeProblem(manifest({}), 'vc', '1Gi')).toMatch(/^no container of StatefulSet vc mounts/);
  });

  it('/data from a pod volume: names the container, the volume and its kind', () => {
    expect(
      dataVolumeProblem(
        manifest({
          containers: [syncer()],
          volumes: [
            { name: 'other', secret: {} },
            { name: 'data', emptyDir: {} },
          ],
        }),
        'vc',
        '1Gi',
      ),
    ).toBe(
      'container syncer of StatefulSet vc mounts /data from pod volume data (emptyDir), not from a volume claim template (controlPlane.statefulSet.persistence.dataVolume?)',
    );
    expect(dataVolumeProblem(manifest({ containers: [syncer()], volumes: [{ name: 'data' }] }), 'vc', '1Gi')).toContain(
      'pod volume data (unknown)',
    );
  });

  it('/data from a volume that is neither', () => {
    expect(dataVolumeProblem(manifest({ containers: [syncer()], claims: [claim('10Gi', 'other')] }), 'vc', '1Gi')).toBe(
      'container syncer of StatefulSet vc mounts /data from data, which is neither a pod volume nor a volume claim template',
    );
  });

  it('a claim template smaller than computed, or with no size', () => {
    expect(dataVolumeProblem(manifest({ containers: [syncer()], claims: [claim('5Gi')] }), 'vc', '10Gi')).toBe(
      'the volume claim template data of StatefulSet vc requests 5Gi, less than the 10Gi the migration computed (controlPlane.statefulSet.persistence.volumeClaimTemplates?)',
    );
    expect(dataVolumeProblem(manifest({ containers: [syncer()], claims: [claim()] }), 'vc', '10Gi')).toBe(
      'the volume claim template data of StatefulSet vc requests no size, less than the 10Gi the migration computed (controlPlane.statefulSet.persistence.volumeClaimTemplates?)',
    );
  });
});
