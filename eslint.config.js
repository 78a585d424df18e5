// Lint rules: typescript-eslint with the type-aware checks that catch lost promises, imports first,
// and the boundary that keeps the pure core (decisions, parsing, rendering) free of adapters and I/O.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Pure: decide, parse, render. No I/O, no clients; adapters hand them data. */
const CORE = [
  'src/api-retry.ts',
  'src/approval.ts',
  'src/census.ts',
  'src/census-table.ts',
  'src/cluster-view.ts',
  'src/comment-render.ts',
  'src/config.ts',
  'src/decide.ts',
  'src/duration.ts',
  'src/etcd-flags.ts',
  'src/fleet-config.ts',
  'src/fleet-summary.ts',
  'src/fleet.ts',
  'src/gitops.ts',
  'src/helm-record.ts',
  'src/kube-context.ts',
  'src/log-scan.ts',
  'src/markdown.ts',
  'src/outputs.ts',
  'src/permissions.ts',
  'src/preflight.ts',
  'src/quantity.ts',
  'src/recopy.ts',
  'src/rendered.ts',
  'src/report.ts',
  'src/state.ts',
  'src/summary.ts',
  'src/types.ts',
  'src/values-view.ts',
  'src/values.ts',
  'src/version.ts',
  'src/etcd/certs.ts',
  'src/etcd/proto.ts',
];

/**
 * Adapters: Kubernetes (client-node), Helm (@actions/exec), etcd (grpc, files), GitHub (@actions/github).
 * approval-api.ts, comment.ts and log-gate.ts make the calls around a pure part; the runner wires it all.
 */
const ADAPTERS = [
  'src/approval-api.ts',
  'src/backup.ts',
  'src/comment.ts',
  'src/control-plane-diagnosis.ts',
  'src/etcd-ops.ts',
  'src/github-context.ts',
  'src/helm-storage.ts',
  'src/helm.ts',
  'src/kube-fleet.ts',
  'src/kube-lite.ts',
  'src/kube.ts',
  'src/kubeconfig.ts',
  'src/log-gate.ts',
  'src/octokit.ts',
  'src/state-store.ts',
  'src/workflow-commands.ts',
  'src/etcd/access.ts',
  'src/etcd/census-reader.ts',
  'src/etcd/client.ts',
  'src/etcd/port-forward.ts',
  'src/etcd/snapshot-file.ts',
  'src/etcd/snapshot-scan.ts',
];

/** Wiring: the entry point, the runner that builds the adapters, and the phases that sequence them. */
const ORCHESTRATION_FILES = ['src/main.ts', 'src/runner.ts', 'src/context.ts', 'src/phases/*.ts'];

// A new file under src/ must be placed in one of the groups, or the boundary would not cover it.
const unplaced = readdirSync(join(import.meta.dirname, 'src'), { recursive: true })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `src/${f}`)
  .filter(
    (f) =>
      !CORE.includes(f) && !ADAPTERS.includes(f) && !ORCHESTRATION_FILES.includes(f) && !f.startsWith('src/phases/'),
  );
if (unplaced.length > 0)
  throw new Error(`eslint.config.js: list ${unplaced.join(', ')} in CORE or ADAPTERS (or ORCHESTRATION_FILES)`);

const ADAPTER_MODULES = ADAPTERS.map((f) => `**/${f.replace(/^src\//, '')}`);
const IO_PACKAGES = [
  '@actions/*',
  '@grpc/*',
  '@kubernetes/*',
  'node:fs',
  'node:fs/*',
  'node:net',
  'node:child_process',
  'node:http',
  'node:https',
];
const ORCHESTRATION = ['**/phases/*', '**/runner.ts', '**/main.ts', '**/context.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.sandbox/**', 'coverage/**', 'sandbox/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      'import-x/first': 'error',
      'import-x/no-duplicates': 'error',
      // Errors are reworded into messages that name the input, the object and the remedy, with the cause's text
      // in them; a raw cause (a client's request and response) attached as well could reach a log.
      'preserve-caught-error': 'off',
    },
  },
  {
    // The stand-in actions of test/support run as plain Node scripts.
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: CORE,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ADAPTER_MODULES,
              allowTypeImports: true,
              message: 'The pure core takes data, not adapters: move the call to an adapter or a phase.',
            },
            { group: IO_PACKAGES, message: 'The pure core does no I/O: an adapter does it and passes the result.' },
            { group: ORCHESTRATION, message: 'The core does not depend on phases or the runner.' },
          ],
        },
      ],
    },
  },
  {
    files: ADAPTERS,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ORCHESTRATION,
              allowTypeImports: true,
              message: 'Adapters do not depend on phases or the runner.',
            },
          ],
        },
      ],
    },
  },
);
