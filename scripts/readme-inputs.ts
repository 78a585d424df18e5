// Writes the README's inputs table from the input catalog and its outputs table from action.yml,
// between the markers <!-- inputs:start --> ... <!-- inputs:end --> and <!-- outputs:start --> ... <!-- outputs:end -->.
// `node scripts/readme-inputs.ts --check` fails when the README is stale or when action.yml's inputs
// and the catalog disagree (CI runs it through a test).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { INPUTS, PHASE_NAMES, catalogMismatches } from '../src/core/inputs/catalog.ts';

interface ActionYml {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
}

const cell = (t: string): string => t.replace(/\|/g, '\\|').replace(/\n/g, ' ').trim();

/** Where action.yml's inputs and the catalog disagree (empty when they agree). */
export function actionYmlMismatches(actionYml: string): string[] {
  return catalogMismatches((parse(actionYml) as ActionYml).inputs);
}

const phasesCell = (phases: readonly string[]): string =>
  phases.length === PHASE_NAMES.length ? 'all' : phases.join(', ');

export function renderTables(actionYml: string): { inputs: string; outputs: string } {
  const a = parse(actionYml) as ActionYml;
  const inputs = [
    '| input | required | default | phases | secret | description |',
    '| --- | --- | --- | --- | --- | --- |',
    ...INPUTS.map(
      (i) =>
        `| \`${i.name}\` | ${i.required ? 'yes' : 'no'} | ${i.default ? `\`${cell(i.default)}\`` : ''} | ${phasesCell(i.phases)} | ${i.secret ? 'yes' : 'no'} | ${cell(i.description)} |`,
    ),
  ].join('\n');
  const outputs = [
    '| output | description |',
    '| --- | --- |',
    ...Object.entries(a.outputs).map(([k, v]) => `| \`${k}\` | ${cell(v.description)} |`),
  ].join('\n');
  return { inputs, outputs };
}

export function updateReadme(readme: string, actionYml: string): string {
  const t = renderTables(actionYml);
  let out = readme;
  for (const [name, table] of Object.entries(t)) {
    const re = new RegExp(`(<!-- ${name}:start -->)[\\s\\S]*?(<!-- ${name}:end -->)`);
    if (!re.test(out)) throw new Error(`README.md has no <!-- ${name}:start --> / <!-- ${name}:end --> markers`);
    out = out.replace(re, `$1\n${table}\n$2`);
  }
  return out;
}

if (import.meta.main) {
  const root = join(import.meta.dirname, '..');
  const readmePath = join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const next = updateReadme(readme, readFileSync(join(root, 'action.yml'), 'utf8'));
  const mismatches = actionYmlMismatches(readFileSync(join(root, 'action.yml'), 'utf8'));
  if (mismatches.length > 0) {
    console.error(`action.yml's inputs and the input catalog disagree:\n${mismatches.join('\n')}`);
    process.exit(1);
  }
  if (process.argv.includes('--check')) {
    if (next !== readme) {
      console.error('README.md inputs/outputs tables are stale: run npm run docs');
      process.exit(1);
    }
  } else {
    writeFileSync(readmePath, next);
  }
}
