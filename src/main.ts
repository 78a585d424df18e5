// The action's entry point. Inputs are parsed first, with only light modules loaded, so a bad
// input is refused fast; the Kubernetes, Helm, etcd and GitHub adapters load only after that.
import * as core from '@actions/core';
import { parseSettings, InputError, type Settings } from './config.ts';
import { renderInputRefusal } from './summary.ts';

async function main(): Promise<void> {
  if (core.getInput('phase').trim() === 'discover') return discover();
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

/** The fleet phase: its own inputs (no release), its own runner. */
async function discover(): Promise<void> {
  const { parseFleetSettings } = await import(/* webpackMode: "eager" */ './fleet-config.ts');
  let settings;
  try {
    settings = parseFleetSettings((name) => core.getInput(name));
  } catch (e) {
    if (e instanceof InputError) {
      core.setOutput('status', 'refused');
      core.setFailed(e.message);
      return;
    }
    throw e;
  }
  const { runDiscover } = await import(/* webpackMode: "eager" */ './phases/discover.ts');
  await runDiscover(settings);
}

main().catch((e: unknown) => core.setFailed(`unexpected error: ${(e as Error).message}`));
