// The command line's refusals a script or a person meets, each naming the flag, what is wrong and
// what is right; and the "--" that ends the flags.
import { describe, expect, it } from 'vitest';
import { parseCommandLine, flagInputs, type CliCommand } from '../../../../src/core/cli/args.ts';
import { INPUTS, PHASE_NAMES } from '../../../../src/core/inputs/catalog.ts';

const parse = (...argv: string[]): CliCommand => parseCommandLine(argv, INPUTS, PHASE_NAMES);
const TARGET = ['--release', 'my-vc', '--namespace', 'team-a', '--chart-version', '0.27.0'];

function problems(cmd: CliCommand) {
  if (cmd.kind !== 'refused') throw new Error(`expected a refusal, got ${JSON.stringify(cmd)}`);
  return cmd.problems;
}

describe('the command line refuses', () => {
  it('a flag of the command line given twice', () => {
    expect(problems(parse('plan', ...TARGET, '--output', 'json', '--output=text'))).toEqual([
      { input: '--output', problem: 'is given twice', expected: 'the flag once' },
    ]);
  });

  it('a flag of another phase, naming the phases it belongs to', () => {
    expect(problems(parse('status', ...TARGET, '--yes'))).toEqual([
      { input: '--yes', problem: 'is not a flag of phase status', expected: 'only with phase finalize or abort' },
    ]);
    // With no phase (or an unknown one) only the phase is refused, not the flags of a phase.
    expect(problems(parse(...TARGET, '--yes')).map((p) => p.input)).toEqual(['phase']);
    expect(problems(parse('migrat', ...TARGET, '--yes')).map((p) => p.input)).toEqual(['phase']);
  });

  it('an empty file path, or one with a control character, for --summary-file and --kubeconfig', () => {
    expect(problems(parse('plan', ...TARGET, '--summary-file', '', '--kubeconfig', 'k\u0007.yaml'))).toEqual([
      { input: '--summary-file', problem: 'is not a file path', expected: 'a path' },
      { input: '--kubeconfig', problem: 'is not a file path', expected: 'a path' },
    ]);
  });

  it('an approver name that is blank or over 100 characters', () => {
    const refusal = {
      input: '--approved-by',
      problem: 'is not a name on one line',
      expected: 'the name of the person who approves, at most 100 characters',
    };
    expect(problems(parse('finalize', ...TARGET, '--approved-by', '   '))).toEqual([refusal]);
    expect(problems(parse('finalize', ...TARGET, '--approved-by', 'a'.repeat(101)))).toEqual([refusal]);
    const ok = parse('finalize', ...TARGET, '--approved-by', 'a'.repeat(100));
    expect(ok.kind === 'run' && ok.options.approvedBy).toBe('a'.repeat(100));
  });

  it('a command-line flag with no value at the end', () => {
    expect(problems(parse('plan', ...TARGET, '--summary-file'))).toEqual([
      { input: '--summary-file', problem: 'has no value', expected: '--summary-file file' },
    ]);
  });
});

describe('the command line reads', () => {
  it('everything after -- as arguments, not flags', () => {
    expect(problems(parse('plan', ...TARGET, '--', '--yes'))).toEqual([
      { input: '--yes', problem: 'is an argument after the phase', expected: 'flags only, as --name value' },
    ]);
    expect(parse('--', 'plan', ...TARGET)).toMatchObject({ kind: 'refused', phase: 'plan' });
    expect(parse(...TARGET, '--', 'plan')).toMatchObject({ kind: 'run', phase: 'plan' });
  });

  it('a value that holds "=" whole, split at the first "=" only', () => {
    const cmd = parse('plan', ...TARGET, '--values=a: b=c');
    expect(cmd.kind === 'run' && cmd.inputs.values).toBe('a: b=c');
  });

  it('a boolean flag followed by a word that only starts or ends like true: the flag alone, the word an argument', () => {
    expect(problems(parse('plan', ...TARGET, '--gitops-paused', 'trueish')).map((p) => [p.input, p.problem])).toEqual([
      ['trueish', 'is an argument after the phase'],
    ]);
    expect(problems(parse('plan', ...TARGET, '--gitops-paused', 'nottrue')).map((p) => p.input)).toEqual(['nottrue']);
    // A boolean flag last: true.
    const last = parse('plan', ...TARGET, '--gitops-paused');
    expect(last.kind === 'run' && last.inputs['gitops-paused']).toBe('true');
  });

  it('a flag whose default is false as a boolean too', () => {
    const bools = flagInputs(INPUTS).filter((i) => i.default === 'false');
    expect(bools.length).toBeGreaterThan(0);
    for (const i of bools) {
      const phase = i.phases[0]!;
      const cmd = parse(phase, ...TARGET, `--${i.name}`);
      expect(cmd.kind === 'run' && cmd.inputs[i.name], i.name).toBe('true');
    }
  });

  it('the help of a phase only for a phase that exists', () => {
    expect(parse('--help', 'nope')).toEqual({ kind: 'help', phase: undefined });
  });
});
