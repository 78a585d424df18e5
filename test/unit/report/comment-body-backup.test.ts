// The PR comment's backup row: revision, keys and bytes with thousands separators, and the first
// 16 characters of the snapshot's sha256 (enough to match it, short enough for a table).
import { describe, expect, it } from 'vitest';
import { renderStatusComment } from '../../../src/report/comment-body.ts';
import type { StatusReport } from '../../../src/report/report.ts';

const base: StatusReport = {
  release: 'vc-a',
  namespace: 'team-a',
  phase: 'migrate',
  status: 'succeeded',
  headline: 'Phase one verified.',
  next: 'Approve finalize.',
};

describe('the PR comment backup row', () => {
  it('shows the snapshot when there is one', () => {
    const body = renderStatusComment({
      ...base,
      backup: {
        file: '/tmp/s.db',
        bytes: 1_048_576,
        sha256: '0123456789abcdef0123456789abcdef',
        revision: 42,
        keys: 12_345,
      },
    });
    expect(body).toContain('| Backup | revision 42, 12,345 keys, 1,048,576 bytes, sha256 `0123456789abcdef` |');
    expect(renderStatusComment(base)).not.toContain('| Backup |');
  });
});
