// Census and backup of the vCluster's two etcds, reached through the Kubernetes API with the
// client certificate from secret <release>-certs. Key material stays in memory.
import type { Kube } from '../kube/kube.ts';
import { deniedApiError, describeError, retryTransient, transientApiError } from '../kube/api-retry.ts';
import type { Census } from '../../core/migration/census.ts';
import type { BackupRecord } from '../../core/migration/state.ts';
import { objectNames } from '../../core/migration/cluster-view.ts';
import { certsFromSecretData } from './certs.ts';
import { compareContent, explainGroup, groupsToExplain, type ContentDiff } from '../../core/migration/content-proof.ts';
import type { KeyspaceComparison } from '../../core/migration/keyspace-comparison.ts';
import type { EqualizeResult, KeyspaceProgress, RevisionBump } from './equalize.ts';
import type { EtcdClient } from './client.ts';
import type { SinceOptions, SinceResult } from './equalize-since.ts';

/** Differing groups walked key by key to name what differs; any further one is described by its counts. */
const GROUPS_EXPLAINED = 10;

/** How long a cut census waits for the Kubernetes API before it counts again. */
const API_WAIT_MS = 90_000;

// The etcd code (grpc-js, the census reader, the snapshot reader) is a chunk of dist/ of its own,
// loaded once, at the first census or backup: a run refused before that never loads it.
const loadEtcdCode = async () => {
  const [
    { EtcdError },
    { openPodEtcd },
    { readCensus, countKnownGroups },
    { takeBackup, restoreInstructions },
    { compareKeyspaces, equalizeKeyspace, bumpRevision },
    content,
    { equalizeSince },
  ] = await Promise.all([
    import('./client.ts'),
    import('./access.ts'),
    import('./census-reader.ts'),
    import('./backup.ts'),
    import('./equalize.ts'),
    import('./content-reader.ts'),
    import('./equalize-since.ts'),
  ]);
  return {
    EtcdError,
    openPodEtcd,
    readCensus,
    countKnownGroups,
    takeBackup,
    restoreInstructions,
    compareKeyspaces,
    equalizeKeyspace,
    bumpRevision,
    content,
    equalizeSince,
  };
};
let etcdCodeLoaded: ReturnType<typeof loadEtcdCode> | undefined;
const etcdCode = () => (etcdCodeLoaded ??= loadEtcdCode());

/** Census and backup of the two etcds, reached through the Kubernetes API. */
export interface EtcdOps {
  /**
   * `groups`: the groups another etcd's census found; when this etcd holds keys of those groups only,
   * it is counted group by group with count-only ranges (no key sent), else read in full.
   */
  census(store: 'deployed' | 'embedded', groups?: readonly string[]): Promise<Census>;
  /** A verified snapshot of the deployed etcd (or, for abort, of the embedded one through its reader pod). */
  backup(dir: string, store?: 'deployed' | 'embedded'): Promise<{ record: BackupRecord; restore: string }>;
  /** The same operations with the embedded etcd served by another pod (abort's reader pod). */
  withEmbeddedPod(pod: string): EtcdOps;
  /** Both keyspaces key by key (source: the embedded etcd at `revision`, target: the deployed etcd). */
  compare(revision: number | undefined): Promise<KeyspaceComparison>;
  /** The deployed etcd's keyspace made equal to the embedded etcd's at `revision`, its revision above it, compacted. */
  equalize(revision: number, onProgress: (p: KeyspaceProgress) => void): Promise<EqualizeResult>;
  /**
   * The same, carrying back only what the embedded etcd's snapshot shows changed since phase one's
   * content proof; 'fallback' (nothing written) when that proof no longer describes the deployed etcd.
   */
  equalizeSince(
    since: Omit<SinceOptions, 'onProgress'>,
    onProgress: (p: KeyspaceProgress) => void,
  ): Promise<SinceResult>;
  /** The deployed etcd kept as it is: only its revision lifted above `above`, and its history compacted. */
  bumpRevision(above: number): Promise<RevisionBump>;
  /** Both etcds' contents, each at one revision, compared group by group. */
  contentProof(volatilePrefixes: readonly string[]): Promise<ContentDiff>;
}

export interface EtcdOpsOptions {
  namespace: string;
  release: string;
  chartVersion: string;
  log: (m: string) => void;
  /** The pod that serves the embedded etcd; default the control plane's pod <release>-0. */
  embeddedPod?: string;
}

export function etcdOps(kube: Kube, o: EtcdOpsOptions): EtcdOps {
  const objects = objectNames(o.release);
  const certs = async () => {
    const data = await kube.secretData(o.namespace, objects.certs);
    if (!data)
      throw new Error(
        `secret ${objects.certs} does not exist in ${o.namespace}: vCluster writes it when it starts; is the control plane running?`,
      );
    return certsFromSecretData(data, objects.certs);
  };
  const podFor = (store: 'deployed' | 'embedded') =>
    store === 'deployed' ? objects.etcdPod0 : (o.embeddedPod ?? objects.embeddedPod);
  /** How to reach the etcd of a pod (with the certificate read from the secret now). */
  const target = async (pod: string) => ({
    namespace: o.namespace,
    pod,
    port: 2379,
    certs: await certs(),
    container: 'etcd',
  });
  /** Runs `work` with clients of both etcds (source: the embedded one, target: the deployed one), then closes them. */
  const both = async <T>(work: (source: EtcdClient, target: EtcdClient) => Promise<T>): Promise<T> => {
    const { openPodEtcd } = await etcdCode();
    const open = async (store: 'deployed' | 'embedded') =>
      openPodEtcd(kube.kc, { ...(await target(podFor(store))), allowExecFallback: false });
    const source = await open('embedded');
    try {
      const deployed = await open('deployed');
      try {
        return await work(source.client, deployed.client);
      } finally {
        await deployed.close();
      }
    } finally {
      await source.close();
    }
  };
  const countOnce = async (store: 'deployed' | 'embedded', groups?: readonly string[]): Promise<Census> => {
    const { openPodEtcd, readCensus, countKnownGroups } = await etcdCode();
    const access = await openPodEtcd(kube.kc, {
      ...(await target(podFor(store))),
      allowExecFallback: store === 'deployed',
    });
    try {
      o.log(`counting keys of the ${store} etcd (pod ${podFor(store)}) via ${access.path}`);
      let last = 0;
      const known = groups && (await countKnownGroups(access.client, groups));
      if (groups && !known)
        o.log(`census of the ${store} etcd: it holds keys outside the groups expected; reading it in full`);
      const c =
        known ??
        (await readCensus(access.client, {
          onProgress: (p) => {
            if (Date.now() - last < 5000) return;
            last = Date.now();
            o.log(
              `census of the ${store} etcd: ${p.bucketsDone}/${p.buckets} ranges, ${p.keys} keys in ${p.groups} groups so far`,
            );
          },
          onBucketRetry: (r) =>
            o.log(`census of the ${store} etcd: range ${r.bucket} is read again after an interruption (${r.error})`),
        }));
      // The count a person waits for: the progress lines above are throttled and stop short of it.
      o.log(
        `census of the ${store} etcd: done, ${c.total} keys in ${Object.keys(c.groups).length} groups at revision ${c.revision}`,
      );
      return { ...c, store, path: access.path, takenAt: new Date().toISOString() };
    } finally {
      await access.close();
    }
  };
  return {
    async census(store, groups): Promise<Census> {
      const { EtcdError } = await etcdCode();
      // Just after a restart the API may still deny (RBAC not loaded) or refuse a port-forward.
      const count = () =>
        retryTransient(
          () => countOnce(store, groups),
          API_WAIT_MS,
          undefined,
          (x) => (transientApiError(x) && !(x instanceof EtcdError)) || deniedApiError(x),
        );
      try {
        return await count();
      } catch (e) {
        // An API server restart cuts the port-forward and the secret read. Count again, once,
        // after the API answers; a census that fails with the API up is a real failure.
        // A request to the API that got no answer (fetch failed), or an API that does not answer now.
        const apiDown =
          (!(e instanceof EtcdError) && transientApiError(e) && /fetch failed/i.test(describeError(e))) ||
          (await kube.ping(o.namespace, 5000).then(
            () => false,
            () => true,
          ));
        if (!apiDown) throw e;
        o.log(
          `the census of the ${store} etcd was cut (${describeError(e)}) by a Kubernetes API outage; counting again once the API answers`,
        );
        await retryTransient(() => kube.ping(o.namespace, 5000), API_WAIT_MS).catch(() => {
          throw new Error(
            `the census of the ${store} etcd (pod ${podFor(store)} in ${o.namespace}) was cut (${describeError(e)}) and the Kubernetes API did not answer again within ${API_WAIT_MS / 1000} s; run the phase again once the API server answers (a census only reads; the phase resumes from its state record)`,
            { cause: e },
          );
        });
        return await count();
      }
    },
    contentProof: (volatilePrefixes) =>
      both(async (embedded, deployed) => {
        const { content } = await etcdCode();
        o.log('reading every key and value of both etcds for the content proof');
        const [d, e] = await Promise.all([content.readContentDigest(deployed), content.readContentDigest(embedded)]);
        const walks = [];
        for (const g of groupsToExplain(d, e, volatilePrefixes).slice(0, GROUPS_EXPLAINED)) {
          o.log(`content proof: group ${g} differs; walking it key by key on both sides`);
          walks.push(
            await explainGroup(
              g,
              content.groupEntries(deployed, g, d.revision),
              content.groupEntries(embedded, g, e.revision),
              content.displayKey,
            ),
          );
        }
        return compareContent(d, e, walks, volatilePrefixes);
      }),
    withEmbeddedPod: (pod) => etcdOps(kube, { ...o, embeddedPod: pod }),
    compare: (revision) =>
      both(async (source, target) => (await etcdCode()).compareKeyspaces(source, target, { revision })),
    equalize: (revision, onProgress) =>
      both(async (source, target) => (await etcdCode()).equalizeKeyspace(source, target, { revision, onProgress })),
    equalizeSince: (since, onProgress) =>
      both(async (source, target) => (await etcdCode()).equalizeSince(source, target, { ...since, onProgress })),
    async bumpRevision(above) {
      const { openPodEtcd, bumpRevision } = await etcdCode();
      const deployed = await openPodEtcd(kube.kc, { ...(await target(podFor('deployed'))), allowExecFallback: false });
      try {
        return await bumpRevision(deployed.client, { above });
      } finally {
        await deployed.close();
      }
    },
    async backup(dir, store = 'deployed') {
      const { openPodEtcd, takeBackup, restoreInstructions } = await etcdCode();
      const access = await openPodEtcd(kube.kc, { ...(await target(podFor(store))), allowExecFallback: false });
      try {
        const record = await takeBackup(access.client, {
          dir,
          release: o.release,
          store,
          chartVersion: o.chartVersion,
          log: o.log,
        });
        return { record, restore: restoreInstructions(record, o.chartVersion) };
      } finally {
        await access.close();
      }
    },
  };
}
