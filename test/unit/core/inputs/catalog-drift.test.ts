// The check that keeps action.yml and the input catalog one: inputs in another order, a required
// flag that differs, and an input without description or default in action.yml, each said.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { catalogMismatches, inputSpec } from '../../../../src/core/inputs/catalog.ts';

const root = join(import.meta.dirname, '..', '..', '..', '..');
type ActionInput = { description?: string; required?: boolean; default?: string };
const actionInputs = (parse(readFileSync(join(root, 'action.yml'), 'utf8')) as { inputs: Record<string, ActionInput> })
  .inputs;

describe('catalogMismatches', () => {
  it('the same inputs in another order', () => {
    const [first, ...rest] = Object.entries(actionInputs);
    expect(catalogMismatches(Object.fromEntries([...rest, first!]))).toEqual([
      'action.yml lists the inputs in another order than the catalog',
    ]);
  });

  it('a required flag that differs, and an input with neither description nor default', () => {
    const changed = structuredClone(actionInputs);
    changed.release!.required = true;
    changed.phase = {};
    expect(catalogMismatches(changed).sort()).toEqual([
      'input \'phase\': action.yml\'s default "" differs from the catalog\'s "plan"',
      "input 'phase': action.yml's description differs from the catalog's",
      "input 'release': action.yml says required true, the catalog false",
    ]);
  });

  it('an input the catalog does not have is a programming error, named', () => {
    expect(() => inputSpec('no-such-input')).toThrow('no input named no-such-input in the catalog');
  });
});
