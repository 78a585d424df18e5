// Where the migration stands by its state record, stage by stage: what status and a no-op draw. Each
// stage done (with the time between the record's stamps), current, failed (with the record's failure),
// skipped, optional or still to do.
import { describe, expect, it } from 'vitest';
import { recordStages, type RecordedPhases } from '../../../src/report/record-stages.ts';
import type { PhaseOneRecord, PhaseTwoRecord } from '../../../src/core/migration/state.ts';

const LABELS = ['plan', 'backup', 'phase one', 'success line', 'census', 'approval', 'phase two', 'removal'];
const T0 = '2026-01-01T10:00:00Z';
const p1 = (over: Partial<PhaseOneRecord>): PhaseOneRecord => ({
  status: 'started',
  startedAt: T0,
  chartVersion: '0.27.0',
  valuesDigest: 'd',
  ...over,
});
const p2 = (over: Partial<PhaseTwoRecord>): PhaseTwoRecord => ({
  status: 'started',
  startedAt: '2026-01-02T10:00:00Z',
  valuesDigest: 'd',
  ...over,
});
const table = (record: RecordedPhases) =>
  recordStages(LABELS, record).map((s) => [s.label, s.state, s.ms, ...(s.failure ? [s.failure] : [])]);

describe('recordStages', () => {
  it('no record yet: the backup is where the migration stands, everything after it to do', () => {
    expect(table({})).toEqual([
      ['plan', 'optional', 0],
      ['backup', 'current', 0],
      ['phase one', 'todo', 0],
      ['success line', 'todo', 0],
      ['census', 'todo', 0],
      ['approval', 'todo', 0],
      ['phase two', 'todo', 0],
      ['removal', 'todo', 0],
    ]);
  });

  it('phase one started without a backup and without a reason: the backup counts as skipped, its upgrade current', () => {
    expect(table({ phase1: p1({}) })).toEqual([
      ['plan', 'optional', 0],
      ['backup', 'skipped', 0],
      ['phase one', 'current', 0],
      ['success line', 'todo', 0],
      ['census', 'todo', 0],
      ['approval', 'todo', 0],
      ['phase two', 'todo', 0],
      ['removal', 'todo', 0],
    ]);
  });

  it('phase one upgraded and logged, census under way: each stage its time between the stamps', () => {
    const record = {
      phase1: p1({
        backup: { file: 's.db', bytes: 1, sha256: 'x', revision: 1, keys: 1 },
        upgradedAt: '2026-01-01T10:00:12Z',
        loggedAt: '2026-01-01T10:00:15Z',
      }),
    };
    expect(table(record).slice(1, 6)).toEqual([
      ['backup', 'done', 0],
      ['phase one', 'done', 12_000],
      ['success line', 'done', 3000],
      ['census', 'current', 0],
      ['approval', 'todo', 0],
    ]);
  });

  it('a lost success line counts as logged: the census stage is timed from the upgrade', () => {
    const record = {
      phase1: p1({
        status: 'verified',
        upgradedAt: '2026-01-01T10:00:10Z',
        lostLogLine: 'pod replaced',
        verifiedAt: '2026-01-01T10:00:17Z',
      }),
    };
    expect(table(record).slice(2, 6)).toEqual([
      ['phase one', 'done', 10_000],
      ['success line', 'done', 0],
      ['census', 'done', 7000],
      ['approval', 'current', 0],
    ]);
  });

  it('a lost success line accepted before the census ran: the success line done, the census current', () => {
    const record = {
      phase1: p1({ status: 'upgraded', upgradedAt: '2026-01-01T10:00:10Z', lostLogLine: 'pod replaced' }),
    };
    expect(table(record).slice(3, 5)).toEqual([
      ['success line', 'done', 0],
      ['census', 'current', 0],
    ]);
  });

  it('verified without stamps (an older record): every stage done, no time', () => {
    expect(table({ phase1: p1({ status: 'verified' }) }).slice(2, 6)).toEqual([
      ['phase one', 'done', 0],
      ['success line', 'done', 0],
      ['census', 'done', 0],
      ['approval', 'current', 0],
    ]);
  });

  it('phase one failed at its upgrade: that stage failed with the record failure, the rest to do', () => {
    const record = { phase1: p1({ status: 'failed', failure: 'helm timed out' }) };
    expect(table(record).slice(2, 6)).toEqual([
      ['phase one', 'failed', 0, 'helm timed out'],
      ['success line', 'todo', 0],
      ['census', 'todo', 0],
      ['approval', 'todo', 0],
    ]);
  });

  it('a stamp earlier than the one before it gives no negative time', () => {
    const record = { phase1: p1({ upgradedAt: '2026-01-01T09:59:00Z' }) };
    expect(table(record)[2]).toEqual(['phase one', 'done', 0]);
  });

  it('phase two started: approval done, its upgrade current', () => {
    const record = { phase1: p1({ status: 'verified' }), phase2: p2({}) };
    expect(table(record).slice(5)).toEqual([
      ['approval', 'done', 0],
      ['phase two', 'current', 0],
      ['removal', 'todo', 0],
    ]);
  });

  it('phase two upgraded but not verified: removal current; failed there: removal failed with the failure', () => {
    const upgraded = p2({ upgradedAt: '2026-01-02T10:00:30Z' });
    expect(table({ phase1: p1({ status: 'verified' }), phase2: upgraded }).slice(5)).toEqual([
      ['approval', 'done', 0],
      ['phase two', 'done', 30_000],
      ['removal', 'current', 0],
    ]);
    const failed = { ...upgraded, status: 'failed' as const, failure: 'pods not ready' };
    expect(table({ phase1: p1({ status: 'verified' }), phase2: failed }).slice(5)).toEqual([
      ['approval', 'done', 0],
      ['phase two', 'done', 30_000],
      ['removal', 'failed', 0, 'pods not ready'],
    ]);
  });

  it('phase two verified: removal done with its time, phase two done even without an upgrade stamp', () => {
    const record = {
      phase1: p1({ status: 'verified' }),
      phase2: p2({ status: 'verified', verifiedAt: '2026-01-02T10:01:00Z' }),
    };
    expect(table(record).slice(5)).toEqual([
      ['approval', 'done', 0],
      ['phase two', 'done', 0],
      ['removal', 'done', 0],
    ]);
  });

  it('labels are taken in order, one per stage', () => {
    const stages = recordStages(['a', 'b', 'c'], {});
    expect(stages.map((s) => s.label)).toEqual(['a', 'b', 'c']);
    expect(stages.map((s) => s.state)).toEqual(['optional', 'current', 'todo']);
  });
});
