// Every input parsed once, before any cluster call: the phase first, then the inputs of that phase
// into its settings. Every input is checked in every phase, so a bad value is refused wherever it
// is given; a good one that the phase does not read gets a warning.
import { PHASE_NAMES, ignoredInputs, ignoredWarning, type PhaseName } from './catalog.ts';
import { inputReader, show, type GetInput, type InputReader, type PathProbe } from './input-reader.ts';
import { readReleaseOptions, readSettings, type FrontDoorKind, type Phase, type Settings } from './config.ts';
import { readFleetChoices, readFleetSettings, type FleetSettings } from './fleet-config.ts';

export type ParsedInputs =
  | { phase: 'discover'; settings: FleetSettings; warnings: string[] }
  | { phase: Phase; settings: Settings; warnings: string[] };

/** The phase; an empty one is refused, because a missing word must never run a step that changes the cluster. */
export function readPhase(r: InputReader): PhaseName | undefined {
  const v = r.given('phase');
  if (v === '')
    return r.bad(
      'phase',
      'is empty (an expression like ${{ inputs.phase }} that gave nothing?); an empty phase runs nothing',
      `one of ${PHASE_NAMES.join(', ')}; leave the input out for plan, the read-only default`,
    );
  if (!(PHASE_NAMES as readonly string[]).includes(v))
    return r.bad('phase', `${show(v)} is not a phase`, PHASE_NAMES.join(', '));
  return v as PhaseName;
}

/**
 * `door`: the command line asks for phase two's approval itself, so it needs no approval-environment,
 * and its paths are relative to the directory it runs in. `probe`: what is at a path (the entry
 * point's stat), for the inputs that name one.
 */
export function parseInputs(get: GetInput, door: FrontDoorKind = 'action', probe?: PathProbe): ParsedInputs {
  const r = inputReader(get, probe);
  const phase = readPhase(r);
  let parsed: ParsedInputs;
  if (phase === 'discover') {
    const settings = readFleetSettings(r);
    // Checked only: discover reads none of them, but a bad value is refused in every phase.
    readReleaseOptions(r, phase, settings.chartVersion === 'keep' ? undefined : settings.chartVersion, door);
    parsed = { phase, settings, warnings: [] };
  } else {
    // An unknown phase is refused by done() below, after every other input is checked too.
    const settings = readSettings(r, phase as Phase, door);
    readFleetChoices(r);
    parsed = { phase: phase as Phase, settings, warnings: [] };
  }
  r.done();
  parsed.warnings = ignoredInputs(parsed.phase, get).map((spec) => ignoredWarning(parsed.phase, spec));
  return parsed;
}

/** The settings of a release phase (plan, migrate, finalize, status). */
export function parseSettings(get: GetInput): Settings {
  const p = parseInputs(get);
  if (p.phase === 'discover') throw new Error('parseSettings: phase discover has FleetSettings (parseFleetSettings)');
  return p.settings;
}

/** The settings of phase discover. */
export function parseFleetSettings(get: GetInput): FleetSettings {
  const p = parseInputs(get);
  if (p.phase !== 'discover') throw new Error(`parseFleetSettings: phase ${p.phase} has Settings (parseSettings)`);
  return p.settings;
}
