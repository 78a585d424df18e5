// Phase abort over the in-memory phase fixture: both cases (phase one verified: the embedded etcd's
// keyspace goes back into the deployed etcd; not verified: the comparison says which etcd holds the
// truth), the refusals before any change, a run stopped mid-way and resumed, and the round trip
// migrate → abort → migrate → finalize.
import { describe, expect, it } from 'vitest';
import { abort } from '../../../src/phases/abort.ts';
import { migrate } from '../../../src/phases/migrate.ts';
import { finalize } from '../../../src/phases/finalize.ts';
import { plan } from '../../../src/phases/plan.ts';
import { backingStoreOf } from '../../../src/core/migration/values.ts';
import { InputError } from '../../../src/core/inputs/input-reader.ts';
import { nextRun, phaseFixture, runPhaseIn, STORE_ANNOTATION, type PhaseFixture } from '../../support/phase-fixture.ts';

const READER = 'vc-embedded-etcd-reader';
const CONFIGMAPS = '/registry/configmaps/';

/** A release whose phase one ran: verified, or (lose > 0) with the copy short of that many secrets. */
async function afterPhaseOne(lose = 0): Promise<PhaseFixture> {
  const fx = phaseFixture('migrate');
  if (lose > 0) {
    const apply = fx.cluster.applyChart.bind(fx.cluster);
    fx.cluster.applyChart = (values) => {
      apply(values);
      if (backingStoreOf(values) === 'migrating') fx.etcd.groups.embedded['/registry/secrets/']! -= lose;
    };
  }
  const r = await runPhaseIn(fx, migrate);
  expect(r.status).toBe(lose > 0 ? 'failed' : 'succeeded');
  return fx;
}

const stepNames = (fx: PhaseFixture) => fx.report.steps.map((s) => `${s.name}: ${s.state}`);

describe('phase abort after a verified phase one', () => {
  it('puts the embedded etcd with the writes made since the copy back into the deployed etcd, and the release on its old values', async () => {
    const fx = await afterPhaseOne();
    // The virtual cluster wrote after the copy.
    fx.etcd.groups.embedded[CONFIGMAPS] = 5;
    fx.etcd.groups.embedded['/registry/pods/'] = 12;
    const run = nextRun(fx, 'abort');
    const r = await runPhaseIn(run, abort);

    expect(r.status, r.headline).toBe('succeeded');
    expect(fx.etcd.groups.deployed).toEqual(fx.etcd.groups.embedded);
    expect(stepNames(run)).toEqual([
      'preflight: ok',
      'approval: ok',
      'lock: ok',
      'decide: ok',
      'stop writes: ok',
      'start the reader pod: ok',
      'census and snapshot of the embedded etcd: ok',
      'equalize the deployed etcd: ok',
      'delete the reader pod: ok',
      "clear vCluster's store annotations: ok",
      'helm upgrade to the values before phase one: ok',
      'wait for the control plane on deployed etcd: ok',
      'census of the deployed etcd: ok',
      'record the abort: ok',
    ]);
    // The embedded etcd was read through the reader pod, after the control plane stopped; its census
    // at the stop is the equalize's walk, key by key, not a second read.
    expect(fx.etcd.calls).toContain(`compare embedded via ${READER}`);
    expect(fx.etcd.calls).toContain(`backup embedded via ${READER}`);
    expect(fx.etcd.calls).not.toContain(`census embedded via ${READER}`);
    expect(fx.cluster.calls.indexOf('scaleControlPlane 0')).toBeLessThan(
      fx.cluster.calls.indexOf(`createPod ${READER}`),
    );
    expect(fx.cluster.pods.has(READER)).toBe(false);
    // The values of Helm revision 1 (before phase one), explicitly; the annotation cleared before it.
    expect(fx.helm.upgrades.at(-1)!.values).toEqual(fx.helm.revisions[0]!.values);
    expect(fx.cluster.controlPlane).toBe('Deployment');
    expect(fx.cluster.deploymentReady).toBe(true);
    expect(fx.cluster.configAnnotations[STORE_ANNOTATION]).toBe('deployed-etcd');

    const a = fx.configMaps.record()!.abort!;
    expect(a).toMatchObject({ status: 'aborted', case: 'verified', source: 'embedded', valuesRevision: 1 });
    expect(a.equalize!.revisionAfter).toBeGreaterThan(a.embeddedAtStop!.revision);
    expect(a.equalize).toMatchObject({ put: 7, deleted: 0 });
    // Phase one recorded what its content proof found equal (events are volatile: not among them).
    // The fake's snapshot is no file on this runner: the equalize compared key by key and says why.
    expect(fx.configMaps.record()!.phase1!.contentBaseline!.sameGroups.sort()).toEqual([
      '/registry/pods/',
      '/registry/secrets/',
    ]);
    expect(a.equalize).toMatchObject({ how: 'key-by-key', whyKeyByKey: expect.stringMatching(/not on this runner/) });
    expect(a.leftoverPvcs).toEqual(['data-vc-0']);
    expect(r.backup?.keys).toBe(a.embeddedAtStop!.total);
    expect(a.embeddedAtStop!.groups).toEqual(fx.etcd.groups.embedded);
    expect(r.restore).toContain('--bump-revision');
    expect(r.keysAfter).toBe(r.keysBefore);
    expect(r.next).toContain('kubectl -n team delete pvc data-vc-0');
    expect(r.wayBack!.lines.join('\n')).toContain('phase one was verified');
  });

  it('a second run is a no-op that says when the release went back', async () => {
    const fx = await afterPhaseOne();
    await runPhaseIn(nextRun(fx, 'abort'), abort);
    const upgrades = fx.helm.upgrades.length;
    const again = nextRun(fx, 'abort');
    const r = await runPhaseIn(again, abort);
    expect(r.status).toBe('no-op');
    expect(r.headline).toMatch(/was put back on its deployed etcd at/);
    expect(fx.helm.upgrades).toHaveLength(upgrades);
    expect(again.approval.asked).toBe(0);
  });
});

describe('phase abort after a phase one that was not verified', () => {
  it('keeps the deployed etcd when the embedded one holds no write it lacks: only its revision is lifted', async () => {
    const fx = await afterPhaseOne(2);
    const deployedBefore = { ...fx.etcd.groups.deployed };
    const run = nextRun(fx, 'abort');
    const r = await runPhaseIn(run, abort);

    expect(r.status, r.headline).toBe('succeeded');
    expect(stepNames(run)).toContain('compare both etcds: ok');
    expect(fx.etcd.groups.deployed).toEqual(deployedBefore);
    expect(fx.etcd.calls).toContain('bumpRevision deployed');
    const a = fx.configMaps.record()!.abort!;
    expect(a).toMatchObject({ status: 'aborted', case: 'not-verified', source: 'deployed' });
    expect(a.equalize!.revisionAfter).toBeGreaterThan(a.embeddedAtStop!.revision);
    expect(r.headline).toContain('which held the truth');
  });

  it('refuses when both etcds hold writes the other lacks, leaves the control plane stopped, and goes on with abort-source', async () => {
    const fx = await afterPhaseOne(2);
    fx.etcd.groups.embedded[CONFIGMAPS] = 3;
    const r = await runPhaseIn(nextRun(fx, 'abort'), abort);
    expect(r.status).toBe('refused');
    expect(r.headline).toContain('input abort-source');
    expect(r.next).toContain('abort-source: embedded');
    expect(r.next).toContain('/registry/secrets/');
    expect(fx.cluster.controlPlaneReplicas).toBe(0);
    expect(fx.cluster.pods.has(READER)).toBe(false);
    expect(fx.helm.upgrades.filter((u) => !u.dryRun)).toHaveLength(1);

    const chosen = nextRun(fx, 'abort', { 'abort-source': 'embedded' });
    const done = await runPhaseIn(chosen, abort);
    expect(done.status, done.headline).toBe('succeeded');
    expect(fx.etcd.groups.deployed).toEqual(fx.etcd.groups.embedded);
    expect(done.warnings.join('\n')).toMatch(
      /Thrown away on request \(abort-source: embedded\): the deployed etcd loses 2 key/,
    );
    expect(stepNames(chosen)).toContain('stop writes: skipped');
  });
});

describe('phase abort refuses before it changes anything', () => {
  it('after phase two began, naming the snapshot of phase one as the way left', async () => {
    const fx = await afterPhaseOne();
    await runPhaseIn(nextRun(fx, 'finalize'), finalize);
    const run = nextRun(fx, 'abort');
    const calls = fx.cluster.calls.length;
    const r = await runPhaseIn(run, abort);
    expect(r.status).toBe('refused');
    expect(r.headline).toContain('phase two');
    expect(r.next).toContain('snapshot phase one took');
    expect(fx.cluster.calls.slice(calls)).toEqual([]);
  });

  it('without phase one', async () => {
    const r = await runPhaseIn(phaseFixture('abort'), abort);
    expect(r.status).toBe('refused');
    expect(r.headline).toContain('no phase one');
  });

  it('without a verified approval', async () => {
    const fx = await afterPhaseOne();
    const run = nextRun(fx, 'abort');
    run.approval.verdict = {
      ok: false,
      bypassed: false,
      approvers: [],
      checks: [{ name: 'run-approval', state: 'failed', reason: 'no approval of environment production' }],
    };
    const calls = fx.cluster.calls.length;
    const r = await runPhaseIn(run, abort);
    expect(r.status).toBe('refused');
    expect(r.headline).toBe('the abort is not approved: no approval of environment production');
    expect(fx.cluster.calls.slice(calls)).toEqual([]);
  });

  it('needs approval-environment unless require-approval is false, like finalize', () => {
    expect(() => phaseFixture('abort', { 'approval-environment': '' })).toThrow(InputError);
    expect(() => phaseFixture('abort', { 'approval-environment': '', 'require-approval': 'false' })).not.toThrow();
    expect(() => phaseFixture('migrate', { 'abort-source': 'embedded' })).toThrow(/only abort chooses/);
    expect(() => phaseFixture('abort', { 'abort-source': 'both' })).toThrow(/embedded, deployed or empty/);
  });
});

describe('phase abort stopped mid-way', () => {
  it('records where it stopped, deletes the reader pod, and the next run resumes and converges', async () => {
    const fx = await afterPhaseOne();
    fx.etcd.groups.embedded[CONFIGMAPS] = 5;
    fx.etcd.equalize = async () => {
      throw new Error('connection reset by peer');
    };
    const r = await runPhaseIn(nextRun(fx, 'abort'), abort);
    expect(r.status).toBe('failed');
    const stopped = fx.configMaps.record()!;
    expect(stopped.abort).toMatchObject({ status: 'failed', failure: 'connection reset by peer' });
    expect(stopped.abort!.done).toEqual(['stop writes', 'census and snapshot of the embedded etcd']);
    expect(stopped.lock).toBeUndefined();
    expect(fx.cluster.pods.has(READER)).toBe(false);

    // The etcd answers again: the fake's own equalize (on its prototype) takes over.
    Reflect.deleteProperty(fx.etcd, 'equalize');
    const run = nextRun(fx, 'abort');
    const again = await runPhaseIn(run, abort);
    expect(again.status, again.headline).toBe('succeeded');
    expect(stepNames(run)).toContain('stop writes: skipped');
    expect(stepNames(run)).toContain('census and snapshot of the embedded etcd: skipped');
    expect(again.warnings.join('\n')).toContain('Resumed: an earlier abort run stopped (connection reset by peer)');
    expect(fx.etcd.groups.deployed).toEqual(fx.etcd.groups.embedded);
    expect(fx.etcd.backups).toBe(2); // phase one's and the first abort run's: the snapshot is not taken again
  });

  it('a migrate while an abort is under way is refused', async () => {
    const fx = await afterPhaseOne();
    fx.etcd.equalize = async () => {
      throw new Error('killed');
    };
    await runPhaseIn(nextRun(fx, 'abort'), abort);
    const r = await runPhaseIn(nextRun(fx, 'migrate'), migrate);
    expect(r.status).toBe('refused');
    expect(r.headline).toContain('an abort of release vc is under way');
  });
});

describe('the round trip', () => {
  it('plan shows what abort would do; migrate after the abort refuses the stale PVC, deletes it on request, and finalize completes', async () => {
    const fx = await afterPhaseOne();
    const planned = nextRun(fx, 'plan');
    await runPhaseIn(planned, plan);
    expect(planned.report.wayBack?.title).toBe('What abort would do');
    expect(planned.report.wayBack!.lines.join('\n')).toContain('Helm revision 1');

    fx.etcd.groups.embedded[CONFIGMAPS] = 5;
    expect((await runPhaseIn(nextRun(fx, 'abort'), abort)).status).toBe('succeeded');
    const keys = { ...fx.etcd.groups.embedded };

    const refused = await runPhaseIn(nextRun(fx, 'migrate'), migrate);
    expect(refused.status).toBe('refused');
    expect(refused.headline).toContain('PVC data-vc-0 still exists');

    const again = nextRun(fx, 'migrate', { 'delete-stale-embedded-pvc': 'true' });
    const migrated = await runPhaseIn(again, migrate);
    expect(migrated.status, migrated.headline).toBe('succeeded');
    expect(fx.cluster.calls).toContain('deletePvc data-vc-0');
    const record = fx.configMaps.record()!;
    expect(record.abort).toBeUndefined();
    expect(record.earlier).toHaveLength(1);
    expect(record.phase1).toMatchObject({ status: 'verified', helmRevisionBefore: 3 });

    expect((await runPhaseIn(nextRun(fx, 'finalize'), finalize)).status).toBe('succeeded');
    expect(fx.etcd.groups.embedded).toEqual(keys);
  });
});
