import { describe, expect, it } from 'vitest';
import { commandHelp, phaseHelp } from '../../../src/report/cli-help.ts';
import { flagInputs, parseCommandLine, CLI_FLAGS } from '../../../src/core/cli/args.ts';
import { INPUTS, PHASE_NAMES } from '../../../src/core/inputs/catalog.ts';
import { markdownToText } from '../../../src/report/plain-text.ts';

const flagsIn = (help: string) => [...help.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]);

describe('the help of the command line', () => {
  it('names every phase, the exit codes and the environment', () => {
    const help = commandHelp(PHASE_NAMES, '1.2.3');
    expect(help).toMatch(/^vcluster-etcd-migrate 1\.2\.3: /);
    for (const p of PHASE_NAMES) expect(help).toMatch(new RegExp(`^  ${p} +\\S`, 'm'));
    expect(help).toContain('  0  done, or nothing to do');
    expect(help).toContain('  2  refused before any change');
    expect(help).toContain('  3  waiting for approval');
    for (const line of help.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    expect(help).toContain('NO_COLOR');
    expect(help).toContain('KUBECONFIG');
  });

  it("lists for each phase exactly the catalog's inputs of that phase, with their defaults, then the CLI's flags", () => {
    for (const phase of PHASE_NAMES) {
      const help = phaseHelp(phase, INPUTS);
      const inputs = flagInputs(INPUTS, phase).map((i) => i.name);
      const cli = CLI_FLAGS.filter((f) => !f.phases || f.phases.includes(phase)).map((f) => f.name);
      expect(flagsIn(help)).toEqual([...inputs, ...cli]);
      expect(help).not.toMatch(/--(github-token|approval-environment|pr-number) /);
    }
    const migrate = phaseHelp('migrate', INPUTS);
    expect(migrate).toContain(
      'Usage: vcluster-etcd-migrate migrate --release R --namespace N --chart-version V [flags]',
    );
    expect(migrate).toContain('--migration-timeout VALUE (default 15m)');
    expect(migrate).toContain('--chart-version VALUE (required)');
    expect(migrate).toContain('--gitops-paused [true|false] (default false)');
    expect(phaseHelp('finalize', INPUTS)).toContain('--approved-by NAME');
    expect(flagsIn(phaseHelp('plan', INPUTS))).not.toContain('approved-by');
  });

  it('keeps every line within 100 columns', () => {
    for (const phase of PHASE_NAMES)
      for (const line of phaseHelp(phase, INPUTS).split('\n'))
        if (!line.startsWith('  --')) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it('lists only flags the command line takes', () => {
    for (const phase of PHASE_NAMES)
      for (const name of flagsIn(phaseHelp(phase, INPUTS))) {
        const cmd = parseCommandLine([phase, `--${name}`, 'x'], INPUTS, PHASE_NAMES);
        const notAFlag = cmd.kind === 'refused' && cmd.problems.some((p) => /not a flag/.test(p.problem));
        expect(notAFlag, `--${name} of ${phase}`).toBe(false);
      }
  });
});

describe('the summary as text', () => {
  it('drops the Markdown marks and keeps code as it is', () => {
    const md =
      '## Migrate `my-vc`\n\n**Status: succeeded**\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<details><summary>Steps</summary>\n\n```\nx  y\n```\n</details>\nsee [the run](https://example.test/r/1) a\\_b &lt;x&gt;';
    expect(markdownToText(md)).toBe(
      'Migrate my-vc\n\nStatus: succeeded\n\n| a | b |\n| 1 | 2 |\n\nSteps:\n\n  x  y\nsee the run: https://example.test/r/1 a_b <x>',
    );
  });
});
