import { describe, expect, it } from 'vitest';
import { equalizeWay } from '../../../../src/core/migration/equalize-way.ts';
import type { ClusterView } from '../../../../src/core/migration/cluster-view.ts';
import { emptyState, type BackupRecord, type StateRecord } from '../../../../src/core/migration/state.ts';

const snapshot: BackupRecord = {
  file: '/b/vc-embedded-etcd.snapshot.db',
  bytes: 10,
  sha256: 'aa',
  revision: 90,
  keys: 5,
};
const baseline = { deployedRevision: 40, embeddedRevision: 80, sameGroups: ['/registry/pods/'], embeddedPvcUid: 'u1' };

function state(over: { status?: 'verified' | 'upgraded'; baseline?: typeof baseline | undefined } = {}): StateRecord {
  const s = emptyState('vc', 'ns');
  return {
    ...s,
    phase1: {
      status: over.status ?? 'verified',
      startedAt: '',
      chartVersion: '0.27.0',
      valuesDigest: '',
      contentBaseline: 'baseline' in over ? over.baseline : baseline,
    },
    abort: { status: 'started', startedAt: '', case: 'verified', why: 'w', valuesRevision: 1, done: [], snapshot },
  };
}
const view = (uid: string | undefined) => ({ embeddedPvcs: [{ name: 'data-vc-0', uid }] }) as unknown as ClusterView;

describe('equalizeWay', () => {
  it('carries back only the changes since the proof when the proof, the snapshot and the PVC all still hold', () => {
    expect(equalizeWay(state(), view('u1'), snapshot)).toEqual({ way: 'changes-since-proof', baseline, snapshot });
  });

  it('goes key by key without a verified proof to start from', () => {
    const why = "phase one's record holds no verified content proof to start from";
    expect(equalizeWay(state({ baseline: undefined }), view('u1'), snapshot)).toEqual({ way: 'key-by-key', why });
    expect(equalizeWay(state({ status: 'upgraded' }), view('u1'), snapshot)).toEqual({ way: 'key-by-key', why });
  });

  it('goes key by key when this run did not take the snapshot itself (a file an earlier run left is not trusted)', () => {
    const why = 'the snapshot of the embedded etcd was taken by an earlier run';
    expect(equalizeWay(state(), view('u1'), undefined)).toEqual({ way: 'key-by-key', why });
    expect(equalizeWay(state(), view('u1'), { ...snapshot, sha256: 'bb' })).toEqual({ way: 'key-by-key', why });
  });

  it('goes key by key when the embedded etcd PVC was created again since the proof, or its uid is unknown', () => {
    expect(equalizeWay(state(), view('u2'), snapshot)).toEqual({
      way: 'key-by-key',
      why: "PVC data-vc-0 is not known to be the one phase one's content proof read (uid u2, recorded u1)",
    });
    expect(equalizeWay(state(), view(undefined), snapshot)).toMatchObject({
      why: expect.stringContaining('uid unknown'),
    });
    const noUid = { ...baseline, embeddedPvcUid: undefined } as unknown as typeof baseline;
    expect(equalizeWay(state({ baseline: noUid }), view('u1'), snapshot)).toMatchObject({
      why: expect.stringContaining('recorded none'),
    });
  });
});
