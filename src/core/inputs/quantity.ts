// Kubernetes resource quantities (5Gi, 500M, 1e9), enough to compare storage sizes.

const SUFFIX: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|[eE][0-9]+)?$/;

/** Bytes, or undefined when the text is not a Kubernetes quantity. */
export function parseQuantity(text: string): number | undefined {
  const m = QUANTITY.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const suffix = m[2] ?? '';
  // E and Ei are exa suffixes; only an e or E followed by digits is an exponent.
  // Stryker disable next-line Regex: the suffix is one of QUANTITY's alternatives, and only the exponent has a digit after its e
  if (/^[eE][0-9]/.test(suffix)) return n * 10 ** Number(suffix.slice(1));
  // The pattern admits no other suffix than SUFFIX's keys.
  return n * SUFFIX[suffix]!;
}
