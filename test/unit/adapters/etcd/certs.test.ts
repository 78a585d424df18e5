// The etcd client certificate taken from the vCluster's certificate Secret, and an error that never shows key material.
import { describe, expect, it } from 'vitest';
import { certsFromSecretData } from '../../../../src/adapters/etcd/certs.ts';

describe('certsFromSecretData', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  it('prefers the apiserver client certificate', () => {
    const c = certsFromSecretData(
      {
        'etcd-ca.crt': b64('CA'),
        'apiserver-etcd-client.crt': b64('AC'),
        'apiserver-etcd-client.key': b64('AK'),
        'etcd-healthcheck-client.crt': b64('HC'),
        'etcd-healthcheck-client.key': b64('HK'),
      },
      'vc-certs',
    );
    expect(c.source).toBe('apiserver-etcd-client');
    expect([c.ca.toString(), c.cert.toString(), c.key.toString()]).toEqual(['CA', 'AC', 'AK']);
    expect(c.caSource).toBe('etcd-ca.crt from secret vc-certs');
  });
  it('falls back to the healthcheck client certificate', () => {
    const c = certsFromSecretData(
      {
        'etcd-ca.crt': b64('CA'),
        'apiserver-etcd-client.crt': b64('AC'),
        'etcd-healthcheck-client.crt': b64('HC'),
        'etcd-healthcheck-client.key': b64('HK'),
      },
      'vc-certs',
    );
    expect(c.source).toBe('etcd-healthcheck-client');
    expect(c.key.toString()).toBe('HK');
  });
  it('names the secret and the missing keys, never the key material', () => {
    let msg = '';
    try {
      certsFromSecretData(
        { 'apiserver-etcd-client.crt': b64('SECRETCERT'), 'etcd-healthcheck-client.key': b64('SECRETKEY') },
        'vc-certs',
      );
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain('secret vc-certs');
    expect(msg).toContain('etcd-ca.crt');
    expect(msg).toContain('apiserver-etcd-client.key');
    expect(msg).toContain('etcd-healthcheck-client.crt');
    expect(msg).not.toMatch(/SECRET|U0VDUkVU/);
  });
});
