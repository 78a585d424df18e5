// The inputs that make discover run the fleet as a campaign in waves: the wave sizes, the canaries,
// the failure budget, and which batch of this workflow run the step follows.
import { CONTROL, show, type InputReader } from './input-reader.ts';
import type { CampaignSettings } from '../fleet/campaign.ts';
import type { CanaryChoice } from '../fleet/waves.ts';

/** The campaign as the user asked for it; the batch size comes from max-releases. */
export type CampaignChoices = Omit<CampaignSettings, 'batchSize'>;

const WAVE_SIZE = /^[1-9]\d{0,5}$/;
const WAVE_SIZE_MAX = 999_999;
const RELEASE_REF = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const MARK_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const CAMPAIGN_ONLY = ['canary', 'after-batch', 'batch'];

/** Input waves: sizes like 1,5,25,rest; undefined after a problem. */
function readSizes(r: InputReader, wavesText: string): Pick<CampaignSettings, 'sizes' | 'rest'> | undefined {
  const parts = wavesText.split(',').map((x) => x.trim());
  const rest = parts[parts.length - 1] === 'rest';
  const numbers = rest ? parts.slice(0, -1) : parts;
  if (numbers.every((x) => WAVE_SIZE.test(x))) return { sizes: numbers.map(Number), rest };
  return r.bad(
    'waves',
    `${show(wavesText)} is not a list of wave sizes`,
    `whole numbers from 1 to ${WAVE_SIZE_MAX} separated by commas, the last may be rest, like 1,5,25,rest (without rest the last size repeats)`,
  );
}

/** Input canary: one key=value mark, or namespace/release names. */
function readCanary(r: InputReader): CanaryChoice | undefined {
  const canaryText = r.text('canary');
  if (canaryText === '') return undefined;
  if (canaryText.includes('=')) {
    const m = /^([^=\s]+)=([^=\s]*)$/.exec(canaryText);
    if (m && MARK_KEY.test(m[1]!) && !CONTROL.test(m[2]!)) return { kind: 'mark', key: m[1]!, value: m[2]! };
    return r.bad(
      'canary',
      `${show(canaryText)} is not one key=value`,
      'a label or annotation key=value on the namespace or control plane, like example.com/wave=canary; or namespace/release names',
    );
  }
  const releases = [...new Set(canaryText.split(/[\s,]+/).filter(Boolean))];
  const wrong = releases.filter((x) => !RELEASE_REF.test(x));
  if (wrong.length === 0) return { kind: 'releases', releases };
  return r.bad(
    'canary',
    `${wrong.slice(0, 3).map(show).join(', ')} ${wrong.length === 1 ? 'is not' : 'are not'} namespace/release`,
    'namespace/release names separated by commas or lines, or one label or annotation key=value',
  );
}

/** A whole number input from `min` to COUNT_MAX; undefined when empty or after a problem. */
function readCount(r: InputReader, name: string, min: number): number | undefined {
  const v = r.text(name);
  if (v === '') return undefined;
  if (/^\d{1,6}$/.test(v) && Number(v) >= min) return Number(v);
  return r.bad(
    name,
    `${show(v)} is not a whole number from ${min} to ${COUNT_MAX}`,
    `a whole number from ${min} to ${COUNT_MAX}, or empty`,
  );
}

/** Six digits: more releases, failures or batches than a fleet read in one run holds. */
const COUNT_MAX = 999_999;

/** Inputs waves, canary, max-failures, after-batch and batch; undefined when waves is empty (no campaign). */
export function readCampaign(r: InputReader): CampaignChoices | undefined {
  const wavesText = r.text('waves');
  if (wavesText === '') {
    const maxText = r.text('max-failures');
    const given = CAMPAIGN_ONLY.filter((n) => r.text(n) !== '');
    if (maxText !== '0') given.push('max-failures');
    for (const n of given)
      r.bad(
        n,
        'is set, but input waves is empty',
        'waves, like 1,5,25,rest, to run the fleet as a campaign; or leave it empty',
      );
    return undefined;
  }
  const sizes = readSizes(r, wavesText);
  const canary = readCanary(r);
  const maxFailures = readCount(r, 'max-failures', 0) ?? 0;
  const afterBatch = readCount(r, 'after-batch', 1);
  const batch = readCount(r, 'batch', 1);
  if (afterBatch !== undefined && batch !== undefined)
    r.bad(
      'batch',
      'is set together with after-batch',
      'batch (finalize the batch migrate just ran) or after-batch (start the batch after it), not both',
    );
  if (!sizes) return undefined;
  return {
    ...sizes,
    ...(canary ? { canary } : {}),
    maxFailures,
    ...(afterBatch !== undefined ? { afterBatch } : {}),
    ...(batch !== undefined ? { batch } : {}),
  };
}
