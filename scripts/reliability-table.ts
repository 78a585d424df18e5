// Writes the README's Reliability table (between <!-- reliability:start --> and
// <!-- reliability:end -->) from the rows the fault and hostile-input tests recorded in
// .sandbox/reliability.jsonl (test/support/reliability.ts). Run after the tests:
// `npm run docs:reliability` (`-- --check` fails when the README differs, `-- --log file` reads another record).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Row {
  scenario: string;
  done: string;
  action: string;
  dataLost: string;
  group?: string;
}

/** One table cell: one line, no HTML, no cell breaks, no stray code spans or emphasis. */
export function cell(text: string): string {
  return text
    .replace(/\r\n|[\r\n\u2028\u2029]/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|]/g, (c) => `\\${c}`)
    .trim();
}

/** Parses the record; a later row of the same scenario replaces the earlier one (re-runs). */
export function readRows(jsonl: string): Row[] {
  const rows = new Map<string, Row>();
  jsonl.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let r: Row;
    try {
      r = JSON.parse(line) as Row;
    } catch {
      throw new Error(`reliability record line ${i + 1} is not JSON; delete the file and run the tests again`);
    }
    if (!r.scenario || !r.done || !r.action || !r.dataLost)
      throw new Error(`reliability record line ${i + 1} lacks scenario, done, action or dataLost`);
    rows.set(r.scenario, r);
  });
  return [...rows.values()];
}

/** Sections in name order (Faults before Hostile input), rows by scenario: stable across runs. */
export function renderTable(rows: Row[]): string {
  if (rows.length === 0) throw new Error('the reliability record has no rows: run the tests first (npm test)');
  const groups = new Map<string, Row[]>();
  for (const r of rows) groups.set(r.group ?? 'Other', [...(groups.get(r.group ?? 'Other') ?? []), r]);
  const out: string[] = [];
  // "none" may be followed by how it was checked: "none (compared group by group)".
  const lost = rows.filter((r) => !/^none\b/i.test(r.dataLost.trim())).length;
  out.push(
    `${rows.length} scenarios from the last test run; data lost in ${lost === 0 ? 'none' : `**${lost}**`} of them.`,
  );
  for (const name of [...groups.keys()].sort()) {
    out.push(
      '',
      `### ${cell(name)}`,
      '',
      '| scenario | what was done | what the action did | data lost |',
      '| --- | --- | --- | --- |',
    );
    for (const r of groups.get(name)!.sort((a, b) => a.scenario.localeCompare(b.scenario))) {
      out.push(`| ${cell(r.scenario)} | ${cell(r.done)} | ${cell(r.action)} | ${cell(r.dataLost)} |`);
    }
  }
  return out.join('\n');
}

export function updateReadme(readme: string, table: string): string {
  const re = /(<!-- reliability:start -->)[\s\S]*?(<!-- reliability:end -->)/;
  if (!re.test(readme))
    throw new Error(
      'README.md has no <!-- reliability:start --> / <!-- reliability:end --> markers (under ## Reliability)',
    );
  return readme.replace(re, (_m, start: string, end: string) => `${start}\n${table}\n${end}`);
}

if (import.meta.main) {
  const root = join(import.meta.dirname, '..');
  const at = process.argv.indexOf('--log');
  const log = at >= 0 ? process.argv[at + 1]! : join(root, '.sandbox/reliability.jsonl');
  if (!existsSync(log)) {
    console.error(`${log} does not exist: run the tests first (npm test); they record one row per scenario`);
    process.exit(1);
  }
  const readmePath = join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const next = updateReadme(readme, renderTable(readRows(readFileSync(log, 'utf8'))));
  if (process.argv.includes('--check')) {
    if (next !== readme) {
      console.error('README.md Reliability table differs from the last test run: run npm run docs:reliability');
      process.exit(1);
    }
  } else {
    writeFileSync(readmePath, next);
  }
}
