// The command line of the CLI, read into the action's inputs: `<phase> --<input> value ...`. Pure: argv
// and the input catalog in, a command out. Values are not checked here: the inputs go through the
// same parser as the action's, so a bad value is refused in the same words.
import { CONTROL, type InputProblem } from '../inputs/input-reader.ts';
import { APPROVAL_PHASES } from './approval.ts';

/** What the command line needs to know of one input of the catalog. */
export interface FlagInput {
  name: string;
  description: string;
  default?: string;
  required: boolean;
  /** The phases the input applies to. */
  phases: readonly string[];
  secret: boolean;
}

export interface CliOptions {
  output: 'text' | 'json';
  summaryFile?: string;
  /** A kubeconfig file, as kubectl's --kubeconfig (the action's input is the content instead). */
  kubeconfigFile?: string;
  approvedBy?: string;
  yes: boolean;
  noColor: boolean;
}

export type CliCommand =
  | { kind: 'version' }
  | { kind: 'help'; phase?: string }
  | { kind: 'run'; phase: string; inputs: Record<string, string>; options: CliOptions }
  | { kind: 'refused'; phase?: string; problems: InputProblem[]; options: CliOptions };

/** One flag of the CLI that is not an input of the action. */
export interface CliFlag {
  name: string;
  value?: string;
  description: string;
  /** Only these phases take it; every phase when absent. */
  phases?: readonly string[];
}

export const CLI_FLAGS: readonly CliFlag[] = [
  {
    name: 'kubeconfig',
    value: 'file',
    description:
      'Kubeconfig file to use, as kubectl takes it. Default: KUBECONFIG (one file or a list), else in-cluster.',
  },
  {
    name: 'approved-by',
    value: 'name',
    phases: APPROVAL_PHASES,
    description:
      'Who approves this change; written to the state record and the summary. Needs --yes, or the release name typed at the prompt.',
  },
  {
    name: 'yes',
    phases: APPROVAL_PHASES,
    description: 'Confirm without the prompt (in CI). Without it and without a terminal, the run waits for approval.',
  },
  {
    name: 'output',
    value: 'text|json',
    description: 'json: the outputs as one JSON document on stdout (logs stay on stderr).',
  },
  { name: 'summary-file', value: 'file', description: 'Write the Markdown summary to this file.' },
  { name: 'no-color', description: 'No colours (also when NO_COLOR is set, or the output is not a terminal).' },
  { name: 'help', description: 'Show the help of the phase (or of the command) and exit.' },
  { name: 'version', description: 'Print the version and exit.' },
];

/**
 * Inputs the command line does not take as flags: what only a GitHub workflow has (its environments,
 * token and pull requests), and the kubeconfig content (the CLI takes a file, as kubectl does).
 */
export const GITHUB_ONLY_INPUTS: readonly string[] = [
  'approval-environment',
  'github-token',
  'pr-number',
  'kubeconfig',
];

/** Inputs a flag may repeat: each one line of a list. */
const LIST_INPUTS: readonly string[] = ['etcd-extra-args', 'volatile-prefixes', 'namespaces'];

const BOOLEAN = (i: FlagInput): boolean => i.default === 'true' || i.default === 'false';

/** The inputs the CLI takes as flags, for a phase (all phases when undefined). */
export function flagInputs(catalog: readonly FlagInput[], phase?: string): FlagInput[] {
  return catalog.filter(
    (i) => !GITHUB_ONLY_INPUTS.includes(i.name) && (phase === undefined || i.phases.includes(phase)),
  );
}

export function parseCommandLine(
  argv: readonly string[],
  catalog: readonly FlagInput[],
  phases: readonly string[],
): CliCommand {
  const problems: InputProblem[] = [];
  const bad = (input: string, problem: string, expected: string): void => {
    problems.push({ input, problem, expected });
  };
  const inputs: Record<string, string> = {};
  const cli: Record<string, string> = {};
  const positional: string[] = [];
  const known = new Map(flagInputs(catalog).map((i) => [i.name, i]));
  let help = false;
  let version = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (arg === '--version') {
      version = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    const input = known.get(name);
    const flag = CLI_FLAGS.find((f) => f.name === name);
    if (!input && !flag) {
      bad(`--${name}`, 'is not a flag of this command', 'one of the flags that --help lists for the phase');
      continue;
    }
    // getopt's rule: a flag that takes a value takes the next argument, even one starting with "--"
    // (etcd-extra-args are --flag=value lines). A boolean input alone means true.
    const booleanAlone = input !== undefined && BOOLEAN(input) && !/^(true|false)$/i.test(argv[i + 1] ?? '');
    const takesValue = input ? inline !== undefined || !booleanAlone : flag!.value !== undefined;
    let value: string;
    if (!takesValue) value = 'true';
    else if (inline !== undefined) value = inline;
    else if (i + 1 < argv.length) value = argv[++i]!;
    else {
      bad(`--${name}`, 'has no value', `--${name} ${input ? 'VALUE' : flag!.value}`);
      continue;
    }
    if (flag) {
      if (name in cli) bad(`--${name}`, 'is given twice', 'the flag once');
      cli[name] = value;
    } else if (name in inputs) {
      if (LIST_INPUTS.includes(name)) inputs[name] = `${inputs[name]}\n${value}`;
      else bad(`--${name}`, 'is given twice', `the flag once (only ${LIST_INPUTS.join(', ')} repeat)`);
    } else inputs[name] = value;
  }

  const options = cliOptions(cli, bad);
  if (version) return { kind: 'version' };
  const [phase, ...extra] = positional;
  if (help) return { kind: 'help', phase: phase !== undefined && phases.includes(phase) ? phase : undefined };
  if (phase === undefined) bad('phase', 'is missing', `a phase first: ${phases.join(', ')}`);
  else if (!phases.includes(phase)) bad('phase', `"${phase}" is not a phase`, phases.join(', '));
  if (extra.length > 0) bad(extra[0]!, 'is an argument after the phase', 'flags only, as --name value');
  if (phase !== undefined && phases.includes(phase)) {
    for (const f of CLI_FLAGS)
      if (f.phases && f.name in cli && !f.phases.includes(phase))
        bad(`--${f.name}`, `is not a flag of phase ${phase}`, `only with phase ${f.phases.join(' or ')}`);
  }
  if (problems.length > 0) return { kind: 'refused', phase, problems, options };
  return { kind: 'run', phase: phase!, inputs: { ...inputs, phase: phase! }, options };
}

function cliOptions(cli: Record<string, string>, bad: (i: string, p: string, e: string) => void): CliOptions {
  const output = cli.output ?? 'text';
  if (output !== 'text' && output !== 'json') bad('--output', `"${output}" is not an output format`, 'text or json');
  for (const f of ['summary-file', 'kubeconfig'])
    if (cli[f] !== undefined && (cli[f] === '' || CONTROL.test(cli[f]!))) bad(`--${f}`, 'is not a file path', 'a path');
  const by = cli['approved-by'];
  // The name goes into the state record and the summary: one line, like a login or a person's name.
  if (by !== undefined && (by.trim() === '' || CONTROL.test(by) || by.length > 100))
    bad('--approved-by', 'is not a name on one line', 'the name of the person who approves, at most 100 characters');
  return {
    output: output === 'json' ? 'json' : 'text',
    summaryFile: cli['summary-file'],
    kubeconfigFile: cli.kubeconfig,
    approvedBy: by?.trim(),
    yes: cli.yes === 'true',
    noColor: cli['no-color'] === 'true',
  };
}
