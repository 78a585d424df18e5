// Text from outside the action that may hold a credential (what a kubeconfig's exec plugin printed
// when it failed): what looks like one is masked before the text reaches the log. Pure.

const MASK = '[masked]';

/** Replacements in order: whole blocks first, then key=value pairs, then token shapes on their own. */
const RULES: { re: RegExp; keep?: number; skip?: (prefix: string, value: string) => boolean }[] = [
  // PEM blocks (private keys, certificates).
  { re: /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g },
  // A password in a URL: scheme://user:password@host.
  { re: /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:)([^\s@/]+)(?=@)/gi, keep: 1 },
  // Authorization schemes.
  { re: /(\b(?:Bearer|Basic|Token)\s+)([A-Za-z0-9._~+/=-]{8,})/gi, keep: 1 },
  // key=value, key: value, "key": "value" where the key names a secret.
  {
    re: /(["']?[\w.-]*(?:token|secret|passw(?:or)?d|pwd|api[_-]?key|access[_-]?key|private[_-]?key|credential|session[_-]?(?:id|key)|cookie|signature)[\w.-]*["']?\s*[:=]\s*["']?)([^\s"',;&}]+)/gi,
    keep: 1,
    // "could not get token: AccessDeniedException" is prose: after an unquoted colon, a plain short word stays.
    skip: (prefix, value) => /:\s*$/.test(prefix) && /^[A-Za-z]{1,31}$/.test(value),
  },
  // JSON Web Tokens.
  { re: /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g },
  // Well-known token shapes: AWS key ids, GitHub, Slack, Google OAuth and API keys.
  {
    re: /\b(?:(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|ya29\.[A-Za-z0-9_-]{10,}|AIza[0-9A-Za-z_-]{35})\b/g,
  },
  // Long opaque strings of letters and digits (base64, hex): a token more often than anything else.
  // A "/" inside counts (base64), one at the start does not (a path).
  {
    re: /(?<![\w/+=.-])(?=[A-Za-z0-9_+/=-]*\d)(?=[A-Za-z0-9_+/=-]*[A-Za-z])[A-Za-z0-9_+=-][A-Za-z0-9_+/=-]{31,}(?![\w/+=-])/g,
  },
];

/** The text with what looks like a credential replaced by [masked], and the values masked. */
export function maskSecrets(text: string): { text: string; masked: string[] } {
  const masked: string[] = [];
  let out = text;
  for (const { re, keep, skip } of RULES) {
    out = out.replace(re, (whole: string, ...groups: unknown[]) => {
      if (keep === undefined) {
        masked.push(whole);
        return MASK;
      }
      const prefix = String(groups[keep - 1] ?? '');
      const value = whole.slice(prefix.length);
      if (value.startsWith(MASK) || skip?.(prefix, value)) return whole;
      masked.push(value);
      return `${prefix}${MASK}`;
    });
  }
  return { text: out, masked };
}
