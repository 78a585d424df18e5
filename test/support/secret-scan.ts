// Proof that no credential a test handed to the action comes back out of it: not in the log,
// the job summary, the step outputs or the PR comment. Each secret is looked for as itself, as
// base64 (kubeconfigs carry certificates as *-data fields) and line by line for PEM bodies;
// and any PEM block or private-key header is a leak whatever its origin.

/** What one action run showed the world. ActionRun from run-action.ts fits as is. */
export interface ScannedRun {
  stdout?: string;
  stderr?: string;
  summary?: string;
  outputs?: Record<string, string>;
  /** Bodies of PR comments the run wrote (e.g. standin.commentsOf(...).map((c) => c.body)). */
  comments?: readonly string[];
}

export interface SecretLeak {
  /** stdout, stderr, summary, output <name> or comment <n>. */
  where: string;
  /** What matched, described without quoting the secret. */
  what: string;
  offset: number;
}

const MIN_SECRET = 8;
/** Shortest base64 or line fragment worth matching: shorter ones match by chance. */
const MIN_FRAGMENT = 16;

const GENERIC: [string, RegExp][] = [
  ['a PEM block header', /-----BEGIN [A-Z0-9 ]+-----/],
  ['a private key header', /BEGIN .* PRIVATE KEY/],
  // "-----BEGIN" in base64 at its three alignments: a kubeconfig's certificate or key data.
  ['base64 of a PEM block', /LS0tLS1CRUdJTi|0tLS0tQkVHSU4g|tLS0tLUJFR0lO/],
];

function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = new Set<string>();
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    // Only the 4-character groups made of the secret's bytes alone are stable wherever it sits.
    const start = shift === 0 ? 0 : 4;
    const whole = Math.floor((shift + bytes.length) / 3) * 4;
    for (const s of [b64.slice(start, whole), b64.slice(start, whole).replace(/\+/g, '-').replace(/\//g, '_')]) {
      if (s.length >= MIN_FRAGMENT) forms.add(s);
    }
  }
  return [...forms];
}

/** The pieces of one secret whose appearance anywhere is a leak. */
function fragments(secret: string): string[] {
  const out = new Set<string>([secret.trim()]);
  for (const f of base64Forms(secret.trim())) out.add(f);
  for (const raw of secret.split('\n')) {
    const line = raw.trim();
    // A PEM body line, or a base64 field value of a kubeconfig.
    if (/^[A-Za-z0-9+/=_-]{16,}$/.test(line)) out.add(line);
    const field = /^[\w.-]*(token|data|password|secret|key)[\w.-]*:\s*["']?([^\s"']{8,})["']?$/i.exec(line);
    if (field) {
      out.add(field[2]!);
      for (const f of base64Forms(field[2]!)) out.add(f);
    }
  }
  return [...out];
}

/**
 * The log as a person sees it: the runner consumes `::add-mask::` lines (the command that tells it to hide a
 * secret) and never shows them, so they are not part of what could leak.
 */
export function visibleLog(stdout: string): string {
  return stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
}

function texts(run: ScannedRun): [string, string][] {
  const t: [string, string][] = [];
  if (run.stdout !== undefined) t.push(['stdout', visibleLog(run.stdout)]);
  if (run.stderr !== undefined) t.push(['stderr', run.stderr]);
  if (run.summary !== undefined) t.push(['summary', run.summary]);
  for (const [name, value] of Object.entries(run.outputs ?? {})) t.push([`output ${name}`, value]);
  (run.comments ?? []).forEach((c, i) => t.push([`comment ${i + 1}`, c]));
  return t;
}

/** Every place a secret (or any PEM/private key) shows up in the run. */
export function findSecretLeaks(run: ScannedRun, secrets: readonly string[]): SecretLeak[] {
  const leaks: SecretLeak[] = [];
  const pieces: [string, string][] = [];
  secrets.forEach((s, i) => {
    if (s.trim().length < MIN_SECRET) {
      throw new Error(
        `secret #${i + 1} has ${s.trim().length} characters; a scan for fewer than ${MIN_SECRET} finds chance matches: use a longer test secret`,
      );
    }
    for (const f of fragments(s))
      pieces.push([
        `secret #${i + 1} (${f === s.trim() ? 'verbatim' : `a ${f.length}-character fragment or its base64`})`,
        f,
      ]);
  });
  for (const [where, text] of texts(run)) {
    for (const [what, piece] of pieces) {
      const at = text.indexOf(piece);
      if (at >= 0) leaks.push({ where, what, offset: at });
    }
    for (const [what, re] of GENERIC) {
      const m = re.exec(text);
      if (m) leaks.push({ where, what, offset: m.index });
    }
  }
  return leaks;
}

/**
 * Throws when any secret the test used (certificates, keys, tokens, kubeconfig contents), its
 * base64, a PEM block or a private-key header appears in the run. The message says where,
 * never the secret itself.
 */
export function assertNoSecretLeak(run: ScannedRun, secrets: readonly string[]): void {
  const leaks = findSecretLeaks(run, secrets);
  if (leaks.length > 0) {
    throw new Error(
      `secret material reached the run's visible text:\n${leaks.map((l) => `- ${l.what} in ${l.where} at offset ${l.offset}`).join('\n')}`,
    );
  }
}
