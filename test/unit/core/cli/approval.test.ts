import { describe, expect, it } from 'vitest';
import { decideCliApproval, typedApproval } from '../../../../src/core/cli/approval.ts';
import { EXIT, exitCodeFor } from '../../../../src/core/cli/exit-codes.ts';

const BASE = {
  phase: 'finalize',
  release: 'my-vc',
  namespace: 'team-a',
  requireApproval: true,
  yes: false,
  interactive: false,
};

describe("phase two's approval on the command line", () => {
  it('is not needed by the other phases, nor with require-approval false', () => {
    for (const phase of ['plan', 'migrate', 'status', 'discover'])
      expect(decideCliApproval({ ...BASE, phase }).kind).toBe('not-needed');
    expect(decideCliApproval({ ...BASE, requireApproval: false }).kind).toBe('not-needed');
  });

  it('waits without a name, and with a name but neither --yes nor a terminal', () => {
    const none = decideCliApproval({ ...BASE, yes: true, interactive: true });
    expect(none).toMatchObject({
      kind: 'waiting',
      reason: 'finalize waits for an approval: no --approved-by names who approves',
    });
    const noWay = decideCliApproval({ ...BASE, approvedBy: 'ada' });
    expect(noWay.kind).toBe('waiting');
    expect(noWay.kind === 'waiting' && noWay.next).toMatch(/--approved-by <name> and --yes/);
  });

  it('is given by a name with --yes, or asked for on a terminal', () => {
    expect(decideCliApproval({ ...BASE, approvedBy: 'ada', yes: true })).toEqual({
      kind: 'approved',
      by: 'ada',
      how: 'approved by ada on the command line (--yes)',
    });
    const ask = decideCliApproval({ ...BASE, approvedBy: 'ada', interactive: true });
    expect(ask).toEqual({
      kind: 'ask',
      by: 'ada',
      question: 'finalize changes release my-vc in namespace team-a for good. ada, type the release name to confirm:',
    });
  });

  it('is needed by abort as by finalize', () => {
    expect(decideCliApproval({ ...BASE, phase: 'abort', approvedBy: 'ada', yes: true }).kind).toBe('approved');
    expect(decideCliApproval({ ...BASE, phase: 'abort' }).kind).toBe('waiting');
  });

  it('takes only the exact release name at the prompt', () => {
    expect(typedApproval({ by: 'ada' }, 'my-vc', 'my-vc\n').kind).toBe('approved');
    expect(typedApproval({ by: 'ada' }, 'my-vc', 'y')).toEqual({
      kind: 'refused',
      reason: 'the name typed at the prompt is not the release name my-vc; nothing was changed',
    });
  });
});

describe('the exit codes', () => {
  it('say done, failed, refused or waiting', () => {
    expect(['succeeded', 'planned', 'no-op'].map(exitCodeFor)).toEqual([0, 0, 0]);
    expect(exitCodeFor('failed')).toBe(EXIT.failed);
    expect(exitCodeFor('refused')).toBe(EXIT.refused);
    expect(exitCodeFor('waiting')).toBe(EXIT.waiting);
    expect(new Set(Object.values(EXIT)).size).toBe(4);
  });
});
