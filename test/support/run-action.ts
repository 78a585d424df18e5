// The built action run as a GitHub runner runs it (sandbox/action-runner.ts), called the way the
// integration tests do: inputs, extra environment, timeout.
import { runAction as runBuiltAction, type ActionResult } from '../../sandbox/action-runner.ts';

export type ActionRun = ActionResult;

export function runAction(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  timeoutMs = 900_000,
): Promise<ActionRun> {
  return runBuiltAction(inputs, { env, timeoutMs });
}
