// The runner's workflow-command protocol for what main does before any adapter is loaded: read the
// inputs and refuse bad ones. It follows @actions/core's getInput, setOutput, setFailed and
// summary.addRaw().write() byte for byte; main does not import @actions/core itself because that loads its HTTP client (undici) too,
// which alone took longer than the whole input check (and about 30 MB). Discover uses it to the end; the
// other phases use @actions/core after the inputs.
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { EOL } from 'node:os';

/** The input as the runner passes it (INPUT_<NAME>), trimmed; '' when unset. */
export function getInput(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] || '').trim();
}

/** Appends name=value to the GITHUB_OUTPUT file (heredoc form), or prints ::set-output off a runner. */
export function setOutput(name: string, value: string): void {
  const file = process.env.GITHUB_OUTPUT || '';
  if (!file) {
    process.stdout.write(`${EOL}::set-output name=${escapeProperty(name)}::${escapeData(value)}${EOL}`);
    return;
  }
  if (!existsSync(file)) throw new Error(`Missing file at path: ${file}`);
  const delimiter = `ghadelimiter_${randomUUID()}`;
  if (name.includes(delimiter) || value.includes(delimiter))
    throw new Error('Unexpected input: the output contains its delimiter');
  appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, { encoding: 'utf8' });
}

/** Prints ::error:: and makes the process exit 1. */
export function setFailed(message: string): void {
  process.exitCode = 1;
  process.stdout.write(`::error::${escapeData(message)}${EOL}`);
}

/**
 * Appends Markdown to the job summary (the GITHUB_STEP_SUMMARY file), as core.summary.addRaw(markdown).write()
 * does. A summary that cannot be written is a warning, not a failure: the refusal is already in the log.
 */
export function appendSummary(markdown: string): void {
  const file = process.env.GITHUB_STEP_SUMMARY || '';
  try {
    if (!file)
      throw new Error(
        'Unable to find environment variable for $GITHUB_STEP_SUMMARY. Check if your runtime environment supports job summaries.',
      );
    appendFileSync(file, markdown, { encoding: 'utf8' });
  } catch (e) {
    warning(`could not write the job summary: ${(e as Error).message}`);
  }
}

/** Prints ::add-mask::, as core.setSecret does: the runner hides the value wherever it appears in the log. */
export function setSecret(value: string): void {
  process.stdout.write(`::add-mask::${escapeData(value)}${EOL}`);
}

/** Prints ::warning::, as core.warning does. */
export function warning(message: string): void {
  process.stdout.write(`::warning::${escapeData(message)}${EOL}`);
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Prints a log line, as core.info does. */
export function info(message: string): void {
  process.stdout.write(message + EOL);
}

/** Folds what fn logs under a heading, as core.group does. */
export async function group<T>(name: string, fn: () => Promise<T>): Promise<T> {
  process.stdout.write(`::group::${escapeData(name)}${EOL}`);
  try {
    return await fn();
  } finally {
    process.stdout.write(`::endgroup::${EOL}`);
  }
}
