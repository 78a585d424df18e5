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
});
