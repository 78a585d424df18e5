// How every input is read: problems are collected by bad() and thrown at once by done(), so a user
// fixes them all in one round, each naming the input, what is wrong and what would be right.
import { parse as parseYaml } from 'yaml';
import { literalDefault } from './catalog.ts';
import { CONTROL, oddCharacters, visible } from './characters.ts';

export interface InputProblem {
  input: string;
  problem: string;
  expected: string;
}

export class InputError extends Error {
  readonly problems: InputProblem[];
  constructor(problems: InputProblem[]) {
    super(
      `${problems.length} input${problems.length === 1 ? ' is' : 's are'} not valid; nothing was changed:\n` +
        problems.map((p) => `- input '${p.input}': ${p.problem}. Expected: ${p.expected}.`).join('\n'),
    );
    this.name = 'InputError';
    this.problems = problems;
  }
}

export type GetInput = (name: string) => string;

/**
 * What is at a path on the runner: the entry point looks (a stat), so the checks here stay pure.
 * Without a probe (unit tests of other inputs) paths are not looked up.
 */
export type PathProbe = (path: string) => 'directory' | 'file' | 'missing';

/** Text that would break a log line, a step output or a command line, or hide what it says. */
export { CONTROL, oddCharacters };

/**
 * Shows a bad value safely: one line, bounded, quoted, every invisible character written out, and
 * the characters that make it look like a valid value named.
 */
export function show(value: string): string {
  const quoted = JSON.stringify(visible(value.length > 80 ? `${value.slice(0, 80)}…` : value));
  const odd = oddCharacters(value, 3, false);
  return odd.length ? `${quoted} (it holds ${odd.join(', ')})` : quoted;
}

export type Bad = (input: string, problem: string, expected: string) => undefined;

/** How many problems of one input an error names; the rest are counted. */
export const PROBLEMS_NAMED = 3;

/** Ways a user writes a boolean in YAML 1.2 core schema, as @actions/core accepts. */
function parseBool(text: string): boolean | undefined {
  if (['true', 'True', 'TRUE'].includes(text)) return true;
  if (['false', 'False', 'FALSE'].includes(text)) return false;
  return undefined;
}

export type InputReader = ReturnType<typeof inputReader>;

export function inputReader(get: GetInput, probe?: PathProbe) {
  const problems: InputProblem[] = [];
  /** Per input, the problems beyond the first PROBLEMS_NAMED: counted, not listed. */
  const more = new Map<string, Set<string>>();
  const bad: Bad = (input, problem, expected) => {
    // Inputs read by both the release and the fleet phases are checked once per reading.
    if (problems.some((p) => p.input === input && p.problem === problem) || more.get(input)?.has(problem))
      return undefined;
    // An input of many bad lines stays readable: the first few are named, the rest counted.
    if (problems.filter((p) => p.input === input).length >= PROBLEMS_NAMED)
      more.set(input, (more.get(input) ?? new Set()).add(problem));
    else problems.push({ input, problem, expected });
    return undefined;
  };
  /** The trimmed value; empty gives the catalog's default (what the runner passes when it is not set). */
  const text = (name: string): string => get(name).trim() || literalDefault(name);
  /** The trimmed value as given, without the default. */
  const given = (name: string): string => get(name).trim();
  /** An optional input of one line (a name, a path, a sentence): empty gives undefined. */
  const line = (name: string, expected: string, problem = 'contains a control character'): string | undefined => {
    const v = text(name);
    if (v === '') return undefined;
    if (CONTROL.test(v)) {
      const odd = oddCharacters(v, 3, false);
      bad(name, odd.length ? `${problem}: ${odd.join(', ')}` : problem, expected);
    }
    return v;
  };
  const bool = (name: string): boolean => {
    const v = text(name);
    const fallback = parseBool(literalDefault(name)) ?? false;
    const b = parseBool(v);
    return b ?? bad(name, `${show(v)} is not a boolean`, 'true or false') ?? fallback;
  };
  /** Inputs kubeconfig and context; the kubeconfig is a secret, so no message quotes it. */
  const kube = (): { kubeconfig?: string; context?: string } => {
    const raw = get('kubeconfig');
    const kubeconfig = raw.trim() ? raw : undefined;
    if (kubeconfig !== undefined) {
      let doc: unknown;
      try {
        doc = parseYaml(kubeconfig, { maxAliasCount: 20 });
      } catch {
        // Not YAML: doc stays undefined and is refused below.
      }
      if (!doc || typeof doc !== 'object' || !('clusters' in doc)) {
        bad(
          'kubeconfig',
          'is not a kubeconfig (not YAML with a clusters list); its content is not shown',
          'the content of a kubeconfig file, for example from a repository secret',
        );
      }
    }
    return { kubeconfig, context: line('context', 'a context name from the kubeconfig') };
  };
  const done = (): void => {
    for (const [input, { size: n }] of more) {
      const last = problems.findLastIndex((p) => p.input === input);
      problems.splice(last + 1, 0, {
        input,
        problem: `and ${n} more problem${n === 1 ? '' : 's'} like these (the first ${PROBLEMS_NAMED} are named)`,
        expected: 'every line fixed as the ones above say',
      });
    }
    more.clear();
    if (problems.length > 0) throw new InputError(problems);
  };
  return { get, bad, text, given, line, bool, kube, done, problems, probe };
}
