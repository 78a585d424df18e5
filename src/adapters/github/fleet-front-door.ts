// The front door of phase discover: the log, outputs and job summary through the light workflow
// commands, which write what @actions/core writes without loading it (and its HTTP client).
import { tmpdir } from 'node:os';
import type { FleetFrontDoor } from '../../core/front-door.ts';
import { appendSummary, group, info, setFailed, setOutput, warning } from './workflow-commands.ts';
import { runUrlOf } from './workflow-run.ts';

/** Discover reads the fleet with its own settings and comments on no PR. */
export function githubFleetFrontDoor(): FleetFrontDoor {
  return {
    log: { info, warning, group },
    runUrl: runUrlOf(),
    tempDir: process.env.RUNNER_TEMP || tmpdir(),
    async finish(end) {
      for (const [name, value] of Object.entries(end.outputs)) setOutput(name, value);
      if (end.summary !== '') appendSummary(end.summary);
      if (end.failure !== undefined) setFailed(end.failure);
      else if (end.report) info(`${end.status}: ${end.report.headline}`);
    },
  };
}
