// The runner's paths as the input checks see them: a directory, a file, or nothing usable.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { probePath } from '../../../../src/adapters/runner/path-probe.ts';

const dir = mkdtempSync(join(tmpdir(), 'path-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('probePath', () => {
  it('tells a directory from a file, and anything unusable from both', () => {
    mkdirSync(join(dir, 'chart'));
    writeFileSync(join(dir, 'chart', 'Chart.yaml'), 'name: vcluster\n');
    expect(probePath(join(dir, 'chart'))).toBe('directory');
    expect(probePath(join(dir, 'chart', 'Chart.yaml'))).toBe('file');
    expect(probePath(join(dir, 'nothing'))).toBe('missing');
    // A path through a file (ENOTDIR) is as missing as one that is not there.
    expect(probePath(join(dir, 'chart', 'Chart.yaml', 'x'))).toBe('missing');
  });
});
