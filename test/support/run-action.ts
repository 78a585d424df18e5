// The built action run as a GitHub runner runs it (sandbox/action-runner.ts), with the ::error::
// messages decoded for the tests' assertions.
import { runAction as runBuiltAction, type ActionResult } from '../../sandbox/action-runner.ts';

export interface ActionRun extends ActionResult {
  /** The ::error:: messages, decoded. */
  errors: string[];
}

const decode = (s: string): string => s.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');

export async function runAction(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  timeoutMs = 900_000,
): Promise<ActionRun> {
  const r = await runBuiltAction(inputs, { env, timeoutMs });
  const errors = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('::error'))
    .map((l) => decode(l.replace(/^::error[^:]*::/, '')));
  return { ...r, errors };
}
