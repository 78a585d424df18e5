// upload-artifact stand-in: validates the inputs as actions/upload-artifact does (name characters,
// retention-days, if-no-files-found, a second upload of one name), then copies the files.
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const input = (name) => (process.env[`INPUT_${name.toUpperCase()}`] ?? '').trim();
const fail = (msg) => {
  console.log(`::error::${msg}`);
  process.exit(1);
};
const store = process.env.UPLOAD_ARTIFACT_STANDIN_DIR;
if (!store) fail('upload-artifact stand-in: UPLOAD_ARTIFACT_STANDIN_DIR is not set');
const name = input('name') || 'artifact';
// actions/upload-artifact refuses these characters in a name.
if (/[":<>|*?\r\n\\/]/.test(name))
  fail(`The artifact name is not valid: ${name}. Contains the following character: one of " : < > | * ? \\r \\n \\ /`);
const retention = Number(input('retention-days') || '0');
if (!Number.isInteger(retention) || retention < 0 || retention > 90)
  fail(`Invalid retention, minimum value is 1, maximum is 90: ${input('retention-days')}`);
const mode = input('if-no-files-found') || 'warn';
if (!['warn', 'error', 'ignore'].includes(mode))
  fail(`Unrecognized if-no-files-found input. Provided: ${mode}. Available options: warn,error,ignore`);
const paths = input('path')
  .split('\n')
  .map((p) => p.trim())
  .filter(Boolean);
if (paths.some((p) => /[*?[]/.test(p)))
  fail('upload-artifact stand-in: globs are not supported here; name files or directories');
const found = paths.map((p) => resolve(process.env.GITHUB_WORKSPACE ?? '.', p)).filter((p) => existsSync(p));
if (found.length === 0) {
  const msg = `No files were found with the provided path: ${paths.join(', ')}. No artifacts will be uploaded.`;
  if (mode === 'error') fail(msg);
  if (mode === 'warn') console.log(`::warning::${msg}`);
  process.exit(0);
}
const dir = join(store, process.env.GITHUB_RUN_ID ?? '0', name);
if (existsSync(dir) && input('overwrite') !== 'true') {
  fail(
    `Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: an artifact with this name already exists on the workflow run`,
  );
}
mkdirSync(dir, { recursive: true });
const hash = createHash('sha256');
for (const p of found) {
  cpSync(p, join(dir, basename(p)), { recursive: true });
  if (statSync(p).isFile()) hash.update(readFileSync(p));
}
const id = Date.now() % 1_000_000_000;
writeFileSync(
  join(dir, '.artifact.json'),
  JSON.stringify({ id, name, retentionDays: retention, files: found.map((p) => basename(p)) }),
);
const digest = hash.digest('hex');
console.log(
  `Artifact ${name} has been successfully uploaded! Final size is ${found.map((p) => statSync(p).size).reduce((a, b) => a + b, 0)} bytes. Artifact ID is ${id}`,
);
const repo = process.env.GITHUB_REPOSITORY;
appendFileSync(
  process.env.GITHUB_OUTPUT,
  `artifact-id=${id}\nartifact-url=${process.env.GITHUB_SERVER_URL}/${repo}/actions/runs/${process.env.GITHUB_RUN_ID}/artifacts/${id}\nartifact-digest=${digest}\n`,
);
