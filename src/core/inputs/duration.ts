// Durations as users write them in workflow inputs: 90s, 10m, 1h, 1h30m.

const PART = /(\d+)(ms|s|m|h)/g;
const WHOLE = /^(\d+(ms|s|m|h))+$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!WHOLE.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(PART)) ms += Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
  return ms;
}

/** Helm's --timeout syntax (Go durations): whole seconds are enough here. */
export function toGoDuration(ms: number): string {
  return `${Math.ceil(ms / 1000)}s`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 100) / 10;
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return `${m}m${Math.round(s - m * 60)}s`;
}
