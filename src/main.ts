// The action's entry point. Inputs are parsed first, with only light modules loaded, so a bad
// input is refused fast; the Kubernetes, Helm, etcd and GitHub adapters load only after that.
import * as core from '@actions/core';
import { parseSettings, InputError, type Settings } from './config.ts';
import { renderInputRefusal } from './summary.ts';

async function main(): Promise<void> {
  let settings: Settings;
  try {
    settings = parseSettings((name) => core.getInput(name));
  } catch (e) {
    if (e instanceof InputError) {
      core.setOutput('status', 'refused');
      core.setFailed(e.message);
      await core.summary.addRaw(renderInputRefusal(e.problems)).write().catch((w) => core.warning(`could not write the job summary: ${(w as Error).message}`));
      return;
    }
    throw e;
  }
  // Eager: bundled into index.js (one minified file) but evaluated only here.
  const { runPhase } = await import(/* webpackMode: "eager" */ './runner.ts');
  await runPhase(settings);
}

main().catch((e: unknown) => core.setFailed(`unexpected error: ${(e as Error).message}`));
