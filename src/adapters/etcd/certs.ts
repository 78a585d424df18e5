// The etcd client credentials in vCluster's secret <release>-certs (data values base64, file
// names flattened with '-'). Pure: the caller reads the secret; key material stays in memory.

export interface EtcdClientCerts {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  /** Which client certificate was used (file base name in the secret). */
  source: 'apiserver-etcd-client' | 'etcd-healthcheck-client';
  /** For error messages: "etcd-ca.crt from secret <name>". */
  caSource: string;
  certSource: string;
}

const CLIENTS = ['apiserver-etcd-client', 'etcd-healthcheck-client'] as const;

function decode(data: Record<string, string>, key: string): Buffer | undefined {
  const v = data[key];
  if (v === undefined || v === '') return undefined;
  const b = Buffer.from(v, 'base64');
  return b.length > 0 ? b : undefined;
}

/**
 * Pick the CA and a client certificate from the secret's data: `apiserver-etcd-client.*` if
 * present, else `etcd-healthcheck-client.*`. Throws naming the secret and the missing keys.
 */
export function certsFromSecretData(data: Record<string, string>, secretName: string): EtcdClientCerts {
  const ca = decode(data, 'etcd-ca.crt');
  const missing: string[] = [];
  if (!ca) missing.push('etcd-ca.crt');
  for (const name of CLIENTS) {
    const cert = decode(data, `${name}.crt`);
    const key = decode(data, `${name}.key`);
    if (ca && cert && key) {
      return {
        ca,
        cert,
        key,
        source: name,
        caSource: `etcd-ca.crt from secret ${secretName}`,
        certSource: `${name}.crt from secret ${secretName}`,
      };
    }
  }
  const pairs = CLIENTS.map((n) => {
    const lack = [`${n}.crt`, `${n}.key`].filter((k) => !decode(data, k));
    return lack.length ? lack.join(' and ') : '';
  }).filter(Boolean);
  if (missing.length === 0 || pairs.length === CLIENTS.length) missing.push(`one client pair (${pairs.join('; or ')})`);
  throw new Error(
    `secret ${secretName} lacks ${missing.join(', ')}: the etcd CA and a client certificate are needed to read etcd. ` +
      'vCluster writes this secret when its control plane starts; check that the release is running and that the secret is the one of this release.',
  );
}
