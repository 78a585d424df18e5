// The reader pod's manifest, as the contract fixes it: names, labels, the run id, etcd on the embedded PVC.
import { describe, expect, it } from 'vitest';
import { readerPodManifest, readerPodName } from '../../../../src/core/migration/abort-reader.ts';

const input = { release: 'vc', namespace: 'team-a', runId: 'run-7', image: 'registry.k8s.io/etcd:3.5.21-0' };

describe('readerPodManifest', () => {
  it('names the pod after the release, with the labels and the run id', () => {
    const p = readerPodManifest(input);
    expect(readerPodName('vc')).toBe('vc-embedded-etcd-reader');
    expect(p.apiVersion).toBe('v1');
    expect(p.kind).toBe('Pod');
    expect(p.metadata).toEqual({
      name: 'vc-embedded-etcd-reader',
      namespace: 'team-a',
      labels: { app: 'vcluster-etcd-migrate-reader', release: 'vc' },
      annotations: { 'vcluster-etcd-migrate/run-id': 'run-7' },
    });
  });

  it('runs etcd from the deployed etcd image on the embedded data dir, TLS with client certificates', () => {
    const [c, ...more] = readerPodManifest(input).spec.containers;
    expect(more).toEqual([]);
    expect(c!.name).toBe('etcd');
    expect(c!.image).toBe('registry.k8s.io/etcd:3.5.21-0');
    expect(c!.command).toEqual([
      'etcd',
      '--data-dir=/data/etcd',
      '--listen-client-urls=https://127.0.0.1:2379',
      '--advertise-client-urls=https://127.0.0.1:2379',
      '--listen-peer-urls=http://127.0.0.1:2380',
      '--cert-file=/certs/etcd-server.crt',
      '--key-file=/certs/etcd-server.key',
      '--client-cert-auth',
      '--trusted-ca-file=/certs/etcd-ca.crt',
    ]);
    expect(c!.ports).toEqual([{ name: 'client', containerPort: 2379 }]);
    expect(c!.volumeMounts).toEqual([
      { name: 'data', mountPath: '/data' },
      { name: 'certs', mountPath: '/certs', readOnly: true },
    ]);
  });

  it('mounts PVC data-<release>-0 and Secret <release>-certs', () => {
    const p = readerPodManifest(input);
    expect(p.spec.volumes).toEqual([
      { name: 'data', persistentVolumeClaim: { claimName: 'data-vc-0' } },
      { name: 'certs', secret: { secretName: 'vc-certs' } },
    ]);
    expect(p.spec.restartPolicy).toBe('Never');
    expect(p.spec.imagePullSecrets).toBeUndefined();
  });

  it('is ready when etcd answers a health read with the health-check client certificate', () => {
    const probe = readerPodManifest(input).spec.containers[0]!.readinessProbe as { exec: { command: string[] } };
    expect(probe.exec.command).toEqual([
      'etcdctl',
      '--endpoints=https://127.0.0.1:2379',
      '--cacert=/certs/etcd-ca.crt',
      '--cert=/certs/etcd-healthcheck-client.crt',
      '--key=/certs/etcd-healthcheck-client.key',
      'endpoint',
      'health',
    ]);
  });

  it('keeps the deployed etcd pod template pull secrets', () => {
    const p = readerPodManifest({ ...input, imagePullSecrets: ['regcred'] });
    expect(p.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
  });

  it('refuses an empty image or run id, naming them', () => {
    expect(() => readerPodManifest({ ...input, image: ' ' })).toThrow(
      "reader pod for release 'vc': image must not be empty (the image comes from container etcd of StatefulSet vc-etcd)",
    );
    expect(() => readerPodManifest({ ...input, runId: '', image: '' })).toThrow('runId, image must not be empty');
  });
});
