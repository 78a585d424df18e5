// The action's entry point. Inputs are parsed first, with only light modules loaded, so a bad
// input is refused fast; the runner (and with it @actions/core and the Kubernetes, Helm, etcd and
// GitHub adapters) is a separate chunk of dist/, loaded only after that.
import { getInput, setFailed, setOutput } from './workflow-commands.ts';
import { parseSettings, InputError, type Settings } from './config.ts';

async function main(): Promise<void> {
  let settings: Settings;
  try {
    settings = parseSettings(getInput);
  } catch (e) {
    if (e instanceof InputError) {
      setOutput('status', 'refused');
      setFailed(e.message);
      return;
    }
    throw e;
  }
  const { runPhase } = await import('./runner.ts');
  await runPhase(settings);
}

main().catch((e: unknown) => setFailed(`unexpected error: ${(e as Error).message}`));
