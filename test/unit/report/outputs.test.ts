// The step outputs a workflow reads after a run: every name always set ('' when the run has no value),
// the values files by phase, the backup only when its file is on this runner, and key-diff with the
// content proof's words per group (never a value).
import { describe, expect, it } from 'vitest';
import { actionOutputs } from '../../../src/report/outputs.ts';
import { newReport, type RunReport } from '../../../src/report/report.ts';
import { declaredOutputs, RELEASE_OUTPUTS } from '../../support/outputs.ts';

describe('actionOutputs', () => {
  it('a run that ended before any evidence: every output set, empty or an empty list', () => {
    const r = newReport('vc', 'ns', 'plan');
    r.status = 'refused';
    expect(actionOutputs(r, '', true)).toEqual({
      status: 'refused',
      phase: 'plan',
      'log-line': '',
      'values-file': '',
      'values-file-phase-one': '',
      'values-file-phase-two': '',
      'leftover-pvcs': '[]',
      'keys-before': '',
      'keys-after': '',
      'key-diff': '[]',
      'backup-file': '',
      'backup-sha256': '',
      'backup-revision': '',
      'summary-markdown': '',
    });
  });

  it('a migrate run: the line, the values files by phase, the counts (0 included), the backup and the summary', () => {
    const r: RunReport = {
      ...newReport('vc', 'ns', 'migrate'),
      status: 'succeeded',
      logLine: 'Successfully migrated etcd database to embedded etcd',
      values: [
        { label: 'Values before', note: 'not written' },
        { label: 'Values phase one', set: {}, rest: { leaves: 0, digest: 'd' }, file: '/tmp/run/phase-one.yaml' },
        { label: 'Values phase two', set: {}, rest: { leaves: 0, digest: 'd' }, file: '/tmp/run/phase-two.yaml' },
      ],
      leftoverPvcs: ['data-vc-etcd-0'],
      keysBefore: 0,
      keysAfter: 12,
      backup: { file: '/tmp/run/snap.db', bytes: 10, sha256: 'abc', revision: 0, keys: 12 },
    };
    const o = actionOutputs(r, '# summary', true);
    expect(Object.keys(o)).toEqual(RELEASE_OUTPUTS);
    expect(declaredOutputs()).toEqual(expect.arrayContaining([...RELEASE_OUTPUTS]));
    expect(o).toMatchObject({
      status: 'succeeded',
      phase: 'migrate',
      'log-line': 'Successfully migrated etcd database to embedded etcd',
      'values-file': '/tmp/run/phase-one.yaml',
      'values-file-phase-one': '/tmp/run/phase-one.yaml',
      'values-file-phase-two': '/tmp/run/phase-two.yaml',
      'leftover-pvcs': '["data-vc-etcd-0"]',
      'keys-before': '0',
      'keys-after': '12',
      'backup-file': '/tmp/run/snap.db',
      'backup-sha256': 'abc',
      'backup-revision': '0',
      'summary-markdown': '# summary',
    });
  });

  it('a backup another runner wrote: its digest and revision, but no file name that is not here', () => {
    const r: RunReport = {
      ...newReport('vc', 'ns', 'migrate'),
      backup: { file: '/elsewhere/snap.db', bytes: 10, sha256: 'abc', revision: 7, keys: 1 },
    };
    expect(actionOutputs(r, '', false)).toMatchObject({
      'backup-file': '',
      'backup-sha256': 'abc',
      'backup-revision': '7',
    });
  });

  it("key-diff: each census row with its group's content words and first differing key, rows without proof as they are", () => {
    const r: RunReport = {
      ...newReport('vc', 'ns', 'migrate'),
      diff: {
        ok: true,
        lost: [],
        rows: [
          { group: '/registry/pods/', before: 3, after: 3, delta: 0, volatile: false, verdict: 'ok' },
          { group: '/registry/secrets/', before: 2, after: 2, delta: 0, volatile: false, verdict: 'ok' },
          { group: '/registry/events/', before: 5, after: 1, delta: -4, volatile: true, verdict: 'volatile' },
        ],
      },
      content: {
        deployedRevision: 1,
        embeddedRevision: 2,
        ok: false,
        differing: [],
        rows: [
          {
            group: '/registry/pods/',
            deployed: 3,
            embedded: 3,
            volatile: false,
            verdict: 'differs',
            text: '1 value differs (first key: /registry/pods/ns/a) (3 keys on both sides)',
            firstDifferingKey: '/registry/pods/ns/a',
          },
          {
            group: '/registry/secrets/',
            deployed: 2,
            embedded: 2,
            volatile: false,
            verdict: 'same',
            text: 'same keys and values',
          },
        ],
      },
    };
    expect(JSON.parse(actionOutputs(r, '', true)['key-diff']!)).toEqual([
      {
        group: '/registry/pods/',
        before: 3,
        after: 3,
        delta: 0,
        volatile: false,
        verdict: 'ok',
        content: '1 value differs (first key: /registry/pods/ns/a) (3 keys on both sides)',
        firstDifferingKey: '/registry/pods/ns/a',
      },
      {
        group: '/registry/secrets/',
        before: 2,
        after: 2,
        delta: 0,
        volatile: false,
        verdict: 'ok',
        content: 'same keys and values',
      },
      { group: '/registry/events/', before: 5, after: 1, delta: -4, volatile: true, verdict: 'volatile' },
    ]);
  });
});
