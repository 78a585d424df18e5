import { describe, expect, it } from 'vitest';
import { releaseNotes, tagVersion } from '../../../scripts/release-notes.ts';

const CHANGELOG = '# Changelog\n\n## 1.1.0 - 2026-12-01\n\n- the CLI\n- a fix\n\n## [1.0.0]\n\n- first\n\n## 0.9.0\n\n';

describe('the release notes of a tag', () => {
  it("are the tag's section of CHANGELOG.md, up to the next one", () => {
    expect(releaseNotes(CHANGELOG, '1.1.0')).toBe('- the CLI\n- a fix\n');
    expect(releaseNotes(CHANGELOG, '1.0.0')).toBe('- first\n');
  });

  it('refuse a missing or empty section, a tag that is not vX.Y.Z, and a tag that is not the package version', () => {
    expect(() => releaseNotes(CHANGELOG, '1.2.0')).toThrow('CHANGELOG.md has no section "## 1.2.0"');
    expect(() => releaseNotes(CHANGELOG, '0.9.0')).toThrow('is empty');
    expect(() => releaseNotes(CHANGELOG, '1.1')).toThrow('no section');
    expect(() => tagVersion('v1.1', '1.1.0')).toThrow('is not vX.Y.Z');
    expect(() => tagVersion('v1.2.0', '1.1.0')).toThrow('bump package.json');
    expect(tagVersion('v1.1.0', '1.1.0')).toBe('1.1.0');
  });
});
