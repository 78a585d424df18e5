// parseInputs' own rules: the phase read first, and each settings reader kept to its phases.
import { describe, expect, it } from 'vitest';
import { parseFleetSettings, parseInputs, parseSettings } from '../../../../src/core/inputs/inputs.ts';
import { inputError, inputsWith } from '../../../support/inputs.ts';

describe('parseInputs', () => {
  it('an empty phase is refused with every phase named, plan as the read-only default', () => {
    const e = inputError(() => parseInputs(inputsWith({ phase: '' })), { phase: '' });
    expect(e.message).toContain(
      'one of plan, migrate, finalize, abort, status, discover; leave the input out for plan',
    );
  });

  it('parseSettings is for the release phases and parseFleetSettings for discover: a mix-up is a bug, said plainly', () => {
    expect(() => parseSettings(inputsWith({ phase: 'discover', release: '', namespace: '' }))).toThrow(
      'parseSettings: phase discover has FleetSettings (parseFleetSettings)',
    );
    expect(() => parseFleetSettings(inputsWith({ phase: 'plan' }))).toThrow(
      'parseFleetSettings: phase plan has Settings (parseSettings)',
    );
    expect(parseSettings(inputsWith({ phase: 'plan' })).phase).toBe('plan');
  });
});
