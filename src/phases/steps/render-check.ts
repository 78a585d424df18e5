// Renders phase one with `helm template` before anything changes, and refuses when the control
// plane's /data would not be a volume claim template (the values guard cannot see every chart path).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PhaseDeps } from './deps.ts';
import { step } from './deps.ts';
import { PhaseStop } from './outcome.ts';
import { dataVolumeProblem } from '../../core/migration/rendered.ts';
import { valuesYaml, type PhaseValues } from '../../core/migration/values.ts';

export async function checkRenderedDataVolume(deps: PhaseDeps, values: PhaseValues): Promise<void> {
  const { release, namespace } = deps.settings;
  const file = join(deps.workDir, `${release}-phase-one-render-values.yaml`);
  writeFileSync(file, valuesYaml(values.phase1), { mode: 0o600 });
  const problem = await step(
    deps,
    'render phase one: /data on a volume claim',
    async () => dataVolumeProblem(await deps.helm.template(file), release, values.storage.size),
    (p) => (p ? 'refused' : `/data is volume claim template data of StatefulSet ${release}`),
  );
  if (problem) {
    throw new PhaseStop(
      'refused',
      `the embedded etcd would not keep its data on a volume claim: ${problem}`,
      `nothing was changed; remove the setting that gives /data another volume from input 'values' or from the release values (helm get values ${release} -n ${namespace} shows them), then run again`,
    );
  }
}
