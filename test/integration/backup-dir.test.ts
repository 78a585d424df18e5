// The backup directory through the built action: private (0700) even when it existed with the
// runner's usual 0755, never made by plan or status, and an unusable one is a refusal with a job
// summary and the status output, before any API request.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { failingApi, type FailingApi } from '../support/failing-api.ts';
import { runAction } from '../support/run-action.ts';
import { VALID_INPUTS } from '../support/bad-inputs.ts';
import { recordScenario } from '../support/reliability.ts';

let api: FailingApi;
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  // Its kubeconfig's http:// server is refused by client-node before any request: the runs below end
  // there, after the backup directory step.
  api = await failingApi();
  kubeconfig = api.kubeconfig;
  dir = mkdtempSync(join(tmpdir(), 'backup-dir-'));
});
afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

const mode = (p: string) => statSync(p).mode & 0o777;

describe('backup-dir', () => {
  it('an existing 0755 directory is made 0700 before the snapshot could land in it', async () => {
    const backupDir = join(dir, 'existing');
    mkdirSync(backupDir, { mode: 0o755 });
    chmodSync(backupDir, 0o755);
    const r = await runAction({ ...VALID_INPUTS, kubeconfig, 'backup-dir': backupDir }, {}, 120_000);
    expect(r.outputs.status).toBe('refused'); // at the kubeconfig, after the backup directory step
    expect(mode(backupDir)).toBe(0o700);
    recordScenario({
      group: 'Faults',
      scenario: 'backup-dir exists with mode 0755',
      done: 'backup-dir named a directory the runner had made 0755',
      action:
        "made it 0700 before anything was read; the snapshot (every Secret of the vCluster) is the runner user's alone",
      dataLost: 'none',
    });
  });

  it('plan and status do not create it', async () => {
    for (const phase of ['plan', 'status']) {
      const backupDir = join(dir, `not-made-${phase}`);
      const r = await runAction({ ...VALID_INPUTS, kubeconfig, phase, 'backup-dir': backupDir }, {}, 120_000);
      expect(r.outputs.status).toBe('refused');
      expect(existsSync(backupDir), phase).toBe(false);
    }
  });

  it('an unusable directory is refused with a summary and the status output, before any API request', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const before = api.requests();
    const r = await runAction({ ...VALID_INPUTS, kubeconfig, 'backup-dir': join(file, 'backups') }, {}, 120_000);
    expect(r.code).toBe(1);
    expect(r.outputs.status).toBe('refused');
    expect(r.errors.join('\n')).toMatch(/input 'backup-dir': cannot create ".*a-file\/backups" \(ENOTDIR\)/);
    expect(r.summary).toMatch(/refused/);
    expect(r.summary).toContain('backup-dir');
    expect(r.outputs['summary-markdown']!.trim()).toBe(r.summary.trim());
    expect(api.requests() - before).toBe(0);
    recordScenario({
      group: 'Faults',
      scenario: 'backup-dir cannot be created',
      done: 'backup-dir under a regular file',
      action:
        'refused before any API request, with a job summary and status output refused: "input \'backup-dir\': cannot create … (ENOTDIR)"',
      dataLost: 'none',
    });
  });
});
