// Writes the README's inputs and outputs tables from action.yml, between the markers
// <!-- inputs:start --> ... <!-- inputs:end --> and <!-- outputs:start --> ... <!-- outputs:end -->.
// `node scripts/readme-inputs.ts --check` fails when the README is stale (CI runs it through a test).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface ActionYml {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
}

const cell = (t: string): string => t.replace(/\|/g, '\\|').replace(/\n/g, ' ').trim();

export function renderTables(actionYml: string): { inputs: string; outputs: string } {
  const a = parse(actionYml) as ActionYml;
  const inputs = [
    '| input | required | default | description |',
    '| --- | --- | --- | --- |',
    ...Object.entries(a.inputs).map(
      ([k, v]) =>
        `| \`${k}\` | ${v.required ? 'yes' : 'no'} | ${v.default ? `\`${cell(v.default)}\`` : ''} | ${cell(v.description)} |`,
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
  if (process.argv.includes('--check')) {
    if (next !== readme) {
      console.error('README.md inputs/outputs tables are stale: run npm run docs');
      process.exit(1);
    }
  } else {
    writeFileSync(readmePath, next);
  }
}
