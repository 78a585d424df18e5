#!/usr/bin/env node
// The command line's entry point: `vcluster-etcd-migrate <phase> --<input> value ...`. The flags are
// the action's inputs and go through the same parser, so a bad one is refused in the same words;
// the run goes through the same runner, with the terminal as its front door instead of GitHub.
// Like the action, it loads the runner and its adapters only after the inputs passed.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine, type CliOptions } from './core/cli/args.ts';
import { decideCliApproval, typedApproval } from './core/cli/approval.ts';
import { EXIT } from './core/cli/exit-codes.ts';
import { INPUTS, PHASE_NAMES } from './core/inputs/catalog.ts';
import { InputError, type InputProblem } from './core/inputs/input-reader.ts';
import { parseInputs, type ParsedInputs } from './core/inputs/inputs.ts';
import type { Settings } from './core/inputs/config.ts';
import { commandHelp, phaseHelp } from './report/cli-help.ts';
import { renderInputRefusal } from './report/summary.ts';
import {
  processIo,
  terminalFleetFrontDoor,
  terminalFrontDoor,
  writeResult,
  type TerminalIo,
} from './adapters/terminal/front-door.ts';
import { ask } from './adapters/terminal/terminal.ts';
import { probePath } from './adapters/runner/path-probe.ts';
import { version } from './adapters/terminal/version.ts';

const io: TerminalIo = processIo();

/** The flag a problem is about, as the user typed it. */
function flagName(input: string): string {
  if (input === 'phase') return 'the phase';
  return input.startsWith('-') ? input : `--${input}`;
}

/** A refusal before anything ran: each problem names its flag, what is wrong and what would be right. */
function refuse(o: CliOptions, phase: string | undefined, problems: readonly InputProblem[]): void {
  const summary = renderInputRefusal(problems);
  const lines = problems.map((p) => `- ${flagName(p.input)}: ${p.problem}. Expected: ${p.expected}.`);
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

/** Ends the run before anything ran: waiting for an approval, or refused at the prompt. */
function stopBefore(s: Settings, o: CliOptions, status: 'waiting' | 'refused', line: string): undefined {
  writeResult(io, o, { status, summary: '', outputs: { phase: s.phase, status }, failure: `${status}: ${line}` });
  return undefined;
}

/**
 * Phase two's approval, before anything runs: `{}` when the phase needs none, undefined when the run
 * ended here (waiting, or refused at the prompt).
 */
async function approval(s: Settings, o: CliOptions): Promise<{ approved?: { by: string; how: string } } | undefined> {
  const decision = decideCliApproval({ ...s, approvedBy: o.approvedBy, yes: o.yes, interactive: io.interactive });
  if (decision.kind === 'not-needed') return {};
  if (decision.kind === 'approved') return { approved: decision };
  if (decision.kind === 'waiting') return stopBefore(s, o, 'waiting', `${decision.reason}. Next: ${decision.next}`);
  const answer = typedApproval(decision, s.release, await ask(decision.question));
  return answer.kind === 'approved' ? { approved: answer } : stopBefore(s, o, 'refused', answer.reason);
}

async function run(parsed: ParsedInputs, o: CliOptions): Promise<void> {
  for (const w of parsed.warnings) io.stderr.write(`warning: ${w}\n`);
  if (parsed.phase === 'discover') {
    const { runDiscover } = await import('./phases/discover.ts');
    await runDiscover(parsed.settings, terminalFleetFrontDoor(o, io));
    return;
  }
  const approved = await approval(parsed.settings, o);
  if (!approved) return;
  const { runPhase } = await import('./runner.ts');
  await runPhase(parsed.settings, terminalFrontDoor(o, io, approved.approved), parsed.warnings);
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
  const problems = kubeconfigProblems(o);
  let parsed: ParsedInputs | undefined;
  try {
    parsed = parseInputs((name) => cmd.inputs[name] ?? '', 'cli', probePath);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    problems.push(...e.problems);
  }
  if (problems.length > 0 || !parsed) return refuse(o, cmd.phase, problems);
  await run(parsed, o);
}

main().catch((e: unknown) => {
  io.stderr.write(`failed: unexpected error: ${(e as Error).message}\n`);
  io.setExitCode(EXIT.failed);
});
