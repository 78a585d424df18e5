// TEMPORARY shim
import { parseSettings, type GetInput, type FrontDoor } from './config.ts';
import { parseFleetSettings } from './fleet-config.ts';
export function parseInputs(get: GetInput, door: FrontDoor = 'action') {
  if (get('phase') === 'discover')
    return { phase: 'discover' as const, settings: parseFleetSettings(get), warnings: [] as string[] };
  const settings = parseSettings(get, door);
  return { phase: settings.phase, settings, warnings: [] as string[] };
}
