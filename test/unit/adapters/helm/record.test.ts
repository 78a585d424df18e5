// Helm's record of a revision, settled as failed after a killed upgrade: helm must read it back as
// a failed upgrade (same body, status failed), and nothing else may be taken for it.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  decodeHelmRecord,
  encodeHelmRecord,
  helmDriver,
  helmRecordName,
  settledAsFailed,
  type HelmRecordBody,
} from '../../../../src/adapters/helm/record.ts';

const body: HelmRecordBody = {
  name: 'vc',
  namespace: 'ns',
  version: 3,
  manifest: '---\nkind: Secret\n',
  config: { a: 1 },
  info: { status: 'pending-upgrade', description: 'Preparing upgrade', first_deployed: '2026-01-01T00:00:00Z' },
};
const labels = { name: 'vc', owner: 'helm', status: 'pending-upgrade', version: '3', createdAt: '1' };
const now = new Date('2026-12-01T12:00:00Z');

describe('Helm release records', () => {
  it('names the record as helm does', () => {
    expect(helmRecordName('vc', 3)).toBe('sh.helm.release.v1.vc.v3');
  });
  it('decodes gzip and uncompressed records, and encodes gzip as helm does', () => {
    const gz = gzipSync(Buffer.from(JSON.stringify(body))).toString('base64');
    expect(decodeHelmRecord(gz)).toEqual(body);
    expect(decodeHelmRecord(Buffer.from(JSON.stringify(body)).toString('base64'))).toEqual(body);
    const enc = Buffer.from(encodeHelmRecord(body), 'base64');
    expect([...enc.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(decodeHelmRecord(encodeHelmRecord(body))).toEqual(body);
  });
  it('settles a pending-upgrade revision as failed, keeping everything else', () => {
    const next = settledAsFailed({ labels, text: encodeHelmRecord(body) }, 'vc', 3, 'interrupted', now);
    expect(next.labels).toEqual({ ...labels, status: 'failed', modifiedAt: String(now.getTime() / 1000) });
    expect(decodeHelmRecord(next.text)).toEqual({
      ...body,
      info: { ...body.info, status: 'failed', description: 'interrupted' },
    });
  });
  it('refuses a record that is not that revision of that release', () => {
    const text = encodeHelmRecord(body);
    expect(() => settledAsFailed({ labels, text }, 'other', 3, 'x', now)).toThrow(
      /is not Helm's record of revision 3 of release other/,
    );
    expect(() => settledAsFailed({ labels: { ...labels, owner: 'someone' }, text }, 'vc', 3, 'x', now)).toThrow(
      /is not Helm's record/,
    );
    expect(() => settledAsFailed({ labels, text }, 'vc', 4, 'x', now)).toThrow(/is not Helm's record of revision 4/);
    expect(() => settledAsFailed({ labels, text }, 'vc', 4, 'x', now)).toThrow(
      /, so this run left it as it is; look at it and at helm history vc before running again$/,
    );
  });
  it('refuses a revision that is no longer pending (a helm still alive finished it)', () => {
    const done = encodeHelmRecord({ ...body, info: { ...body.info, status: 'deployed' } });
    expect(() => settledAsFailed({ labels: { ...labels, status: 'deployed' }, text: done }, 'vc', 3, 'x', now)).toThrow(
      /no longer pending-upgrade .*: another Helm operation changed it; run again once it has finished, and the run reads the release anew$/,
    );
  });
  it('knows the storage drivers it can edit', () => {
    expect([undefined, '', 'secret', 'secrets', 'configmap', 'configmaps', 'sql', 'memory'].map(helmDriver)).toEqual([
      'secret',
      'secret',
      'secret',
      'secret',
      'configmap',
      'configmap',
      undefined,
      undefined,
    ]);
  });
});
