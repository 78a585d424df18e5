// Phase one's verdict on the copy: lost keys and differing content fail it whatever the log line
// says; a lost line stands in for verified only when equal counts are accepted as the proof.
import { describe, expect, it } from 'vitest';
import { copyVerdict } from '../../../../src/core/migration/copy-verdict.ts';
import { diffCensus } from '../../../../src/core/migration/census.ts';
import { compareContent, type ContentDigest } from '../../../../src/core/migration/content-proof.ts';

const digest = (groups: Record<string, string>): ContentDigest => ({
  revision: 1,
  total: 0,
  groups: Object.fromEntries(Object.entries(groups).map(([g, d]) => [g, { count: 1, digest: d }])),
});

const equalCounts = diffCensus({ groups: { '/registry/pods/': 2 } }, { groups: { '/registry/pods/': 2 } });
const lostKeys = diffCensus(
  { groups: { '/registry/pods/': 2, '/registry/secrets/': 3, '/registry/configmaps/': 1 } },
  { groups: { '/registry/pods/': 1, '/registry/secrets/': 3, '/registry/configmaps/': 0 } },
);
const sameContent = compareContent(digest({ '/registry/pods/': 'a' }), digest({ '/registry/pods/': 'a' }), []);
const otherContent = compareContent(
  digest({ '/registry/pods/': 'a', '/registry/secrets/': 's' }),
  digest({ '/registry/pods/': 'b', '/registry/secrets/': 'S' }),
  [],
);

describe('copyVerdict', () => {
  it('verified when the counts and contents hold and the line was read', () => {
    expect(copyVerdict({ diff: equalCounts, content: sameContent, lineLost: false, acceptLostLogLine: false })).toEqual(
      { kind: 'verified', byCountsAlone: false },
    );
    // Accepting a lost line changes nothing when the line was read.
    expect(copyVerdict({ diff: equalCounts, content: sameContent, lineLost: false, acceptLostLogLine: true })).toEqual({
      kind: 'verified',
      byCountsAlone: false,
    });
  });

  it('a lost line refuses verification unless equal contents are accepted as the proof', () => {
    expect(copyVerdict({ diff: equalCounts, content: sameContent, lineLost: true, acceptLostLogLine: false })).toEqual({
      kind: 'line-lost',
    });
    expect(copyVerdict({ diff: equalCounts, content: sameContent, lineLost: true, acceptLostLogLine: true })).toEqual({
      kind: 'verified',
      byCountsAlone: true,
    });
  });

  it('lost keys fail the copy, naming the groups that lost them, whatever the line and content say', () => {
    for (const lineLost of [false, true]) {
      expect(copyVerdict({ diff: lostKeys, content: otherContent, lineLost, acceptLostLogLine: true })).toEqual({
        kind: 'keys-lost',
        groups: ['/registry/configmaps/', '/registry/pods/'],
      });
    }
  });

  it('differing content fails the copy even when the line is lost and accepted', () => {
    expect(copyVerdict({ diff: equalCounts, content: otherContent, lineLost: true, acceptLostLogLine: true })).toEqual({
      kind: 'content-differs',
      groups: ['/registry/pods/', '/registry/secrets/'],
    });
  });
});
