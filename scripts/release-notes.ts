// The release notes of a tag, from CHANGELOG.md: `node scripts/release-notes.ts --tag v1.2.3` prints the
// section `## 1.2.3` (up to the next `## `) and fails when the tag is not vX.Y.Z, when package.json
// names another version, or when the section is missing or empty. The release workflow publishes it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const TAG = /^v(\d+)\.(\d+)\.(\d+)$/;

/** The lines of the section of `version` (headed `## 1.2.3`, `## [1.2.3]`, optionally followed by a date). */
export function releaseNotes(changelog: string, version: string): string {
  const lines = changelog.split('\n');
  const head = new RegExp(`^## \\[?${version.replace(/\./g, '\\.')}\\]?(\\s|$)`);
  const start = lines.findIndex((l) => head.test(l));
  if (start < 0)
    throw new Error(`CHANGELOG.md has no section "## ${version}": add the release's notes under that heading`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  const body = lines
    .slice(start + 1, end < 0 ? undefined : end)
    .join('\n')
    .trim();
  if (body === '') throw new Error(`CHANGELOG.md's section "## ${version}" is empty: say what changed`);
  return `${body}\n`;
}

/** The version of tag `tag` (vX.Y.Z), checked against package.json's. */
export function tagVersion(tag: string, packageVersion: string): string {
  const m = TAG.exec(tag);
  if (!m) throw new Error(`tag ${JSON.stringify(tag)} is not vX.Y.Z (a release tag, like v1.2.3)`);
  const version = `${m[1]}.${m[2]}.${m[3]}`;
  if (version !== packageVersion)
    throw new Error(
      `tag ${tag} names version ${version}, package.json ${packageVersion}: bump package.json in the tagged commit`,
    );
  return version;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { tag: { type: 'string' } } });
  const root = join(import.meta.dirname, '..');
  try {
    if (!values.tag) throw new Error('usage: node scripts/release-notes.ts --tag vX.Y.Z');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const version = tagVersion(values.tag, pkg.version);
    process.stdout.write(releaseNotes(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'), version));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
