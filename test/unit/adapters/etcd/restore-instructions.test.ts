// The restore help that comes with a snapshot: the etcd of the chart line, and no vcluster snapshot advice.
import { describe, expect, it } from 'vitest';
import { restoreInstructions } from '../../../../src/adapters/etcd/backup.ts';

describe('restoreInstructions', () => {
  it('the restore help names the etcd of the chart line and gives no vcluster snapshot advice', () => {
    const rec = { file: '/b/vc-etcd.snapshot.db', bytes: 1, sha256: 'ab', revision: 2, keys: 3 };
    expect(restoreInstructions(rec, '0.29.0-rc.1')).toContain('etcd 3.6');
    expect(restoreInstructions(rec, 'v0.28.2')).toContain('etcd 3.5');
    expect(restoreInstructions(rec, '0.27.0')).not.toMatch(/vcluster (snapshot|restore)/i);
  });
});
