// How abort makes the deployed etcd equal to the embedded one after a verified phase one: only the
// changes since phase one's content proof, while what the proof read is still what abort reads; else
// both keyspaces key by key (the same result, slower).
import { objectNames, type ClusterView } from './cluster-view.ts';
import type { ContentBaseline } from './content-proof.ts';
import type { BackupRecord, StateRecord } from './state.ts';

export type EqualizeWay =
  | { way: 'changes-since-proof'; baseline: ContentBaseline; snapshot: BackupRecord }
  | { way: 'key-by-key'; why: string };

/**
 * `takenThisRun`: the snapshot of the embedded etcd this run took and verified, if it did (a file an
 * earlier run left is not read back as history). The deployed etcd's revision is checked by the
 * adapter, which reads it.
 */
export function equalizeWay(s: StateRecord, view: ClusterView, takenThisRun: BackupRecord | undefined): EqualizeWay {
  const keyByKey = (why: string): EqualizeWay => ({ way: 'key-by-key', why });
  const baseline = s.phase1?.contentBaseline;
  if (s.phase1?.status !== 'verified' || !baseline) {
    return keyByKey("phase one's record holds no verified content proof to start from");
  }
  const snapshot = s.abort?.snapshot;
  if (!snapshot || takenThisRun?.sha256 !== snapshot.sha256) {
    return keyByKey('the snapshot of the embedded etcd was taken by an earlier run');
  }
  const pvc = objectNames(s.release).embeddedPvc;
  const uid = view.embeddedPvcs?.find((p) => p.name === pvc)?.uid;
  if (!baseline.embeddedPvcUid || uid !== baseline.embeddedPvcUid) {
    return keyByKey(
      `PVC ${pvc} is not known to be the one phase one's content proof read (uid ${uid ?? 'unknown'}, recorded ${baseline.embeddedPvcUid ?? 'none'})`,
    );
  }
  return { way: 'changes-since-proof', baseline, snapshot };
}
