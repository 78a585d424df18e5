// Lint rules: typescript-eslint with the type-aware checks that catch lost promises, imports first,
// and the boundary that keeps the pure core (decisions, parsing, rendering) free of adapters and I/O.
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// The folders are the architecture: a file's place says what it may import.
//   src/core/     pure decisions (inputs, the migration, the fleet): data in, decisions out
//   src/report/   pure rendering of what a run did
//   src/adapters/ the only code that touches the world (Kubernetes, Helm, etcd, GitHub, the terminal)
//   src/phases/   one file per phase input, sequencing adapters and core; shared steps in phases/steps/
//   src/main.ts, src/cli.ts, src/runner.ts: the entry points (action, command line) and the wiring
const PURE = ['src/core/**/*.ts', 'src/report/**/*.ts'];
const ADAPTERS = ['src/adapters/**/*.ts'];
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
const ADAPTER_MODULES = ['**/adapters/**'];
const ORCHESTRATION = ['**/phases/**', '**/runner.ts', '**/main.ts', '**/cli.ts'];

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
    files: PURE,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ADAPTER_MODULES,
              message:
                'The pure core takes data, not adapters (types included): move the type to core/ or the call to a phase.',
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
              message: 'Adapters do not depend on phases or the runner (types included): move the type to core/.',
            },
          ],
        },
      ],
    },
  },
);
