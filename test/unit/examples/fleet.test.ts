// examples/fleet.yml and examples/rbac-fleet.yaml keep what a platform team relies on: the matrix
// comes from discover, one failure does not stop the others, one approval gate, and discover
// needs no Secret unless asked. (actionlint checks the inputs and outputs: test/integration/workflows.test.ts.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const root = join(import.meta.dirname, '..', '..', '..');
const ACTION_REF = 'vcluster-etcd-migrate/vcluster-etcd-migrate@v1';
const wf = parse(readFileSync(join(root, 'examples', 'fleet.yml'), 'utf8'));
type Step = { uses?: string; with?: Record<string, string> };
const actionStep = (job: { steps: Step[] }) => job.steps.find((s) => s.uses === ACTION_REF)!;

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  roleRef?: { name: string };
}
const docs = (file: string): Doc[] =>
  parseAllDocuments(readFileSync(join(root, 'examples', file), 'utf8')).map((d) => d.toJSON() as Doc);

describe('examples/fleet.yml', () => {
  it('discovers, then migrates the matrix discover wrote, max-parallel from an input, fail-fast off', () => {
    const { discover, migrate } = wf.jobs;
    expect(actionStep(discover).with).toMatchObject({
      phase: 'discover',
      'next-phase': 'migrate',
      'chart-version': '${{ inputs.chart-version }}',
    });
    expect(discover.outputs.matrix).toBe('${{ steps.discover.outputs.matrix }}');
    expect(migrate.needs).toBe('discover');
    expect(migrate.if).toBe("needs.discover.outputs.matrix-size != '0'");
    expect(migrate.strategy).toEqual({
      'fail-fast': false,
      'max-parallel': '${{ inputs.max-parallel }}',
      matrix: '${{ fromJSON(needs.discover.outputs.matrix) }}',
    });
    expect(wf.on.workflow_dispatch.inputs['max-parallel'].type).toBe('number');
    expect(actionStep(migrate).with).toMatchObject({
      phase: 'migrate',
      release: '${{ matrix.release }}',
      namespace: '${{ matrix.namespace }}',
      'chart-version': '${{ matrix.chart-version }}',
    });
  });

  it('finalizes the verified releases after one approval gate, and reports with discover again', () => {
    const { verified, approve, finalize, report } = wf.jobs;
    expect(actionStep(verified).with).toMatchObject({ phase: 'discover', 'next-phase': 'finalize' });
    expect(approve.environment).toBe(wf.env.APPROVAL_ENVIRONMENT);
    expect(approve.strategy).toBeUndefined();
    // The matrix jobs do not each name the environment (each would be asked again).
    expect(finalize.environment).toBeUndefined();
    expect(finalize.needs).toEqual(['verified', 'approve']);
    expect(finalize.strategy.matrix).toBe('${{ fromJSON(needs.verified.outputs.matrix) }}');
    expect(finalize.strategy['fail-fast']).toBe(false);
    expect(finalize.permissions).toEqual({ contents: 'read', actions: 'read' });
    expect(actionStep(finalize).with).toMatchObject({
      phase: 'finalize',
      'approval-environment': '${{ env.APPROVAL_ENVIRONMENT }}',
    });
    expect(actionStep(report).with!.phase).toBe('discover');
    expect(report.needs).toContain('finalize');
  });
});

describe('examples/rbac-fleet.yaml', () => {
  const all = docs('rbac-fleet.yaml');
  const role = (name: string) => all.find((d) => d.kind === 'ClusterRole' && d.metadata.name === name)!;

  it('lets discover list what it reads and no Secret; Secrets only in the opt-in role', () => {
    const discover = role('vcluster-etcd-migrate-discover').rules!;
    expect(discover.flatMap((r) => r.resources).sort()).toEqual([
      'configmaps',
      'deployments',
      'namespaces',
      'statefulsets',
    ]);
    expect(discover.flatMap((r) => r.verbs)).toEqual(['list', 'list', 'list']);
    expect(role('vcluster-etcd-migrate-discover-secrets').rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['list'] },
    ]);
    const bound = all.filter((d) => d.kind === 'ClusterRoleBinding').map((d) => d.roleRef!.name);
    expect(bound).not.toContain('vcluster-etcd-migrate-discover-secrets');
  });

  it('grants migrate and finalize per namespace exactly the rules of examples/rbac.yaml', () => {
    const single = docs('rbac.yaml').find((d) => d.kind === 'Role')!.rules;
    expect(role('vcluster-etcd-migrate-release').rules).toEqual(single);
    const binding = all.find((d) => d.kind === 'RoleBinding')!;
    expect(binding.roleRef!.name).toBe('vcluster-etcd-migrate-release');
  });
});
