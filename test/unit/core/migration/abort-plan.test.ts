// What plan and status say abort would do, and what a finished abort's summary says it did and left:
// every step in order, the etcd kept and why, the revision the values go back to, the way forward again.
import { describe, expect, it } from 'vitest';
import {
  abortCaseLines,
  abortPlanLines,
  forwardAgain,
  wouldAbortLines,
} from '../../../../src/core/migration/abort-plan.ts';
import type { AbortRecord } from '../../../../src/core/migration/abort-record.ts';
import { emptyState } from '../../../../src/core/migration/state.ts';
import { withVerifiedPhaseOne } from '../../../support/state-records.ts';

const verified = withVerifiedPhaseOne(emptyState('vc', 'ns'), { verifiedAt: '2026-12-07T07:00:00Z' });

describe('wouldAbortLines', () => {
  it('keeping the deployed etcd: every step, in order, with the objects of the release', () => {
    expect(
      wouldAbortLines(verified, {
        kind: 'abort',
        case: 'verified',
        keep: 'deployed',
        by: 'input',
        why: 'input says so',
      }),
    ).toEqual([
      'Case: phase one was verified.',
      "1. Stop writes: scale StatefulSet vc to 0 and wait until pod vc-0 is gone (the virtual cluster's API is down from here until step 7).",
      '2. Start pod vc-embedded-etcd-reader on PVC data-vc-0; count both etcds and take a verified snapshot of the embedded etcd (output backup-file).',
      "3. Keep the deployed etcd's keyspace (input says so); lift the deployed etcd's revision above every one the embedded etcd handed out and compact its history, so old watches relist.",
      '4. Delete the reader pod; clear vcluster.loft.sh/store and vcluster.loft.sh/distro on Secret vc-config-vc.',
      '5. helm upgrade with the values of Helm revision 3, the one phase one upgraded from (no --reuse-values, no rollback).',
      '6. Wait for Deployment vc on the deployed etcd; 7. count the deployed etcd and compare it group by group.',
      'PVC data-vc-0 stays (with the old embedded etcd) until you delete it; migrate refuses while it exists.',
    ]);
  });

  it('keeping the embedded etcd without a recorded content proof: the whole keyspace goes back', () => {
    const lines = wouldAbortLines(verified, {
      kind: 'abort',
      case: 'verified',
      keep: 'embedded',
      by: 'state',
      why: 'phase one was verified',
    });
    expect(lines[3]).toBe(
      "3. Make the deployed etcd's keyspace equal to the embedded etcd's at the stop (phase one was verified); lift the deployed etcd's revision above every one the embedded etcd handed out and compact its history, so old watches relist.",
    );
  });

  it('comparing first: which etcd holds the truth is found by reading both, and abort-source settles a tie', () => {
    const lines = wouldAbortLines(
      { ...verified, phase1: { ...verified.phase1!, status: 'failed' } },
      { kind: 'compare', case: 'not-verified', why: 'phase one was not verified' },
    );
    expect(lines[0]).toBe('Case: phase one was never verified.');
    expect(lines[3]).toBe(
      "3. Compare both etcds key by key and keep the one that holds the truth; if both hold writes the other lacks it refuses until input abort-source names one (phase one was not verified); lift the deployed etcd's revision above every one the embedded etcd handed out and compact its history, so old watches relist.",
    );
    expect(lines[5]).toBe(
      '5. helm upgrade with the values of Helm revision 3, the one phase one upgraded from (no --reuse-values, no rollback).',
    );
  });
});

describe('abortPlanLines', () => {
  const done: AbortRecord = {
    status: 'aborted',
    startedAt: 't0',
    case: 'not-verified',
    source: 'deployed',
    why: 'w',
    valuesRevision: 4,
    done: [],
  };

  it('an abort that kept the deployed etcd as it was: the values it went back to and no PVC left', () => {
    expect(abortPlanLines({ ...done, leftoverPvcs: [] }, 'vc', 'ns')).toEqual([
      'The release has the values of Helm revision 4 again.',
      'No embedded etcd PVC of vc is left.',
    ]);
    expect(abortPlanLines(done, 'vc', 'ns')).toEqual([
      'The release has the values of Helm revision 4 again.',
      'No embedded etcd PVC of vc is left.',
    ]);
  });

  it('names every PVC left, in the sentence and in the delete command', () => {
    expect(abortPlanLines({ ...done, leftoverPvcs: ['data-vc-0', 'data-vc-1'] }, 'vc', 'team-a')[1]).toBe(
      'PVC data-vc-0, data-vc-1 keeps the old embedded etcd; delete it before migrating again: kubectl -n team-a delete pvc data-vc-0 data-vc-1 (or migrate with delete-stale-embedded-pvc: true).',
    );
  });

  it('an equalize read key by key without a recorded reason says nothing of how', () => {
    const equalize = {
      sourceRevision: 900,
      deleted: 1,
      put: 2,
      unchanged: 3,
      revisionBefore: 400,
      revisionAfter: 905,
      how: 'key-by-key' as const,
    };
    expect(abortPlanLines({ ...done, equalize }, 'vc', 'ns')[0]).toBe(
      "Deployed etcd: 2 keys written, 1 deleted, 3 already equal; revision 400 → 905, above the embedded etcd's 900; history compacted (a watch from an older revision is refused as compacted).",
    );
  });
});

describe('abortCaseLines', () => {
  it('a verified case and the etcd kept, with why', () => {
    expect(
      abortCaseLines({
        status: 'aborted',
        startedAt: 't0',
        case: 'verified',
        source: 'embedded',
        why: 'It held the truth.',
        valuesRevision: 3,
        done: [],
      }),
    ).toEqual([
      'Case: phase one was verified, so the embedded etcd held the truth.',
      'Kept: the embedded etcd. It held the truth.',
    ]);
  });

  it('an unverified case not decided yet says why it waits', () => {
    expect(
      abortCaseLines({
        status: 'started',
        startedAt: 't0',
        case: 'not-verified',
        why: 'both etcds are compared first',
        valuesRevision: 3,
        done: [],
      }),
    ).toEqual(['Case: phase one was never verified.', 'Not yet decided: both etcds are compared first']);
  });
});

describe('forwardAgain', () => {
  it('names the snapshot file without its folder and the restore command into the embedded PVC', () => {
    expect(forwardAgain('vc', 'out/abort/vc-embedded-etcd.snapshot.db')).toBe(
      "The snapshot `vc-embedded-etcd.snapshot.db` holds the embedded etcd as the abort stopped it (the workflow's artifact keeps it). It is the way forward again if the abort turns out wrong: restore it with `etcdutl snapshot restore vc-embedded-etcd.snapshot.db --bump-revision 1000000000 --mark-compacted --data-dir <new dir>` into an empty embedded etcd PVC data-vc-0 before a new phase one starts its control plane.",
    );
  });

  it('a Windows path loses its folder too', () => {
    expect(forwardAgain('vc', 'out\\abort\\vc.db')).toContain('`etcdutl snapshot restore vc.db ');
  });
});
