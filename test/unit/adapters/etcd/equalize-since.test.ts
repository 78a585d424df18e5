import { describe, expect, it } from 'vitest';
import { rangesToWalk } from '../../../../src/adapters/etcd/equalize-since.ts';

const text = (ranges: Array<[Buffer, Buffer]>) => ranges.map(([a, b]) => [a.toString('latin1'), b.toString('latin1')]);
const START = '\x00';
const END = '\x00';

describe('rangesToWalk', () => {
  it('walks everything outside the groups the proof showed equal, and none of those groups when their counts agree', () => {
    const counts = { '/registry/pods/': 5, '/registry/secrets/': 2, '/registry/events/': 9 };
    const r = rangesToWalk(['/registry/secrets/', '/registry/pods/'], counts, { ...counts, '/registry/events/': 3 });
    expect(text(r)).toEqual([
      [START, '/registry/pods/'],
      ['/registry/pods0', '/registry/secrets/'],
      ['/registry/secrets0', END],
    ]);
  });

  it('walks a same group again when its counts differ after the replay (a delete the history no longer shows)', () => {
    const r = rangesToWalk(['/registry/pods/'], { '/registry/pods/': 4 }, { '/registry/pods/': 5 });
    expect(text(r)).toEqual([
      [START, '/registry/pods/'],
      ['/registry/pods/', '/registry/pods0'],
      ['/registry/pods0', END],
    ]);
  });

  it('covers an exact-key group by that key alone, and a group missing on one side counts as zero there', () => {
    const r = rangesToWalk(['/registry/ranges/serviceips', 'compact_rev_key'], { compact_rev_key: 1 }, {});
    expect(text(r)).toEqual([
      [START, '/registry/ranges/serviceips'],
      ['/registry/ranges/serviceips\x00', 'compact_rev_key'],
      ['compact_rev_key', 'compact_rev_key\x00'],
      ['compact_rev_key\x00', END],
    ]);
  });

  it('looks a group up by its name as the census gives it, also when the name is not ASCII', () => {
    const g = '/vcluster/grüße/';
    const bytes = Buffer.from(g, 'utf8').toString('latin1');
    expect(text(rangesToWalk([g], { [g]: 3 }, { [g]: 3 }))).toEqual([
      [START, bytes],
      [Buffer.from(bytes, 'latin1').subarray(0, -1).toString('latin1') + '0', END],
    ]);
  });

  it('walks two groups whose ranges overlap (a key named like a prefix) instead of trusting either', () => {
    const counts = { '/registry/': 1, '/registry/pods/': 4, '/vcluster/x/': 2 };
    expect(text(rangesToWalk(['/registry/', '/registry/pods/', '/vcluster/x/'], counts, counts))).toEqual([
      [START, '/vcluster/x/'],
      ['/vcluster/x0', END],
    ]);
  });

  it('walks a group whose name does not map back to its bytes with the rest, and everything when no group was equal', () => {
    expect(text(rangesToWalk(['/registry/\uFFFD/'], {}, {}))).toEqual([[START, END]]);
    expect(text(rangesToWalk([], {}, {}))).toEqual([[START, END]]);
  });
});
