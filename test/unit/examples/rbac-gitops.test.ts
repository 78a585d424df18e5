// examples/rbac-gitops.yaml grants exactly the optional read the preflight asks for to verify
// gitops-paused: true (get on a HelmRelease or an Application, nothing more), bound in the
// namespaces the controllers keep them in by default.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { gitopsMarks } from '../../../src/core/migration/gitops.ts';
import { gitopsAccessNeed } from '../../../src/core/migration/permissions.ts';

interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
  subjects?: Array<{ kind: string; name: string; namespace: string }>;
  roleRef?: { kind: string; name: string };
}

const root = join(import.meta.dirname, '..', '..', '..');
const docs = parseAllDocuments(readFileSync(join(root, 'examples', 'rbac-gitops.yaml'), 'utf8')).map(
  (d) => d.toJSON() as Doc,
);

describe('examples/rbac-gitops.yaml', () => {
  const objects = gitopsMarks('vc', [
    {
      what: 'StatefulSet vc',
      labels: { 'helm.toolkit.fluxcd.io/name': 'vc', 'helm.toolkit.fluxcd.io/namespace': 'flux-system' },
      annotations: { 'argocd.argoproj.io/tracking-id': 'vc-app:apps/StatefulSet:team/vc' },
    },
  ]).map((m) => m.object!);

  it('grants get, and only get, on each resource the preflight reads', () => {
    const role = docs.find((d) => d.kind === 'ClusterRole')!;
    const granted = role.rules!.flatMap((r) =>
      r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${v} ${res}.${g}`))),
    );
    const asked = objects.map(gitopsAccessNeed).map((n) => `${n.verb} ${n.resource}.${n.group}`);
    expect(granted.sort()).toEqual(asked.sort());
  });

  it("binds it in each default namespace (Flux's flux-system, Argo CD's argocd) to the action's ServiceAccount", () => {
    const bindings = docs.filter((d) => d.kind === 'RoleBinding');
    expect(bindings.map((b) => b.metadata.namespace).sort()).toEqual(objects.map((o) => o.namespace).sort());
    for (const b of bindings) {
      expect(b.roleRef).toMatchObject({ kind: 'ClusterRole', name: 'vcluster-etcd-migrate-gitops-read' });
      expect(b.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'vcluster-etcd-migrate', namespace: 'vcluster-demo' },
      ]);
    }
  });
});
