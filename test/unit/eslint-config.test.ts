// The lint config states the architecture by folder: core/ and report/ import no adapter, phase or
// I/O package (types included), adapters import no phase. Each case lints a real file written into
// its folder with the project's config, beside a clean one that passes, so the rule is seen to bite.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const tag = `lint-probe-${process.pid}`;

/** Probe files: where each sits, what it imports. */
const PROBES = {
  coreClean: ['src/core/migration', "import type { StateRecord } from './state.ts';\nexport type X = StateRecord;\n"],
  coreAdapterType: [
    'src/core/migration',
    "import type { ReleaseKube } from '../../adapters/kube/release-kube.ts';\nexport type X = ReleaseKube;\n",
  ],
  coreAdapterValue: [
    'src/core/inputs',
    "import { CONTROL_PLANE_CONTAINER } from '../../adapters/kube/log-gate.ts';\nexport const x = CONTROL_PLANE_CONTAINER;\n",
  ],
  corePhaseType: [
    'src/core/fleet',
    "import type { PhaseDeps } from '../../phases/steps/deps.ts';\nexport type X = PhaseDeps;\n",
  ],
  coreIo: ['src/core/migration', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
  reportAdapterType: [
    'src/report',
    "import type { EtcdOps } from '../adapters/etcd/ops.ts';\nexport type X = EtcdOps;\n",
  ],
  adapterPhaseType: [
    'src/adapters/kube',
    "import type { PhaseDeps } from '../../phases/steps/deps.ts';\nexport type X = PhaseDeps;\n",
  ],
  adapterClean: [
    'src/adapters/kube',
    "import type { StateRecord } from '../../core/migration/state.ts';\nexport type X = StateRecord;\n",
  ],
} as const;
type Probe = keyof typeof PROBES;

const BOUNDARY_RULE = '@typescript-eslint/no-restricted-imports';
const fileOf = (p: Probe) => join(ROOT, PROBES[p][0], `${tag}-${p}.ts`);
const found = new Map<Probe, ESLint.LintResult['messages']>();

beforeAll(async () => {
  for (const p of Object.keys(PROBES) as Probe[]) writeFileSync(fileOf(p), PROBES[p][1]);
  try {
    // The project's config as it is; only the boundary rule runs, so no type information is built.
    const eslint = new ESLint({
      cwd: ROOT,
      overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
      ruleFilter: ({ ruleId }) => ruleId === BOUNDARY_RULE,
    });
    const results = await eslint.lintFiles((Object.keys(PROBES) as Probe[]).map(fileOf));
    for (const p of Object.keys(PROBES) as Probe[]) {
      found.set(p, results.find((r) => r.filePath === fileOf(p))!.messages);
    }
  } finally {
    for (const p of Object.keys(PROBES) as Probe[]) rmSync(fileOf(p), { force: true });
  }
}, 120_000);
afterAll(() => {
  for (const p of Object.keys(PROBES) as Probe[]) rmSync(fileOf(p), { force: true });
});

const boundary = (p: Probe) => found.get(p)!.map((m) => `${m.ruleId}: ${m.message}`);

describe('the lint boundary by folder', () => {
  it('passes a core file that imports core, and an adapter that imports core', () => {
    expect(found.get('coreClean')).toEqual([]);
    expect(found.get('adapterClean')).toEqual([]);
  });

  it('fails a core file that imports an adapter, even only a type', () => {
    for (const p of ['coreAdapterType', 'coreAdapterValue'] as const) {
      expect(boundary(p)).toEqual([
        expect.stringMatching(
          /^@typescript-eslint\/no-restricted-imports: .*The pure core takes data, not adapters \(types included\)/,
        ),
      ]);
    }
  });

  it('fails a core file that imports a phase or an I/O package', () => {
    expect(boundary('corePhaseType')).toEqual([
      expect.stringContaining('The core does not depend on phases or the runner.'),
    ]);
    expect(boundary('coreIo')).toEqual([expect.stringContaining('The pure core does no I/O')]);
  });

  it('fails a report file that imports an adapter type', () => {
    expect(boundary('reportAdapterType')).toEqual([expect.stringContaining('The pure core takes data, not adapters')]);
  });

  it('fails an adapter that imports a phase, even only a type', () => {
    expect(boundary('adapterPhaseType')).toEqual([
      expect.stringContaining('Adapters do not depend on phases or the runner (types included)'),
    ]);
  });
});
