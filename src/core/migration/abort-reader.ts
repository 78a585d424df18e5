// The reader pod: a short-lived etcd on the embedded etcd's PVC, so the action can read the embedded
// keyspace while the control plane (whose pod runs that etcd) is scaled to zero. Pure: the manifest only.
import { objectNames } from './cluster-view.ts';

export const READER_APP_LABEL = 'vcluster-etcd-migrate-reader';
export const READER_RUN_ID_ANNOTATION = 'vcluster-etcd-migrate/run-id';
/** vCluster's embedded etcd keeps its data here on PVC data-<release>-0 (mounted at /data). */
export const READER_DATA_DIR = '/data/etcd';
export const READER_CLIENT_PORT = 2379;

export const readerPodName = (release: string): string => `${release}-embedded-etcd-reader`;

export interface ReaderPodInput {
  release: string;
  namespace: string;
  runId: string;
  /** The image of container `etcd` of StatefulSet <release>-etcd: it has etcd, etcdctl and etcdutl. */
  image: string;
  /** The deployed etcd pod template's pull secrets, so the same image can be pulled. */
  imagePullSecrets?: string[];
}

/** A Pod as the Kubernetes API takes it, plain data. */
export interface ReaderPod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  spec: Record<string, unknown> & {
    containers: ReaderContainer[];
    volumes: Record<string, unknown>[];
  };
}

export interface ReaderContainer {
  name: 'etcd';
  image: string;
  command: string[];
  ports: { name: string; containerPort: number }[];
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  readinessProbe: Record<string, unknown>;
}

const CERTS = '/certs';
const HEALTH_CERT = `${CERTS}/etcd-healthcheck-client.crt`;
const HEALTH_KEY = `${CERTS}/etcd-healthcheck-client.key`;

/** etcd on the PVC, serving clients on localhost only (reached through a port-forward) with client certificates. */
function etcdCommand(): string[] {
  return [
    'etcd',
    `--data-dir=${READER_DATA_DIR}`,
    `--listen-client-urls=https://127.0.0.1:${READER_CLIENT_PORT}`,
    `--advertise-client-urls=https://127.0.0.1:${READER_CLIENT_PORT}`,
    '--listen-peer-urls=http://127.0.0.1:2380',
    `--cert-file=${CERTS}/etcd-server.crt`,
    `--key-file=${CERTS}/etcd-server.key`,
    '--client-cert-auth',
    `--trusted-ca-file=${CERTS}/etcd-ca.crt`,
  ];
}

function checkInput(i: ReaderPodInput): void {
  const missing = (['release', 'namespace', 'runId', 'image'] as const).filter((k) => !i[k]?.trim());
  if (missing.length) {
    throw new Error(
      `reader pod for release '${i.release}': ${missing.join(', ')} must not be empty (the image comes from container etcd of StatefulSet ${objectNames(i.release || '<release>').etcdSts})`,
    );
  }
}

export function readerPodManifest(i: ReaderPodInput): ReaderPod {
  checkInput(i);
  const objects = objectNames(i.release);
  const spec: ReaderPod['spec'] = {
    // A reader that dies is replaced by the action, not by the kubelet: a restart would hide the failure.
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 10,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    containers: [
      {
        name: 'etcd',
        image: i.image,
        command: etcdCommand(),
        ports: [{ name: 'client', containerPort: READER_CLIENT_PORT }],
        volumeMounts: [
          { name: 'data', mountPath: '/data' },
          { name: 'certs', mountPath: CERTS, readOnly: true },
        ],
        // Ready when it serves: a health read with the health-check client certificate vCluster wrote.
        readinessProbe: {
          exec: {
            command: [
              'etcdctl',
              `--endpoints=https://127.0.0.1:${READER_CLIENT_PORT}`,
              `--cacert=${CERTS}/etcd-ca.crt`,
              `--cert=${HEALTH_CERT}`,
              `--key=${HEALTH_KEY}`,
              'endpoint',
              'health',
            ],
          },
          periodSeconds: 2,
          timeoutSeconds: 5,
          failureThreshold: 3,
        },
      },
    ],
    volumes: [
      { name: 'data', persistentVolumeClaim: { claimName: objects.embeddedPvc } },
      { name: 'certs', secret: { secretName: objects.certs } },
    ],
  };
  if (i.imagePullSecrets?.length) spec.imagePullSecrets = i.imagePullSecrets.map((name) => ({ name }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: readerPodName(i.release),
      namespace: i.namespace,
      labels: { app: READER_APP_LABEL, release: i.release },
      annotations: { [READER_RUN_ID_ANNOTATION]: i.runId },
    },
    spec,
  };
}
