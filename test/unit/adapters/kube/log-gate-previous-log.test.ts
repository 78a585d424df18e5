// The previous container's log of the control-plane pod does not change until the container
// restarts again, and it can be large: the gate reads it once per restart, and still finds the
// success line when only the container before the latest restart logged it.
import { describe, expect, it } from 'vitest';
import { waitForSuccessLine, type PodLogSource } from '../../../../src/adapters/kube/log-gate.ts';
import { SUCCESS_LINE } from '../../../../src/core/migration/log-scan.ts';
import type { PodView } from '../../../../src/core/migration/cluster-view.ts';

const pod = (restarts: number): PodView => ({
  name: 'vc-0',
  uid: 'u1',
  phase: 'Running',
  ready: false,
  restarts,
  deleting: false,
});

describe('log gate reading the previous container', () => {
  it('reads the previous log once per restart and finds the line in it after a later restart', async () => {
    // Polls 1-3 see restart 1, polls 4 and later restart 2; the container before restart 2 logged the line.
    let polls = 0;
    const previousReads: number[] = [];
    const kube: PodLogSource = {
      async pod() {
        polls += 1;
        return pod(polls <= 3 ? 1 : 2);
      },
      async podLog(_ns, _name, _container, previous) {
        if (!previous) return 'INFO starting vcluster\n';
        const restarts = polls <= 3 ? 1 : 2;
        previousReads.push(restarts);
        return restarts === 1 ? 'INFO copying\n' : `INFO copying\nINFO ${SUCCESS_LINE}\n`;
      },
      async events() {
        return [];
      },
    };
    const seen = await waitForSuccessLine(kube, { namespace: 'ns', pod: 'vc-0', timeoutMs: 60_000, pollMs: 1 });
    expect(seen.container).toBe('previous');
    expect(seen.line).toContain(SUCCESS_LINE);
    expect(polls).toBe(4);
    expect(previousReads).toEqual([1, 2]);
  });

  it('reads no previous log for a container that never restarted', async () => {
    let previousReads = 0;
    let polls = 0;
    const kube: PodLogSource = {
      async pod() {
        polls += 1;
        return pod(0);
      },
      async podLog(_ns, _name, _container, previous) {
        if (previous) previousReads += 1;
        return polls < 3 ? 'INFO copying\n' : `INFO ${SUCCESS_LINE}\n`;
      },
      async events() {
        return [];
      },
    };
    const seen = await waitForSuccessLine(kube, { namespace: 'ns', pod: 'vc-0', timeoutMs: 60_000, pollMs: 1 });
    expect(seen.container).toBe('current');
    expect(previousReads).toBe(0);
  });
});
