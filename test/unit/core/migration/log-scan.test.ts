// vCluster's control-plane log as the log gate reads it: the success line, a failure line, the last lines.
import { describe, it, expect } from 'vitest';
import { scanLog, lastLines, SUCCESS_LINE } from '../../../../src/core/migration/log-scan.ts';

describe('scanLog', () => {
  it("finds vCluster's success line", () => {
    const log = `2026-01-01T00:00:00Z INFO start\n2026-01-01T00:00:05Z INFO ${SUCCESS_LINE}\n`;
    expect(scanLog(log).success).toContain(SUCCESS_LINE);
  });
  it('reports a failure line when no success follows', () => {
    expect(scanLog('INFO start\nERROR failed to migrate etcd: context deadline exceeded\n')).toEqual({
      failure: 'ERROR failed to migrate etcd: context deadline exceeded',
    });
  });
  it('lets a later success win over an earlier retried failure', () => {
    expect(scanLog(`error migrating, retrying\n${SUCCESS_LINE}`).success).toBe(SUCCESS_LINE);
  });
  it('finds nothing in an ordinary log', () => expect(scanLog('INFO starting vcluster\nINFO etcd ready')).toEqual({}));
  it('keeps the last lines', () => expect(lastLines('a\nb\n\nc\n', 2)).toEqual(['b', 'c']));
  it('keeps the last lines without trailing blanks, each cut at 300 characters', () => {
    expect(lastLines(`  a  \n${'x'.repeat(400)}\n   \n`, 5)).toEqual(['  a', 'x'.repeat(300)]);
  });
});

describe('scanLog failure lines', () => {
  it.each([
    ['error before migrat', 'E1208 error while migrating etcd'],
    ['failure after migrat', 'migration of etcd failed: timeout'],
    ['zero characters apart', 'etcd migrationerror'],
    ['a panic at the start of a line', 'panic: runtime error: invalid memory address'],
    ['a fatal etcd error', 'FATAL cannot start embedded etcd'],
    ['a line indented by its logger', '   panic: assignment to entry in nil map'],
  ])('%s', (_, line) => {
    expect(scanLog(`INFO start\n${line}\nINFO retrying`)).toEqual({ failure: line.trim() });
  });

  it.each([
    ['a panic mentioned mid-line', 'INFO recovered from panic: none'],
    ['fatal as part of another word', 'INFO nonfatality etcd check'],
    ['error and migrat over 80 characters apart', `error${'x'.repeat(81)}migrating`],
    ['migrat and failed over 80 characters apart', `migrat${'x'.repeat(81)}failed`],
    ['fatal and etcd over 80 characters apart', `fatal ${'x'.repeat(80)}etcd`],
  ])('not a failure: %s', (_, line) => {
    expect(scanLog(line)).toEqual({});
  });

  it('matches within 80 characters, on one line only', () => {
    expect(scanLog(`error${'x'.repeat(80)}migrating`).failure).toBeDefined();
    expect(scanLog(`migrat${'x'.repeat(80)}failed`).failure).toBeDefined();
    expect(scanLog(`fatal ${'x'.repeat(79)}etcd`).failure).toBeDefined();
    expect(scanLog('error\nmigrating')).toEqual({});
  });

  it('keeps the last failure line, and cuts a long line at 500 characters', () => {
    expect(scanLog('error migrating: first\nerror migrating: second')).toEqual({ failure: 'error migrating: second' });
    const long = `error migrating: ${'y'.repeat(600)}`;
    expect(scanLog(long)).toEqual({ failure: long.slice(0, 500) });
    expect(scanLog(`${SUCCESS_LINE} ${'z'.repeat(600)}`).success).toHaveLength(500);
  });
});
