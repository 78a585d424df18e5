// The full remedy a user copies after a copy that lost keys.
import { describe, expect, it } from 'vitest';
import { recopyRemedy } from '../../../../src/core/migration/recopy.ts';

describe('recopyRemedy text', () => {
  it('says what not to do, what it costs, the commands, and what to run next', () => {
    expect(recopyRemedy('team-a', 'vc', 2)).toBe(
      'do not finalize (it is refused while this stands); the deployed etcd still holds every key as of the copy. ' +
        'To copy again, remove the incomplete copy so vCluster copies into an empty embedded etcd ' +
        '(changes made in the virtual cluster since the copy are lost; the backup file holds the state before phase one): ' +
        'kubectl -n team-a scale statefulset vc --replicas=0; ' +
        'kubectl -n team-a wait --for=delete pod/vc-0 pod/vc-1 --timeout=5m; ' +
        'kubectl -n team-a delete pvc data-vc-0 data-vc-1; ' +
        'kubectl -n team-a scale statefulset vc --replicas=2; ' +
        'then run migrate again: it waits for the success line and compares the key counts again',
    );
  });
  it('names the first replica for a count that is not positive', () => {
    expect(recopyRemedy('ns', 'vc', -1)).toContain(
      'delete pvc data-vc-0; kubectl -n ns scale statefulset vc --replicas=1;',
    );
  });
});
