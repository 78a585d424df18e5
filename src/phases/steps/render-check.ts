// Renders phase one with `helm template` before anything changes, and refuses when the control
// plane's /data would not be a volume claim template (the values guard cannot see every chart path).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from './deps.ts';
import { PhaseStop, step } from './deps.ts';
import { dataVolumeProblem } from '../../core/migration/rendered.ts';
import { valuesYaml, type PhaseValues } from '../../core/migration/values.ts';

export async function checkRenderedDataVolume(d: Deps, values: PhaseValues): Promise<void> {
  const s = d.settings;
  const file = join(d.workDir, `${s.release}-phase-one-render-values.yaml`);
  writeFileSync(file, valuesYaml(values.phase1), { mode: 0o600 });
  const problem = await step(
    d,
    'render phase one: /data on a volume claim',
    async () => {
      const manifest = await d.helm.template(s.release, s.namespace, s.chart, s.chartVersion.text, file);
      return dataVolumeProblem(manifest, s.release, values.storage.size);
    },
    (p) => (p ? 'refused' : `/data is volume claim template data of StatefulSet ${s.release}`),
  );
  if (problem) {
    throw new PhaseStop(
      'refused',
      `the embedded etcd would not keep its data on a volume claim: ${problem}`,
      `nothing was changed; remove the setting that gives /data another volume from input 'values' or from the release values (helm get values ${s.release} -n ${s.namespace} shows them), then run again`,
    );
  }
}
