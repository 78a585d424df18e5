// The action's entry point. Inputs are parsed first, with only light modules loaded, so a bad
// input is refused fast; the runner (and with it @actions/core and the Kubernetes, Helm, etcd and
// GitHub adapters) is a separate chunk of dist/, loaded only after that.
import {
  appendSummary,
  getInput,
  setFailed,
  setOutput,
  setSecret,
  warning,
} from './adapters/github/workflow-commands.ts';
import { InputError } from './core/inputs/input-reader.ts';
import { parseInputs, type ParsedInputs } from './core/inputs/inputs.ts';
import { PHASE_NAMES, secretsToMask } from './core/inputs/catalog.ts';
import { renderInputRefusal } from './report/summary.ts';
import { probePath } from './adapters/runner/path-probe.ts';

async function main(): Promise<void> {
  // Masked before anything is checked or printed: no message can show a secret input after this.
  for (const s of secretsToMask(getInput)) setSecret(s);
  const inputs = parsed();
  if (!inputs) return;
  for (const w of inputs.warnings) warning(w);
  if (inputs.phase === 'discover') {
    // The fleet phase: its own runner, a lazy chunk like the runner; its front door is the light
    // workflow commands (not @actions/core, which costs discover about 30 MB at its peak).
    const [{ runDiscover }, { githubFleetFrontDoor }] = await Promise.all([
      import('./phases/discover.ts'),
      import('./adapters/github/fleet-front-door.ts'),
    ]);
    await runDiscover(inputs.settings, githubFleetFrontDoor());
    return;
  }
  const [{ runPhase }, { githubFrontDoor }] = await Promise.all([
    import('./runner.ts'),
    import('./adapters/github/front-door.ts'),
  ]);
  await runPhase(inputs.settings, githubFrontDoor(inputs.settings), inputs.warnings);
}

/** The inputs, or undefined after a refusal: status, phase, error and job summary name every bad input. */
function parsed(): ParsedInputs | undefined {
  try {
    return parseInputs(getInput, 'action', probePath);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const summary = renderInputRefusal(e.problems);
    const phase = getInput('phase');
    setOutput('status', 'refused');
    setOutput('phase', (PHASE_NAMES as readonly string[]).includes(phase) ? phase : '');
    setOutput('summary-markdown', summary);
    setFailed(e.message);
    appendSummary(summary);
    return undefined;
  }
}

main().catch((e: unknown) => setFailed(`unexpected error: ${(e as Error).message}`));
