// Every bad input stops the built action before it touches the cluster: a recording API server
// sees no request, and a helm on PATH that records its calls is never called.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, existsSync, rmSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { failingApi, type FailingApi } from '../support/failing-api.ts';
import { runAction } from '../support/run-action.ts';
import { BAD_INPUTS, VALID_INPUTS } from '../support/bad-inputs.ts';

let api: FailingApi;
let dir: string;
let helmCalls: string;

beforeAll(async () => {
  api = await failingApi();
  dir = mkdtempSync(join(tmpdir(), 'bad-inputs-'));
  helmCalls = join(dir, 'helm-calls');
  // Records a call; it is not a helm stand-in: the assertion is that it is never reached.
  writeFileSync(join(dir, 'helm'), `#!/bin/sh\necho "$@" >> ${helmCalls}\nexit 1\n`);
  chmodSync(join(dir, 'helm'), 0o755);
});
afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('bad inputs through the built action', () => {
  it.each(BAD_INPUTS)('%s: refused with a clear message, nothing touched', async (_name, over, message) => {
    const before = api.requests();
    const r = await runAction(
      { ...VALID_INPUTS, kubeconfig: api.kubeconfig, ...over },
      { PATH: `${dir}:${process.env.PATH}` },
    );
    expect(r.code).toBe(1);
    expect(r.errors.join('\n')).toMatch(message);
    expect(r.outputs.status).toBe('refused');
    expect(r.summary).toContain('## vCluster etcd migration: refused');
    // The outputs every refusal writes: the phase (when it is one) and the summary.
    expect(r.outputs.phase).toBe(over.phase === 'rollback' ? '' : (over.phase ?? VALID_INPUTS.phase));
    expect(r.outputs['summary-markdown']).toBe(r.summary);
    expect(api.requests() - before).toBe(0);
    expect(existsSync(helmCalls)).toBe(false);
  });

  it('an empty phase is refused, not run as phase one; a phase left out is plan', async () => {
    const before = api.requests();
    const r = await runAction({ ...VALID_INPUTS, phase: '', kubeconfig: api.kubeconfig });
    expect(r.code).toBe(1);
    expect(r.errors.join('\n')).toMatch(
      /input 'phase': is empty .*Expected: one of plan, migrate, finalize, abort, status, discover/,
    );
    expect(r.outputs.status).toBe('refused');
    expect(r.outputs.phase).toBe('');
    expect(api.requests() - before).toBe(0);
    const { phase: _, ...noPhase } = VALID_INPUTS;
    const plan = await runAction({ ...noPhase, kubeconfig: api.kubeconfig, 'max-releases': '3' });
    expect(plan.outputs.phase).toBe('plan');
    // A good value of an input plan does not read is a warning in the log and in the summary.
    expect(plan.stdout).toContain("::warning::input 'max-releases' is set, but phase plan does not read it");
    expect(plan.summary).toContain("> ⚠️ input 'max-releases' is set, but phase plan does not read it");
  });

  it('phase discover: refused the same way, the job summary naming each bad input, nothing read', async () => {
    const before = api.requests();
    const r = await runAction({
      phase: 'discover',
      'chart-version': 'keep',
      'max-releases': '0',
      kubeconfig: api.kubeconfig,
    });
    expect(r.code).toBe(1);
    expect(r.errors.join('\n')).toMatch(/input 'max-releases': "0" is not a whole number from 1 to 256/);
    expect(r.outputs.status).toBe('refused');
    expect(r.summary).toContain('## vCluster etcd migration: refused');
    // The summary's table escapes the quotes of the value.
    expect(r.summary).toContain('| `max-releases` | "0" is not a whole number from 1 to 256 |');
    expect(api.requests() - before).toBe(0);
  });

  it('phase discover: a context the kubeconfig lacks is refused like in the other phases, nothing read', async () => {
    const before = api.requests();
    const r = await runAction({
      phase: 'discover',
      'chart-version': 'keep',
      context: 'prod',
      kubeconfig: api.kubeconfig,
    });
    expect(r.code).toBe(1);
    expect(r.errors.join('\n')).toMatch(
      /^refused: the kubeconfig cannot be used: input 'context': the kubeconfig has no context named "prod" \(it has: c\); .*\. Next: fix input 'kubeconfig' or 'context'/,
    );
    expect(r.outputs.status).toBe('refused');
    // As every refusal: the job summary says why and what to do, and output summary-markdown holds it.
    expect(r.summary).toContain('## vCluster fleet: discover ❌');
    expect(r.summary).toContain("**Next:** fix input 'kubeconfig' or 'context' (or KUBECONFIG) and run again");
    expect(r.outputs['summary-markdown']).toBe(r.summary);
    expect(r.outputs.phase).toBe('discover');
    expect(api.requests() - before).toBe(0);
  });
});
