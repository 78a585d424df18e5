// Writes the README's screenshots (docs/*.png) from real runs: the rendering test runs plan,
// migrate, a refused finalize, a failed phase one and discover on the local cluster, draws their
// job summaries and PR comments in Chromium, and with DOCS_SCREENSHOTS set saves two of them there.
// `npm run docs:screenshots` (needs the sandbox built, as the e2e tests do: bash sandbox/build.sh).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const docs = join(root, 'docs');
const files = ['migrate-summary.png', 'finalize-refused-comment.png'];
const r = spawnSync('npx', ['vitest', 'run', 'test/e2e/rendered-summaries.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, DOCS_SCREENSHOTS: docs },
});
if (r.status !== 0) process.exit(r.status ?? 1);
const missing = files.filter((f) => !existsSync(join(docs, f)));
if (missing.length > 0) {
  console.error(`the rendering test passed but did not write ${missing.join(', ')} into docs/`);
  process.exit(1);
}
console.log(`wrote ${files.map((f) => `docs/${f}`).join(', ')}`);
