import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INPUTS, PHASE_NAMES, catalogMismatches, ignoredInputs } from '../../../../src/core/inputs/catalog.ts';
import { parseInputs } from '../../../../src/core/inputs/inputs.ts';
import { renderTables } from '../../../../scripts/readme-inputs.ts';
import { inputError, inputsWith } from '../../../support/inputs.ts';

const root = join(import.meta.dirname, '..', '..', '../..');
const actionYml = readFileSync(join(root, 'action.yml'), 'utf8');
const actionInputs = (parse(actionYml) as { inputs: Record<string, { description: string; default?: string }> }).inputs;

const RELEASE = { release: 'my-vc', namespace: 'team-a', 'chart-version': '0.27.0' };
const DISCOVER = { phase: 'discover', 'chart-version': 'keep' };
const refused = (inputs: Record<string, string>) =>
  inputError(() => parseInputs(inputsWith(inputs, {})), inputs).problems;

describe('the input catalog', () => {
  it('agrees with action.yml: names in order, descriptions, defaults, required', () => {
    expect(catalogMismatches(actionInputs)).toEqual([]);
  });

  it('names each disagreement with action.yml', () => {
    const changed = structuredClone(actionInputs);
    changed.phase!.default = 'migrate';
    changed.timeout!.description = 'another text';
    delete changed['values-dir'];
    changed.extra = { description: 'x' };
    expect(catalogMismatches(changed)).toEqual([
      "action.yml has input 'extra', the catalog has not",
      "the catalog has input 'values-dir', action.yml has not",
      'input \'phase\': action.yml\'s default "migrate" differs from the catalog\'s "plan"',
      "input 'timeout': action.yml's description differs from the catalog's",
    ]);
  });

  it('gives every input at least one phase, and plan as the default phase', () => {
    for (const i of INPUTS) expect(i.phases.length, i.name).toBeGreaterThan(0);
    expect(INPUTS.find((i) => i.name === 'phase')!.default).toBe('plan');
    expect(INPUTS.filter((i) => i.secret).map((i) => i.name)).toEqual(['values', 'kubeconfig', 'github-token']);
  });

  it("is the README inputs table, with each input's phases", () => {
    const table = renderTables(actionYml).inputs;
    expect(table.split('\n')[0]).toBe('| input | required | default | phases | secret | description |');
    expect(table).toContain('| `max-releases` | no | `256` | discover | no |');
    expect(table).toContain('| `delete-etcd-pvcs` | no | `false` | finalize | no |');
    expect(table).toContain('| `kubeconfig` | no |  | all | yes |');
    expect(table).toContain('| `phase` | no | `plan` | all | no |');
  });
});

describe('phase', () => {
  it('is refused when empty, since an empty word must not run phase one', () => {
    const p = refused({ ...RELEASE, phase: '' });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ input: 'phase' });
    expect(p[0]!.problem).toMatch(/^is empty/);
    expect(p[0]!.expected).toContain('leave the input out for plan, the read-only default');
    expect(refused({ ...RELEASE, phase: '   ' })[0]!.input).toBe('phase');
  });

  it('reads each phase name', () => {
    for (const phase of PHASE_NAMES) {
      const given =
        phase === 'discover' ? DISCOVER : { ...RELEASE, phase, 'approval-environment': 'vcluster-migration' };
      expect(parseInputs(inputsWith(given, {})).phase).toBe(phase);
    }
  });
});

describe('a bad value is refused in every phase', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['max-releases on plan', { ...RELEASE, phase: 'plan', 'max-releases': '0' }, 'max-releases'],
    ['next-phase on status', { ...RELEASE, phase: 'status', 'next-phase': 'status' }, 'next-phase'],
    ['namespaces on migrate', { ...RELEASE, phase: 'migrate', namespaces: 'Team_A' }, 'namespaces'],
    ['discover-secrets on plan', { ...RELEASE, phase: 'plan', 'discover-secrets': 'yes' }, 'discover-secrets'],
    ['timeout on discover', { ...DISCOVER, timeout: 'ten minutes' }, 'timeout'],
    ['backup on discover', { ...DISCOVER, backup: 'none' }, 'backup'],
    ['storage-size on discover', { ...DISCOVER, 'storage-size': '5 GB' }, 'storage-size'],
    ['delete-etcd-pvcs on discover', { ...DISCOVER, 'delete-etcd-pvcs': 'true' }, 'delete-etcd-pvcs'],
    ['pr-number on discover', { ...DISCOVER, 'pr-number': '-1' }, 'pr-number'],
    ['etcd-extra-args on discover', { ...DISCOVER, 'etcd-extra-args': '--data-dir=/x' }, 'etcd-extra-args'],
    ['values on discover', { ...DISCOVER, values: '[1, 2]' }, 'values'],
  ];
  it.each(cases)('%s', (_, inputs, input) => {
    expect(refused(inputs).map((p) => p.input)).toEqual([input]);
  });

  it('checks every other input when the phase itself is unknown', () => {
    expect(refused({ ...RELEASE, phase: 'rollback', 'max-releases': 'x' }).map((p) => p.input)).toEqual([
      'phase',
      'max-releases',
    ]);
  });
});

describe('a good value given to a phase that does not read it', () => {
  it('is named in a warning with the phases it applies to', () => {
    const p = parseInputs(
      inputsWith({ ...RELEASE, phase: 'plan', 'max-releases': '10', 'next-phase': 'finalize' }, {}),
    );
    expect(p.warnings).toEqual([
      "input 'max-releases' is set, but phase plan does not read it (it applies to discover); it was checked and has no effect in this run",
      "input 'next-phase' is set, but phase plan does not read it (it applies to discover); it was checked and has no effect in this run",
    ]);
    const d = parseInputs(inputsWith({ ...DISCOVER, backup: 'skip', 'backup-skip-reason': 'a test cluster' }, {}));
    expect(d.warnings.map((w) => w.split(' is set')[0])).toEqual(["input 'backup'", "input 'backup-skip-reason'"]);
  });

  it('is not warned about at its default, as the runner passes every default', () => {
    const defaults = Object.fromEntries(INPUTS.map((i) => [i.name, i.default]));
    expect(ignoredInputs('discover', inputsWith({ ...defaults, ...DISCOVER }, {}))).toEqual([]);
    expect(ignoredInputs('status', inputsWith({ ...defaults, ...RELEASE, phase: 'status' }, {}))).toEqual([]);
    // The runner fills github-token's default in with the run's token.
    expect(ignoredInputs('discover', inputsWith({ ...DISCOVER, 'github-token': 'ghs_x' }, {}))).toEqual([]);
  });
});
