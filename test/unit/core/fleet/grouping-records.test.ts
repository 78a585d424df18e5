// Discover's reading of state records and config Secrets that lack the release label: the release
// comes from the object's name; a record with no document says so; the lock is kept as run and phase.
import { describe, expect, it } from 'vitest';
import { groupFleet, recordFacts } from '../../../../src/core/fleet/grouping.ts';
import { emptyState } from '../../../../src/core/migration/state.ts';
import { workload } from './fixtures.ts';

describe('state records and config Secrets in the fleet', () => {
  it('a record ConfigMap without state.json', () => {
    expect(recordFacts(undefined, 'ns', 'vc')).toEqual({ error: 'ConfigMap vc-etcd-migration has no state.json' });
    expect(recordFacts('', 'ns', 'vc')).toEqual({ error: 'ConfigMap vc-etcd-migration has no state.json' });
  });

  it('the lock as run and phase', () => {
    const s = emptyState('vc', 'ns');
    s.lock = { runId: '12-1', phase: 'migrate', acquiredAt: 'a', renewedAt: 'b' };
    expect(recordFacts(JSON.stringify(s), 'ns', 'vc').lock).toEqual({ runId: '12-1', phase: 'migrate' });
  });

  it('the release from the names of a record and a config Secret without the release label', () => {
    const facts = groupFleet({
      controlPlanes: [workload('Deployment', 'ns', 'vc')],
      etcds: [],
      records: [{ namespace: 'ns', name: 'vc-etcd-migration', text: JSON.stringify(emptyState('vc', 'ns')) }],
      configSecrets: [
        {
          namespace: 'ns',
          name: 'vc-config-vc',
          labels: {},
          annotations: { 'vcluster.loft.sh/store': 'embedded-etcd' },
        },
      ],
      helmSecrets: [
        {
          namespace: 'ns',
          name: 'sh.helm.release.v1.vc.v2',
          labels: { owner: 'helm', name: 'vc', version: '2' },
          annotations: {},
        },
      ],
    });
    expect(facts).toHaveLength(1);
    expect(facts[0]).toMatchObject({
      release: 'vc',
      store: 'embedded-etcd',
      record: { p1: undefined },
      helm: { status: 'unknown', revision: 2 },
    });
    expect(facts[0]!.record!.error).toBeUndefined();
  });
});
