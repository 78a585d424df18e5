// What the input catalog answers besides the table itself: which inputs each phase refuses empty,
// the default a phase sees, the warning for an input a phase does not read, what action.yml may
// write differently without a mismatch, and what of a secret input is masked.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  INPUTS,
  PHASE_NAMES,
  catalogMismatches,
  ignoredInputs,
  ignoredWarning,
  inputSpec,
  literalDefault,
  secretsToMask,
  type PhaseName,
} from '../../../../src/core/inputs/catalog.ts';
import { parseInputs } from '../../../../src/core/inputs/inputs.ts';
import { inputError, inputsWith } from '../../../support/inputs.ts';

const root = join(import.meta.dirname, '..', '..', '..', '..');
type ActionInput = { description?: string; required?: boolean; default?: string };
const actionInputs = (parse(readFileSync(join(root, 'action.yml'), 'utf8')) as { inputs: Record<string, ActionInput> })
  .inputs;

/** Inputs each phase runs with. */
const valid = (phase: PhaseName): Record<string, string> =>
  phase === 'discover'
    ? { phase, 'chart-version': 'keep' }
    : { phase, release: 'my-vc', namespace: 'team-a', 'chart-version': '0.27.0', 'approval-environment': 'prod' };

describe('requiredBy: the inputs a phase refuses empty', () => {
  it('is release, namespace, chart-version and phase for a release phase; chart-version and phase for discover', () => {
    for (const phase of PHASE_NAMES)
      expect(
        INPUTS.filter((i) => i.requiredBy.includes(phase)).map((i) => i.name),
        phase,
      ).toEqual(phase === 'discover' ? ['chart-version', 'phase'] : ['release', 'namespace', 'chart-version', 'phase']);
  });

  it('is what each phase refuses: that input, named, and no other', () => {
    for (const spec of INPUTS)
      for (const phase of spec.requiredBy) {
        if (spec.name === 'phase') continue; // an empty phase is no phase; its own test is in catalog.test.ts
        const given = { ...valid(phase), [spec.name]: '  ' };
        const problems = inputError(() => parseInputs(inputsWith(given, {})), given).problems;
        expect(
          problems.map((p) => p.input),
          `${spec.name} empty in phase ${phase}`,
        ).toEqual([spec.name]);
      }
  });

  it('leaves the single-release inputs out of discover, which lists every release', () => {
    expect(parseInputs(inputsWith(valid('discover'), {})).phase).toBe('discover');
    expect(inputSpec('release').required).toBe(false);
    expect(inputSpec('chart-version').required).toBe(true);
  });
});

describe('literalDefault', () => {
  it('is the default the runner passes, and nothing for one the runner evaluates', () => {
    expect(literalDefault('phase')).toBe('plan');
    expect(literalDefault('max-releases')).toBe('256');
    expect(literalDefault('release')).toBe('');
    expect(inputSpec('github-token').default).toBe('${{ github.token }}');
    expect(literalDefault('github-token')).toBe('');
  });
});

describe('ignoredWarning and ignoredInputs', () => {
  it('lists every phase the input applies to', () => {
    expect(ignoredWarning('discover', inputSpec('timeout'))).toBe(
      "input 'timeout' is set, but phase discover does not read it (it applies to migrate, finalize, abort); it was checked and has no effect in this run",
    );
  });

  it('reads a value as given after trimming: blank or the default with spaces is not set', () => {
    const get = inputsWith({ 'delete-etcd-pvcs': ' false ', 'storage-class': ' \n ', timeout: '10m ' }, {});
    expect(ignoredInputs('discover', get)).toEqual([]);
    const set = inputsWith({ 'delete-etcd-pvcs': ' true ', 'storage-class': ' fast ' }, {});
    expect(ignoredInputs('discover', set).map((i) => i.name)).toEqual(['storage-class', 'delete-etcd-pvcs']);
  });

  it('never warns about an input the phase reads, whatever its value', () => {
    const get = inputsWith({ release: 'my-vc', timeout: '1h', 'delete-etcd-pvcs': 'true' }, {});
    expect(ignoredInputs('finalize', get).map((i) => i.name)).toEqual([]);
    expect(ignoredInputs('plan', get).map((i) => i.name)).toEqual(['timeout', 'delete-etcd-pvcs']);
  });
});

describe('catalogMismatches: what action.yml may write its own way', () => {
  it('a description ending in a line break, as a YAML block scalar writes it', () => {
    const changed = structuredClone(actionInputs);
    changed.timeout!.description = `${changed.timeout!.description!}\n`;
    expect(catalogMismatches(changed)).toEqual([]);
  });

  it('required: false written out, and no default written for an input without one', () => {
    const changed = structuredClone(actionInputs);
    changed.release!.required = false;
    delete changed.release!.default;
    expect(catalogMismatches(changed)).toEqual([]);
  });

  it('a required input whose required flag is left out is a mismatch', () => {
    const changed = structuredClone(actionInputs);
    delete changed['chart-version']!.required;
    expect(catalogMismatches(changed)).toEqual([
      "input 'chart-version': action.yml says required false, the catalog true",
    ]);
  });

  it('an input missing is named once, without the order message it implies', () => {
    const changed = structuredClone(actionInputs);
    delete changed.batch;
    expect(catalogMismatches(changed)).toEqual(["the catalog has input 'batch', action.yml has not"]);
  });
});

describe('secretsToMask', () => {
  const masked = (values: string) => secretsToMask((n) => (n === 'values' ? values : ''));

  it('masks nothing when no secret input is set, blank counting as not set', () => {
    expect(secretsToMask(() => '')).toEqual([]);
    expect(masked('  \n  ')).toEqual([]);
  });

  it('masks only secret inputs, each whole value trimmed', () => {
    const inputs: Record<string, string> = {
      release: 'token: abcdefghijkl',
      kubeconfig: '\n  apiVersion: v1\n',
      'github-token': ' ghs_0123456789 ',
    };
    expect(secretsToMask((n) => inputs[n] ?? '')).toEqual(['apiVersion: v1', 'ghs_0123456789']);
  });

  it.each(['token', 'password', 'secret', 'key', 'data', 'credential', 'Client-Key-Data', 'my.Password_1'])(
    'masks the value of a line whose key holds %s',
    (key) => {
      expect(masked(`a: 1\n${key}: s3cr3t-value`)).toEqual([`a: 1\n${key}: s3cr3t-value`, 's3cr3t-value']);
    },
  );

  it.each([
    ['in a list item, indented', '  - token: abcdefgh'],
    ['quoted', 'password: "abcdefgh"'],
    ['single-quoted', "password: 'abcdefgh'"],
    ['with spaces around the colon and after the value', 'token :  abcdefgh  '],
  ])('masks the value %s, without its quotes', (_, line) => {
    // A line in the middle: the value as a whole is trimmed, its lines are not.
    expect(masked(`x: 1\n${line}\ny: 2`).slice(1)).toEqual(['abcdefgh']);
  });

  it.each([
    ['a value under 8 characters', 'token: abcdefg'],
    ['a value of two words', 'token: abcdefgh ijklmnop'],
    ['a key of several words', 'not a token: abcdefgh'],
    ['a key without a credential word', 'name: abcdefghijkl'],
    ['no colon', 'token abcdefghijkl'],
  ])('masks no line part for %s, only the whole value', (_, line) => {
    expect(masked(`x: 1\n${line}`)).toEqual([`x: 1\n${line}`]);
  });
});
