#!/usr/bin/env node
// The command line's entry point: `vcluster-etcd-migrate <phase> --<input> value ...`. The flags are
// the action's inputs and go through the same parser, so a bad one is refused in the same words;
// the run goes through the same runner, with the terminal as its front door instead of GitHub.
// Like the action, it loads the runner and its adapters only after the inputs passed.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine, type CliOptions } from './core/cli/args.ts';
import { EXIT } from './core/cli/exit-codes.ts';
import { INPUTS, PHASE_NAMES } from './core/inputs/catalog.ts';
import { InputError, type InputProblem } from './core/inputs/input-reader.ts';
import { parseInputs } from './core/inputs/inputs.ts';
import { commandHelp, phaseHelp } from './report/cli-help.ts';
import { renderInputRefusal } from './report/summary.ts';
import {
  processIo,
  terminalFleetFrontDoor,
  terminalFrontDoor,
  writeResult,
  type TerminalIo,
} from './adapters/terminal/front-door.ts';
import { version } from './adapters/terminal/version.ts';

const io: TerminalIo = processIo();

/** A refusal before anything ran: each problem names its flag, what is wrong and what would be right. */
function refuse(o: CliOptions, phase: string | undefined, problems: readonly InputProblem[]): void {
  const summary = renderInputRefusal(problems);
  const lines = problems.map(
    (p) => `- ${p.input.startsWith('-') ? p.input : `--${p.input}`}: ${p.problem}. Expected: ${p.expected}.`,
  );
  writeResult(io, o, {
    status: 'refused',
    summary,
    outputs: { status: 'refused', phase: phase ?? '', 'summary-markdown': summary },
    failure: `refused: ${problems.length} flag${problems.length === 1 ? ' is' : 's are'} not valid; nothing was changed:\n${lines.join('\n')}`,
  });
}

/** The kubeconfig as kubectl finds it: --kubeconfig, else KUBECONFIG, else ~/.kube/config (else in-cluster). */
function kubeconfigProblems(o: CliOptions): InputProblem[] {
  if (o.kubeconfigFile !== undefined) {
    if (!existsSync(o.kubeconfigFile))
      return [
        {
          input: '--kubeconfig',
          problem: `file ${JSON.stringify(o.kubeconfigFile)} does not exist`,
          expected: 'the path of a kubeconfig file',
        },
      ];
    process.env.KUBECONFIG = o.kubeconfigFile;
  } else if (!process.env.KUBECONFIG && existsSync(join(homedir(), '.kube', 'config'))) {
    process.env.KUBECONFIG = join(homedir(), '.kube', 'config');
  }
  return [];
}

async function main(): Promise<void> {
  const cmd = parseCommandLine(process.argv.slice(2), INPUTS, PHASE_NAMES);
  if (cmd.kind === 'version') {
    io.stdout.write(`${version()}\n`);
    return;
  }
  if (cmd.kind === 'help') {
    io.stdout.write(cmd.phase ? phaseHelp(cmd.phase, INPUTS) : commandHelp(PHASE_NAMES, version()));
    return;
  }
  if (cmd.kind === 'refused') return refuse(cmd.options, cmd.phase, cmd.problems);
  const o = cmd.options;
  const given: Record<string, string> = {
    ...cmd.inputs,
    ...(o.approvedBy !== undefined ? { 'approved-by': o.approvedBy } : {}),
  };
  const problems = kubeconfigProblems(o);
  let parsed: ReturnType<typeof parseInputs> | undefined;
  try {
    parsed = parseInputs((name) => given[name] ?? '', 'cli');
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    problems.push(...e.problems);
  }
  if (problems.length > 0 || !parsed) return refuse(o, cmd.phase, problems);
  if (parsed.phase === 'discover') {
    for (const w of parsed.warnings) io.stderr.write(`warning: ${w}\n`);
    const { runDiscover } = await import('./phases/discover.ts');
    await runDiscover(parsed.settings, terminalFleetFrontDoor(o, io));
    return;
  }
  const { runPhase } = await import('./runner.ts');
  await runPhase(parsed.settings, terminalFrontDoor(parsed.settings, o, io, parsed.warnings));
}

main().catch((e: unknown) => {
  io.stderr.write(`failed: unexpected error: ${(e as Error).message}\n`);
  io.setExitCode(EXIT.failed);
});
