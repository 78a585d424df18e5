// The action's entry point. Inputs are parsed first, with only light modules loaded, so a bad
// input is refused fast; the runner (and with it @actions/core and the Kubernetes, Helm, etcd and
// GitHub adapters) is a separate chunk of dist/, loaded only after that.
import { appendSummary, getInput, setFailed, setOutput } from './adapters/github/workflow-commands.ts';
import { parseSettings, InputError, type GetInput } from './core/inputs/config.ts';
import { renderInputRefusal } from './report/summary.ts';

async function main(): Promise<void> {
  if (getInput('phase') === 'discover') {
    // The fleet phase: its own inputs (no release) and its own runner, both lazy chunks like the runner.
    const { parseFleetSettings } = await import('./core/inputs/fleet-config.ts');
    const settings = parsed(parseFleetSettings);
    if (!settings) return;
    const [{ runDiscover }, { githubFleetFrontDoor }] = await Promise.all([
      import('./phases/discover.ts'),
      import('./adapters/github/front-door.ts'),
    ]);
    await runDiscover(settings, githubFleetFrontDoor());
    return;
  }
  const settings = parsed(parseSettings);
  if (!settings) return;
  const [{ runPhase }, { githubFrontDoor }] = await Promise.all([
    import('./runner.ts'),
    import('./adapters/github/front-door.ts'),
  ]);
  await runPhase(settings, githubFrontDoor(settings));
}

/** The settings, or undefined after a refusal: status, error and job summary name every bad input. */
function parsed<T>(parse: (get: GetInput) => T): T | undefined {
  try {
    return parse(getInput);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    setOutput('status', 'refused');
    setFailed(e.message);
    appendSummary(renderInputRefusal(e.problems));
    return undefined;
  }
}

main().catch((e: unknown) => setFailed(`unexpected error: ${(e as Error).message}`));
