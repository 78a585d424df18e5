// What an exec credential plugin printed is masked before it reaches the log: every shape of
// credential a plugin is known to print, and the words around it kept so the message still says why.
import { describe, expect, it } from 'vitest';
import { maskSecrets } from '../../../src/core/secret-text.ts';

const masked = (t: string) => maskSecrets(t).text;

describe('maskSecrets', () => {
  it('keeps a message without credentials as it is', () => {
    const t = 'error: the SSO session for profile prod has expired; run aws sso login';
    expect(maskSecrets(t)).toEqual({ text: t, masked: [] });
    expect(masked('open /home/runner/.aws/sso/cache/0123456789abcdef0123456789abcdef.json: no such file')).toBe(
      'open /home/runner/.aws/sso/cache/0123456789abcdef0123456789abcdef.json: no such file',
    );
  });

  it('masks the value of a key that names a secret, in every notation', () => {
    expect(masked('token=abcdef123456 password: "hunter2hunter2" api_key=xyz')).toBe(
      'token=[masked] password: "[masked]" api_key=[masked]',
    );
    expect(masked('{"access_token":"opaque-1","refresh_token":"opaque-2","expires_in":3599}')).toBe(
      '{"access_token":"[masked]","refresh_token":"[masked]","expires_in":3599}',
    );
    expect(masked('client_secret: s3cr3t')).toBe('client_secret: [masked]');
  });

  it('masks bearer tokens, JWTs, a password in a URL and PEM blocks', () => {
    expect(masked('Authorization: Bearer abc.def-ghi_jkl')).toBe('Authorization: Bearer [masked]');
    expect(masked('id token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcDEF_123 rejected')).toBe(
      'id token [masked] rejected',
    );
    expect(masked('GET https://robot:pa55w0rd@idp.example.com/token failed')).toBe(
      'GET https://robot:[masked]@idp.example.com/token failed',
    );
    expect(masked('key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\nend')).toBe(
      'key:\n[masked]\nend',
    );
    expect(masked('-----BEGIN PRIVATE KEY-----\nMIIE cut short')).toBe('[masked]');
  });

  it('masks known token shapes and long opaque strings, returning what it masked', () => {
    const r = maskSecrets(
      'aws AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY gh ghp_0123456789abcdefghijABCDEFGHIJ012345',
    );
    expect(r.text).toBe('aws [masked] [masked] gh [masked]');
    expect(r.masked).toEqual([
      'AKIAIOSFODNN7EXAMPLE',
      'ghp_0123456789abcdefghijABCDEFGHIJ012345',
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    ]);
    expect(masked('session 4f1c2a9e8b7d6c5f4e3d2c1b0a9f8e7d6c5b4a39 expired')).toBe('session [masked] expired');
  });

  it('leaves words and short numbers alone', () => {
    const t = 'exit status 255: could not get token: AccessDeniedException (request id 1234-abcd)';
    expect(masked(t)).toBe(t);
  });
});
