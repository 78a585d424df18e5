import { describe, expect, it } from 'vitest';
import { parseCommandLine, flagInputs, GITHUB_ONLY_INPUTS, type CliCommand } from '../../../../src/core/cli/args.ts';
import { INPUTS, PHASE_NAMES } from '../../../../src/core/inputs/catalog.ts';
import { parseInputs } from '../../../../src/core/inputs/inputs.ts';
import { InputError } from '../../../../src/core/inputs/input-reader.ts';

const parse = (...argv: string[]): CliCommand => parseCommandLine(argv, INPUTS, PHASE_NAMES);
const TARGET = ['--release', 'my-vc', '--namespace', 'team-a', '--chart-version', '0.27.0'];

function run(cmd: CliCommand) {
  if (cmd.kind !== 'run') throw new Error(`expected a run, got ${JSON.stringify(cmd)}`);
  return cmd;
}
function problems(cmd: CliCommand) {
  if (cmd.kind !== 'refused') throw new Error(`expected a refusal, got ${JSON.stringify(cmd)}`);
  return cmd.problems;
}

describe('the command line', () => {
  it('reads the phase and the flags into the inputs of the action', () => {
    const cmd = run(parse('migrate', ...TARGET, '--timeout=5m', '--backup-dir', '/var/snap'));
    expect(cmd.phase).toBe('migrate');
    expect(cmd.inputs).toEqual({
      phase: 'migrate',
      release: 'my-vc',
      namespace: 'team-a',
      'chart-version': '0.27.0',
      timeout: '5m',
      'backup-dir': '/var/snap',
    });
    expect(cmd.options).toEqual({ output: 'text', yes: false, noColor: false });
  });

  it('takes a boolean flag alone as true, and an explicit true or false after it', () => {
    expect(run(parse('plan', ...TARGET, '--gitops-paused')).inputs['gitops-paused']).toBe('true');
    expect(run(parse('plan', '--gitops-paused', 'false', ...TARGET)).inputs['gitops-paused']).toBe('false');
    expect(run(parse('plan', '--gitops-paused=FALSE', ...TARGET)).inputs['gitops-paused']).toBe('FALSE');
  });

  it('repeats a list flag as one line each, and takes a value that starts with -- (an etcd flag)', () => {
    const cmd = run(
      parse(
        'plan',
        ...TARGET,
        '--etcd-extra-args',
        '--quota-backend-bytes=8589934592',
        '--etcd-extra-args=--snapshot-count=5000',
      ),
    );
    expect(cmd.inputs['etcd-extra-args']).toBe('--quota-backend-bytes=8589934592\n--snapshot-count=5000');
  });

  it('reads the flags of the command line itself', () => {
    const cmd = run(
      parse(
        'finalize',
        ...TARGET,
        '--approved-by',
        ' Ada Lovelace ',
        '--yes',
        '--output',
        'json',
        '--summary-file',
        's.md',
        '--kubeconfig',
        'k.yaml',
        '--no-color',
      ),
    );
    expect(cmd.options).toEqual({
      output: 'json',
      summaryFile: 's.md',
      kubeconfigFile: 'k.yaml',
      approvedBy: 'Ada Lovelace',
      yes: true,
      noColor: true,
    });
    // Not inputs of the action: the parser of the inputs never sees them.
    expect(Object.keys(cmd.inputs)).not.toContain('approved-by');
    expect(Object.keys(cmd.inputs)).not.toContain('kubeconfig');
  });

  it('gives --help (with or without a phase) and --version before anything else', () => {
    expect(parse('--version')).toEqual({ kind: 'version' });
    expect(parse('--help')).toEqual({ kind: 'help', phase: undefined });
    expect(parse('migrate', '--help', '--no-such-flag')).toEqual({ kind: 'help', phase: 'migrate' });
    expect(parse('-h', 'status')).toEqual({ kind: 'help', phase: 'status' });
  });

  it('refuses each bad word at once, naming the flag, what is wrong and what is right', () => {
    expect(
      problems(parse('migrat', '--relase', 'x', '--timeout', '1m', '--timeout', '2m', '--output', 'yaml', '--context')),
    ).toEqual([
      {
        input: '--relase',
        problem: 'is not a flag of this command',
        expected: 'one of the flags that --help lists for the phase',
      },
      {
        input: '--timeout',
        problem: 'is given twice',
        expected: 'the flag once (only etcd-extra-args, volatile-prefixes, namespaces repeat)',
      },
      { input: '--context', problem: 'has no value', expected: '--context VALUE' },
      { input: '--output', problem: '"yaml" is not an output format', expected: 'text or json' },
      { input: 'phase', problem: '"migrat" is not a phase', expected: PHASE_NAMES.join(', ') },
      { input: 'x', problem: 'is an argument after the phase', expected: 'flags only, as --name value' },
    ]);
    expect(problems(parse(...TARGET))).toEqual([
      { input: 'phase', problem: 'is missing', expected: `a phase first: ${PHASE_NAMES.join(', ')}` },
    ]);
  });

  it('refuses the approval flags outside finalize, and a name that is not one line', () => {
    expect(problems(parse('migrate', ...TARGET, '--approved-by', 'ada', '--yes')).map((p) => p.input)).toEqual([
      '--approved-by',
      '--yes',
    ]);
    expect(problems(parse('finalize', ...TARGET, '--approved-by', 'ada\nrm -rf'))).toEqual([
      {
        input: '--approved-by',
        problem: 'is not a name on one line',
        expected: 'the name of the person who approves, at most 100 characters',
      },
    ]);
  });

  it("has no flag for what only a GitHub workflow has (approval environment, token, PR) or the kubeconfig's content", () => {
    for (const name of GITHUB_ONLY_INPUTS) {
      expect(flagInputs(INPUTS).map((i) => i.name)).not.toContain(name);
      if (name !== 'kubeconfig')
        expect(problems(parse('plan', ...TARGET, `--${name}`, 'x'))[0]!.input).toBe(`--${name}`);
    }
    // Every other input of the catalog is a flag: one vocabulary for both front doors.
    expect(flagInputs(INPUTS).length).toBe(INPUTS.length - GITHUB_ONLY_INPUTS.length);
  });

  it('hands the flags to the same input parser as the action: same checks, same words', () => {
    const cmd = run(
      parse('migrate', '--release', 'My_VC', '--namespace', 'team-a', '--chart-version', '0.27.0', '--timeout', 'soon'),
    );
    let error: unknown;
    try {
      parseInputs((name) => cmd.inputs[name] ?? '', 'cli');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems.map((p) => p.input)).toEqual(['release', 'timeout']);
  });

  it('needs no approval-environment for finalize on the command line (it asks for a named approval instead)', () => {
    const cmd = run(parse('finalize', ...TARGET));
    const get = (name: string) => cmd.inputs[name] ?? '';
    expect(parseInputs(get, 'cli').phase).toBe('finalize');
    expect(() => parseInputs(get, 'action')).toThrow(/input 'approval-environment': is empty/);
  });
});
