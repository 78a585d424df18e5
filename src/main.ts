// The action's entry point. Inputs are parsed first, with only light modules loaded, so a bad
// input is refused fast; the runner (and with it @actions/core and the Kubernetes, Helm, etcd and
// GitHub adapters) is a separate chunk of dist/, loaded only after that.
import { appendSummary, getInput, setFailed, setOutput } from './workflow-commands.ts';
import { parseSettings, InputError, type Settings } from './config.ts';
import { renderInputRefusal } from './summary.ts';

async function main(): Promise<void> {
  if (getInput('phase') === 'discover') return discover();
  let settings: Settings;
  try {
    settings = parseSettings(getInput);
  } catch (e) {
    if (e instanceof InputError) {
      setOutput('status', 'refused');
      setFailed(e.message);
      appendSummary(renderInputRefusal(e.problems));
      return;
    }
    throw e;
  }
  const { runPhase } = await import('./runner.ts');
  await runPhase(settings);
}

/** The fleet phase: its own inputs (no release), its own runner; both lazy chunks like the runner. */
async function discover(): Promise<void> {
  const { parseFleetSettings } = await import('./fleet-config.ts');
  let settings;
  try {
    settings = parseFleetSettings(getInput);
  } catch (e) {
    if (e instanceof InputError) {
      setOutput('status', 'refused');
      setFailed(e.message);
      return;
    }
    throw e;
  }
  const { runDiscover } = await import('./phases/discover.ts');
  await runDiscover(settings);
}

main().catch((e: unknown) => setFailed(`unexpected error: ${(e as Error).message}`));
