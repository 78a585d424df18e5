// The command line's front door: the log on stderr with each step and its progress, the approval of a
// named person, and at the end the summary as text (or the outputs as one JSON document) on stdout,
// the Markdown summary in --summary-file, and the exit code of the status.
import { writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import type { FleetFrontDoor, FrontDoor } from '../../core/front-door.ts';
import type { CliOptions } from '../../core/cli/args.ts';
import { exitCodeFor } from '../../core/cli/exit-codes.ts';
import { markdownToText } from '../../report/plain-text.ts';
import { colourful, paint, terminalLog, textStyle, type Stream } from './terminal.ts';
import { namedApproval } from './approval.ts';

export interface TerminalIo {
  stdout: Stream;
  stderr: Stream;
  env: NodeJS.ProcessEnv;
  /** A person can answer a prompt. */
  interactive: boolean;
  setExitCode(code: number): void;
}

export function processIo(): TerminalIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
    setExitCode: (code) => (process.exitCode = code),
  };
}

/** The end of a run on the command line: the result on stdout, the Markdown summary in a file, the exit code. */
export function writeResult(
  io: TerminalIo,
  o: CliOptions,
  end: { status: string; summary: string; outputs: Record<string, string>; failure?: string },
): void {
  const errColour = colourful(io.stderr, io.env, o.noColor);
  if (o.summaryFile !== undefined) {
    try {
      writeFileSync(o.summaryFile, end.summary, { mode: 0o644 });
    } catch (e) {
      io.stderr.write(
        `${paint.yellow(errColour)('warning:')} could not write --summary-file: ${(e as Error).message}\n`,
      );
    }
  }
  if (o.output === 'json') io.stdout.write(`${JSON.stringify(end.outputs, null, 2)}\n`);
  else io.stdout.write(`\n${markdownToText(end.summary, textStyle(colourful(io.stdout, io.env, o.noColor)))}`);
  if (end.failure !== undefined) io.stderr.write(`${paint.red(errColour)(end.failure)}\n`);
  io.setExitCode(exitCodeFor(end.status));
}

/** The front door of phase discover: the log and the end, as for the other phases. */
export function terminalFleetFrontDoor(o: CliOptions, io: TerminalIo): FleetFrontDoor {
  return {
    log: terminalLog(io.stderr, colourful(io.stderr, io.env, o.noColor)),
    tempDir: tmpdir(),
    async finish(end) {
      writeResult(io, o, end);
    },
  };
}

/** The front door of a release phase; `approved`: phase two's approval, given before the run. */
export function terminalFrontDoor(
  o: CliOptions,
  io: TerminalIo,
  approved: { by: string; how: string } | undefined,
): FrontDoor {
  return {
    ...terminalFleetFrontDoor(o, io),
    // Names the run in the lock and the state record's history: which machine started it.
    runId: `cli-${hostname()}-${process.pid}-${Date.now()}`,
    approvals: namedApproval(approved),
    warnings: [],
  };
}
