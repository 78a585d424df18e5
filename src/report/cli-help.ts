// The CLI's --help: the command's and each phase's, from the input catalog. Pure.
import { CLI_FLAGS, flagInputs, type FlagInput } from '../core/cli/args.ts';
import { EXIT } from '../core/cli/exit-codes.ts';

export const COMMAND = 'vcluster-etcd-migrate';

const PHASE_LINES: Record<string, string> = {
  plan: 'read-only dry run: the checks, the values of both phases and the key counts, nothing changed',
  migrate:
    'phase one: verified snapshot, then the upgrade that copies the data into embedded etcd, proven by key counts',
  finalize: 'phase two, after an approval: the deployed etcd is removed; its PVCs stay unless asked',
  abort: 'the way back after phase one, after an approval: the release runs on its deployed etcd again',
  status: 'read-only report of where the migration of a release stands',
  discover: 'read-only: every vCluster release of the cluster, and what each needs next',
};

const WIDTH = 100;

function wrap(text: string, indent: number): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && indent + line.length + 1 + w.length > WIDTH) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.map((l) => `${' '.repeat(indent)}${l}`).join('\n');
}

function usage(phase: string): string {
  return phase === 'discover'
    ? `${COMMAND} discover --chart-version V [flags]`
    : `${COMMAND} ${phase} --release R --namespace N --chart-version V [flags]`;
}

const exitCodes = (): string[] => [
  'Exit codes:',
  `  ${EXIT.done}  done, or nothing to do (succeeded, planned, no-op)`,
  `  ${EXIT.failed}  failed: the summary says what went wrong; the next run resumes from the state record`,
  `  ${EXIT.refused}  refused before any change (a bad flag or input, or a check that did not pass)`,
  `  ${EXIT.waiting}  waiting for approval (finalize, abort: --approved-by, with --yes or the release name typed)`,
];

export function commandHelp(phases: readonly string[], version: string): string {
  return [
    wrap(
      `${COMMAND} ${version}: move a vCluster from its deployed etcd to embedded etcd, with a verified backup and key counts that prove nothing was lost. The same engine, phases, checks and state record as the GitHub Action.`,
      0,
    ),
    '',
    `Usage: ${COMMAND} <phase> --release R --namespace N --chart-version V [flags]`,
    '',
    'Phases:',
    ...phases.map((p) => `  ${p.padEnd(9)} ${wrap(PHASE_LINES[p] ?? '', 12).trimStart()}`.trimEnd()),
    '',
    `Run ${COMMAND} <phase> --help for its flags (the action's inputs, as --name value).`,
    '',
    ...exitCodes(),
    '',
    'Environment:',
    '  KUBECONFIG  kubeconfig file (or files, separated by ":"), as kubectl reads it; --kubeconfig wins',
    '  NO_COLOR    no colours when set (colours are only used on a terminal)',
    '',
  ].join('\n');
}

function flagLine(name: string, value: string | undefined, notes: string[], description: string): string {
  const head = `  --${name}${value ? ` ${value}` : ''}`;
  const note = notes.length > 0 ? ` (${notes.join('; ')})` : '';
  return `${head}${note}\n${wrap(description, 6)}`;
}

export function phaseHelp(phase: string, catalog: readonly FlagInput[]): string {
  const inputs = flagInputs(catalog, phase).map((i) => {
    const isBool = i.default === 'true' || i.default === 'false';
    const notes = [
      ...(i.required ? ['required'] : []),
      ...(i.default && !i.default.includes('${{') ? [`default ${i.default}`] : []),
    ];
    return flagLine(i.name, isBool ? '[true|false]' : 'VALUE', notes, i.description);
  });
  const cli = CLI_FLAGS.filter((f) => !f.phases || f.phases.includes(phase)).map((f) =>
    flagLine(f.name, f.value?.toUpperCase(), [], f.description),
  );
  return [
    `Usage: ${usage(phase)}`,
    '',
    wrap(`${phase}: ${PHASE_LINES[phase] ?? ''}`, 0),
    '',
    "Flags (the action's inputs of this phase; list flags repeat, one line each):",
    ...inputs,
    '',
    'Flags of the command line:',
    ...cli,
    '',
    ...exitCodes(),
    '',
  ].join('\n');
}
