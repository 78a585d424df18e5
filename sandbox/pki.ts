// Test PKI made with the openssl CLI: a CA and leaf certificates for kube-apiserver, etcd and
// clients. Synchronous on purpose (a handful of EC keys take milliseconds) so callers can use it
// in setup code without ceremony. Key material is written to files with mode 0600 and never
// printed: openssl's output is captured and only its stderr (which holds no key) is reported.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface CertFiles {
  cert: string;
  key: string;
}

export interface CA extends CertFiles {
  name: string;
}

export type CertUsage = 'server' | 'client' | 'both';

export interface CertRequest {
  /** File base name: <dir>/<name>.crt and <dir>/<name>.key. */
  name: string;
  ca: CA;
  cn: string;
  /** Subject organisation(s), e.g. 'system:masters' for an admin client. */
  org?: string | string[];
  sans?: { dns?: string[]; ip?: string[] };
  usage: CertUsage;
  days?: number;
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    const detail = err.stderr?.toString().trim() || err.message;
    throw new Error(`openssl ${args[0]} failed: ${detail}`);
  }
}

// Values in -subj are separated by '/', so a '/' or '\' inside a value must be escaped.
function subj(cn: string, org?: string | string[]): string {
  const esc = (v: string) => v.replace(/([\\/])/g, '\\$1');
  const orgs = org === undefined ? [] : Array.isArray(org) ? org : [org];
  return orgs.map((o) => `/O=${esc(o)}`).join('') + `/CN=${esc(cn)}`;
}

function serial(): string {
  // Random positive serial: no serial file shared between concurrent callers.
  return '0x' + (randomBytes(16)[0]! & 0x7f).toString(16).padStart(2, '0') + randomBytes(15).toString('hex');
}

function newKey(path: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', path]);
  chmodSync(path, 0o600);
}

/** A self-signed CA: <dir>/<name>.crt and <dir>/<name>.key. */
export function makeCA(dir: string, name: string, days = 3650): CA {
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  newKey(key);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    key,
    '-subj',
    subj(name),
    '-days',
    String(days),
    '-set_serial',
    serial(),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    '-addext',
    'subjectKeyIdentifier=hash',
    '-out',
    cert,
  ]);
  return { name, cert, key };
}

/** A leaf certificate signed by `ca`, with SANs and extended key usage for its role. */
export function makeCert(dir: string, req: CertRequest): CertFiles {
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, `${req.name}.crt`);
  const key = join(dir, `${req.name}.key`);
  const csr = join(dir, `${req.name}.csr`);
  const ext = join(dir, `${req.name}.ext`);
  newKey(key);
  const eku = req.usage === 'server' ? 'serverAuth' : req.usage === 'client' ? 'clientAuth' : 'serverAuth,clientAuth';
  const sans = [...(req.sans?.dns ?? []).map((d) => `DNS:${d}`), ...(req.sans?.ip ?? []).map((i) => `IP:${i}`)];
  const lines = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${eku}`,
    'authorityKeyIdentifier=keyid',
  ];
  if (sans.length > 0) lines.push(`subjectAltName=${sans.join(',')}`);
  writeFileSync(ext, lines.join('\n') + '\n');
  try {
    openssl(['req', '-new', '-key', key, '-subj', subj(req.cn, req.org), '-out', csr]);
    openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      req.ca.cert,
      '-CAkey',
      req.ca.key,
      '-set_serial',
      serial(),
      '-days',
      String(req.days ?? 3650),
      '-extfile',
      ext,
      '-out',
      cert,
    ]);
  } finally {
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  }
  return { cert, key };
}
