// The state record in ConfigMap <release>-etcd-migration: a record that is not ours is refused before anything
// changes, the history stays bounded, and the lock is held by one run at a time.
import { describe, expect, it } from 'vitest';
import {
  LOCK_STALE_MS,
  STATE_KEY,
  decideLock,
  emptyState,
  lockedBy,
  parseState,
  stateConfigMapName,
  unlocked,
  withEvent,
  type StateRecord,
} from '../../../../src/core/migration/state.ts';

const record = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ version: 1, release: 'vc', namespace: 'ns', history: [], ...over });

describe('parseState', () => {
  it('lives in ConfigMap <release>-etcd-migration under state.json', () => {
    expect(stateConfigMapName('my-vc')).toBe('my-vc-etcd-migration');
    expect(STATE_KEY).toBe('state.json');
  });

  it('reads a record this action wrote for the release', () => {
    const phase1 = { status: 'verified', startedAt: 't', chartVersion: '0.27.0', valuesDigest: 'd' };
    expect(parseState(record({ phase1 }), 'vc', 'ns')).toEqual({
      version: 1,
      release: 'vc',
      namespace: 'ns',
      history: [],
      phase1,
    });
  });

  it('gives a record without a history an empty one', () => {
    const { history: _h, ...noHistory } = JSON.parse(record()) as StateRecord;
    expect(parseState(JSON.stringify(noHistory), 'vc', 'ns').history).toEqual([]);
  });

  it('refuses text that is not JSON, naming the ConfigMap and saying not to delete it during a migration', () => {
    expect(() => parseState('{"version": 1,', 'vc', 'ns')).toThrow(
      'ConfigMap vc-etcd-migration in ns has a state.json that is not JSON; it was not written by this action. ' +
        'Inspect it, and delete it only if no migration is under way.',
    );
  });

  it.each([
    ['another release', record({ release: 'other' })],
    ['another namespace', record({ namespace: 'elsewhere' })],
    ['another version', record({ version: 2 })],
    ['no version', JSON.stringify({ release: 'vc', namespace: 'ns' })],
    ['null', 'null'],
  ])('refuses the record of %s', (_label, text) => {
    expect(() => parseState(text, 'vc', 'ns')).toThrow(
      'ConfigMap vc-etcd-migration in ns does not hold a state record of release vc (version 1); inspect it before running again.',
    );
  });
});

describe('withEvent', () => {
  const at = new Date('2026-03-01T10:00:00Z');
  it('appends the event with its run and time, leaving the record it was given unchanged', () => {
    const s = emptyState('vc', 'ns');
    const next = withEvent(s, 'run-7', 'phase one started', at);
    expect(next.history).toEqual([{ at: '2026-03-01T10:00:00.000Z', runId: 'run-7', event: 'phase one started' }]);
    expect(next).toMatchObject({ release: 'vc', namespace: 'ns', version: 1 });
    expect(s.history).toEqual([]);
  });

  it('keeps the 50 most recent events', () => {
    let s = emptyState('vc', 'ns');
    for (let i = 1; i <= 51; i++) s = withEvent(s, 'run', `event ${i}`, at);
    expect(s.history).toHaveLength(50);
    expect(s.history[0]!.event).toBe('event 2');
    expect(s.history.at(-1)!.event).toBe('event 51');
  });
});

describe('lock', () => {
  const t0 = new Date('2026-03-01T10:00:00Z');
  const later = (ms: number) => new Date(t0.getTime() + ms);
  // Built inside each test, so a broken lockedBy fails that test rather than the file's collection.
  const heldLock = () => lockedBy(emptyState('vc', 'ns'), 'run-1', 'migrate', t0);

  it('records the holder, its phase and when it took and renewed the lock', () => {
    const held = heldLock();
    expect(held.lock).toEqual({
      runId: 'run-1',
      phase: 'migrate',
      acquiredAt: t0.toISOString(),
      renewedAt: t0.toISOString(),
    });
  });

  it('keeps when the holder took the lock as it renews it', () => {
    const held = heldLock();
    expect(lockedBy(held, 'run-1', 'migrate', later(20_000)).lock).toEqual({
      runId: 'run-1',
      phase: 'migrate',
      acquiredAt: t0.toISOString(),
      renewedAt: later(20_000).toISOString(),
    });
  });

  it('starts a new lock for a run that takes over', () => {
    const held = heldLock();
    const taken = lockedBy(held, 'run-2', 'finalize', later(LOCK_STALE_MS + 1));
    expect(taken.lock).toEqual({
      runId: 'run-2',
      phase: 'finalize',
      acquiredAt: later(LOCK_STALE_MS + 1).toISOString(),
      renewedAt: later(LOCK_STALE_MS + 1).toISOString(),
    });
  });

  it('is free when nobody holds it', () =>
    expect(decideLock(emptyState('vc', 'ns'), 'run-2', t0)).toEqual({ take: true }));

  it('stays with the holder until it went unrenewed for longer than 90 seconds', () => {
    const held = heldLock();
    expect(LOCK_STALE_MS).toBe(90_000);
    expect(decideLock(held, 'run-2', later(90_000))).toEqual({ take: false, holder: held.lock });
    expect(decideLock(held, 'run-2', later(90_001))).toEqual({ take: true, takeover: held.lock });
  });

  it('is released only by its holder', () => {
    const held = heldLock();
    const released = unlocked(held, 'run-1');
    expect(released.lock).toBeUndefined();
    expect('lock' in released).toBe(false);
    expect(released).toMatchObject({ release: 'vc', namespace: 'ns' });
    expect(unlocked(held, 'run-2')).toBe(held);
    expect(unlocked(emptyState('vc', 'ns'), 'run-1').lock).toBeUndefined();
  });
});
