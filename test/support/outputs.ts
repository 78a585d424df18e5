// The step outputs every single-release phase sets, in the order it sets them: one list for the
// tests that check a run's outputs (each name is declared in action.yml, checked where it is used).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const RELEASE_OUTPUTS = [
  'status',
  'phase',
  'log-line',
  'values-file',
  'values-file-phase-one',
  'values-file-phase-two',
  'leftover-pvcs',
  'keys-before',
  'keys-after',
  'key-diff',
  'backup-file',
  'backup-sha256',
  'backup-revision',
  'summary-markdown',
] as const;

/** The output names action.yml declares. */
export function declaredOutputs(): string[] {
  const yml = readFileSync(join(import.meta.dirname, '../../action.yml'), 'utf8');
  const outputs = yml.split(/^outputs:/m)[1] ?? '';
  return [...outputs.matchAll(/^ {2}([a-z0-9-]+):/gm)].map((m) => m[1]!);
}
