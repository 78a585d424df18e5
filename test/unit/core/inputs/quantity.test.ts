// Kubernetes quantities as users write storage-size and as PVCs report their size: the embedded etcd volume is
// compared with the deployed etcd's PVC, so a wrong reading could let a too-small volume through.
import { describe, expect, it } from 'vitest';
import { parseQuantity } from '../../../../src/core/inputs/quantity.ts';

describe('parseQuantity', () => {
  it.each([
    ['5Gi', 5 * 2 ** 30],
    ['500Mi', 500 * 2 ** 20],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['64Ki', 64 * 1024],
    ['2Ti', 2 * 2 ** 40],
    ['1Pi', 2 ** 50],
    ['1Ei', 2 ** 60],
    ['500M', 5e8],
    ['10G', 1e10],
    ['3k', 3000],
    ['1T', 1e12],
    ['1P', 1e15],
    ['1E', 1e18],
    ['1e9', 1e9],
    ['1e10', 1e10],
    ['1.25Gi', 1.25 * 2 ** 30],
    ['2E3', 2000],
    ['1024', 1024],
    ['0', 0],
    [' 20Gi\n', 20 * 2 ** 30],
  ])('reads %j as %d bytes', (text, bytes) => {
    expect(parseQuantity(text)).toBe(bytes);
  });

  it.each(['', 'Gi', 'ten gigs', '5 Gi', '5gi', '5GB', '-5Gi', '5Gi!', 'x5Gi', '.5Gi', '5.Gi', '1e', '5m', '1Ki2'])(
    'refuses %j',
    (text) => {
      expect(parseQuantity(text)).toBeUndefined();
    },
  );

  it('orders binary and decimal sizes as the cluster does', () => {
    expect(parseQuantity('10Gi')! > parseQuantity('10G')!).toBe(true);
    expect(parseQuantity('1Gi')! > parseQuantity('1000Mi')!).toBe(true);
  });
});
