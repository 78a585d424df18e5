// What a reviewer reads in the job summary, the PR comment and the log never contradicts itself:
// a refused approval is not shown passed, plan's values are where its headline says, and the
// census shows its verdict first and folds the groups that match.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { newReport, type RunReport } from '../../../src/report/report.ts';
import { renderSummary } from '../../../src/report/summary.ts';
import { renderStatusComment } from '../../../src/report/comment-body.ts';
import { renderCensusBlock } from '../../../src/report/census-table.ts';
import { checkApproval } from '../../../src/phases/steps/approval-gate.ts';
import { writeValuesFile } from '../../../src/phases/steps/upgrade.ts';
import type { PhaseDeps as Deps } from '../../../src/phases/steps/deps.ts';
import { PhaseStop } from '../../../src/phases/steps/outcome.ts';
import { decideApproval } from '../../../src/core/migration/approval.ts';
import { computeValues } from '../../../src/core/migration/values.ts';
import { diffCensus } from '../../../src/core/migration/census.ts';
import { parseChartVersion } from '../../../src/core/inputs/version.ts';
import { evidence, request, review } from '../../support/approval-evidence.ts';

/** A phase's dependencies whose report is the whole run report, as the runner hands it. */
type TestDeps = Deps & { report: RunReport; logged: string[] };

/** The parts of a phase's dependencies these steps use; the approval verdict comes from the real decision. */
function deps(verdict = decideApproval(request, evidence([]))): TestDeps {
  const logged: string[] = [];
  return {
    settings: { release: 'vc', namespace: 'team', approvalEnvironment: 'prod', requireApproval: true },
    report: newReport('vc', 'team', 'finalize'),
    store: { ensureHeld: async () => undefined },
    approvals: { verify: async () => verdict },
    workDir: mkdtempSync(join(tmpdir(), 'report-consistency-')),
    log: {
      info: (m: string) => logged.push(m),
      warning: (m: string) => logged.push(m),
      group: <T>(_n: string, fn: () => Promise<T>) => fn(),
    },
    logged,
  } as unknown as TestDeps;
}

describe('a refused approval', () => {
  it('is shown refused in the steps table, with nobody named as approver', async () => {
    const d = deps();
    const stop = await checkApproval(d, 'phase two', 'finalize').catch((e: unknown) => e);
    expect(stop).toBeInstanceOf(PhaseStop);
    expect((stop as PhaseStop).status).toBe('refused');
    expect(d.report.steps).toEqual([expect.objectContaining({ name: 'approval', state: 'refused' })]);
    d.report.status = 'refused';
    d.report.headline = (stop as PhaseStop).message;
    const md = renderSummary(d.report);
    expect(md).toMatch(/^\| approval \| ⛔ refused \|/m);
    expect(md).not.toMatch(/approved by\s*\|/);
    expect(md).not.toMatch(/^\| approval \| ✅/m);
    // The checks that said no are listed with the step.
    expect(md).toMatch(/^\| approval: run-approval \| ❌ failed \|/m);
  });

  it('an approval that passes is shown passed with its approvers', async () => {
    const d = deps(decideApproval(request, evidence([review('approved', 'alice')])));
    await checkApproval(d, 'phase two', 'finalize');
    expect(d.report.steps).toEqual([
      expect.objectContaining({ name: 'approval', state: 'ok', note: 'approved by alice' }),
    ]);
  });
});

describe("plan's values", () => {
  const values = computeValues({
    userValues: { controlPlane: { statefulSet: { env: [{ name: 'TOKEN', value: 'not-for-the-log-0123' }] } } },
    chartVersion: parseChartVersion('0.27.0')!,
    etcdExtraArgs: [],
    extraValues: {},
  });

  it('are in the log: the keys the migration sets, never the release own values', () => {
    const d = deps();
    writeValuesFile(d, 'phase1', values.phase1);
    const line = d.logged.find((l: string) => l.startsWith('Values phase one'));
    expect(line).toContain('migrateFromDeployedEtcd: true');
    expect(d.logged.join('\n')).not.toContain('not-for-the-log-0123');
  });

  it('are in the PR comment under the name the headline gives', () => {
    const d = deps();
    writeValuesFile(d, 'phase1', values.phase1);
    d.report.phase = 'plan';
    d.report.status = 'planned';
    d.report.headline =
      'Phase one would apply the values shown under Values phase one (server dry run passed); the deployed etcd holds 10 keys.';
    const comment = renderStatusComment(d.report);
    expect(comment).toContain('<summary>Values phase one</summary>');
    expect(comment).toContain('migrateFromDeployedEtcd: true');
    expect(comment).not.toContain('not-for-the-log-0123');
  });
});

describe('the census for a reader', () => {
  const groups = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`/registry/g${i}/`, i + 1]));

  it('says in one line that every group matches, and folds the table', () => {
    const md = renderCensusBlock(diffCensus({ groups }, { groups }));
    const [first, ...rest] = md.split('\n');
    expect(first).toBe(`✅ All 65 groups match: ${(65 * 66) / 2} keys before and after.`);
    expect(rest.join('\n')).toMatch(/^\n<details><summary>Key counts of all 65 groups<\/summary>\n\n\| Group/);
    expect(md).not.toContain('<details open');
  });

  it('shows the groups that lost or changed keys open and first, the matching ones folded', () => {
    const after = { ...groups, '/registry/g3/': 1, '/registry/g9/': 20, '/registry/new.example.com/x/': 2 };
    const md = renderCensusBlock(diffCensus({ groups }, { groups: after }));
    const open = md.slice(0, md.indexOf('<details>'));
    const folded = md.slice(md.indexOf('<details>'));
    expect(open.split('\n')[0]).toBe('❌ **1 group lost keys**; 3 groups changed in all, 63 groups match.');
    expect(open).toContain('| `/registry/g3/` | 4 | 1 | −3 | **lost** |');
    expect(open).toContain('| `/registry/g9/` | 10 | 20 | +10 | ok |');
    expect(open).toContain('| `/registry/new.example.com/x/` | 0 | 2 | +2 | new |');
    expect(open.indexOf('g3/')).toBeLessThan(open.indexOf('g9/'));
    expect(folded).toMatch(/^<details><summary>63 groups with the same count before and after<\/summary>/);
    expect(folded).toContain('| `/registry/g0/` | 1 | 1 | 0 | ok |');
    expect(folded).not.toContain('g3/');
  });
});
