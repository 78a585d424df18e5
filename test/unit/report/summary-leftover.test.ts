// The leftover PVCs of the deployed etcd come with the command that deletes them, whichever phase
// reports them: the finalize that kept them, a finalize re-run that has nothing to do, or status.
import { describe, expect, it } from 'vitest';
import { newReport } from '../../../src/report/report.ts';
import { renderSummary } from '../../../src/report/summary.ts';

describe('summary of leftover PVCs', () => {
  it.each(['finalize', 'status'] as const)('%s: lists them with the kubectl command for their namespace', (phase) => {
    const r = newReport('vc', 'team-a', phase);
    r.leftoverPvcs = ['data-vc-etcd-0', 'data-vc-etcd-1'];
    const md = renderSummary(r);
    expect(md).toContain('### Leftover PVCs of the deployed etcd');
    expect(md).toContain('```sh\nkubectl delete pvc --namespace team-a data-vc-etcd-0 data-vc-etcd-1\n```');
  });

  it('says nothing of PVCs when none are left', () => {
    const md = renderSummary(newReport('vc', 'team-a', 'finalize'));
    expect(md).not.toContain('Leftover PVCs');
    expect(md).not.toContain('kubectl delete pvc');
  });
});
