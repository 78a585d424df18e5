// The action's inputs as parseSettings and parseFleetSettings read them, for the config tests.
import { expect } from 'vitest';
import { InputError } from '../../src/core/inputs/input-reader.ts';
import { VALID_INPUTS } from './bad-inputs.ts';

/** An input getter: `base` (VALID_INPUTS) with `over` on top; an input not set reads ''. */
export const inputsWith =
  (over: Record<string, string>, base: Record<string, string> = VALID_INPUTS) =>
  (name: string): string =>
    ({ ...base, ...over })[name] ?? '';

/** The InputError `parse` throws; the test fails when it throws none or another error. */
export function inputError(parse: () => unknown, what: Record<string, string>): InputError {
  try {
    parse();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).name).toBe('InputError');
    return e as InputError;
  }
  throw new Error(`expected an InputError for ${JSON.stringify(what)}`);
}
