import { describe, it, expect } from 'vitest';
import { recopyRemedy } from '../../../../src/core/migration/recopy.ts';

describe('recopyRemedy', () => {
  it('stops the control plane, waits for its pod, deletes its PVC and starts it again, in that order', () => {
    const r = recopyRemedy('team-a', 'vc');
    const order = [
      'kubectl -n team-a scale statefulset vc --replicas=0;',
      'kubectl -n team-a wait --for=delete pod/vc-0 --timeout=5m;',
      'kubectl -n team-a delete pvc data-vc-0;',
      'kubectl -n team-a scale statefulset vc --replicas=1;',
    ].map((c) => r.indexOf(c));
    expect(
      order.every((i) => i >= 0),
      r,
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // What it costs is said before the commands.
    expect(r).toMatch(/changes made in the virtual cluster since the copy are lost/);
  });
  it("names every replica's pod and PVC with HA, and never the deployed etcd's PVCs", () => {
    const r = recopyRemedy('ns', 'vc', 3);
    expect(r).toContain('delete pvc data-vc-0 data-vc-1 data-vc-2;');
    expect(r).toContain('pod/vc-0 pod/vc-1 pod/vc-2');
    expect(r).toContain('--replicas=3;');
    expect(r).not.toContain('data-vc-etcd');
  });
  it("names the first replica when the StatefulSet's count is unknown or already 0", () => {
    for (const n of [undefined, 0]) {
      const r = recopyRemedy('ns', 'vc', n);
      expect(r).toContain('delete pvc data-vc-0;');
      expect(r).toContain('--replicas=1;');
    }
  });
});
