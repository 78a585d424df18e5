// Inputs added with the GitOps and /data hardening: what they become in the settings, and the exact
// problem a bad one reports. One bad input gives one problem, not a second one it caused.
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../../../src/core/inputs/inputs.ts';
import type { InputProblem } from '../../../../src/core/inputs/input-reader.ts';
import { inputError, inputsWith } from '../../../support/inputs.ts';

const settings = (over: Record<string, string> = {}) => parseSettings(inputsWith(over));
const refused = (over: Record<string, string>): InputProblem[] =>
  inputError(() => parseSettings(inputsWith(over)), over).problems;

describe('gitops-paused and values-dir', () => {
  it('default to not paused and no values directory', () => {
    expect(settings({ 'gitops-paused': '', 'values-dir': '' })).toMatchObject({
      gitopsPaused: false,
      valuesDir: undefined,
    });
  });
  it('take what the workflow passes', () => {
    expect(
      settings({ 'gitops-paused': 'true', 'values-dir': '/home/runner/work/repo/gitops/vclusters' }),
    ).toMatchObject({
      gitopsPaused: true,
      valuesDir: '/home/runner/work/repo/gitops/vclusters',
    });
    expect(settings({ 'values-dir': 'D:\\a\\repo\\gitops' }).valuesDir).toBe('D:\\a\\repo\\gitops');
  });
  it('refuse a values-dir with a control character', () => {
    expect(refused({ 'values-dir': '/gitops/\nvclusters' })).toEqual([
      {
        input: 'values-dir',
        problem: 'contains a control character',
        expected: 'an absolute directory path on the runner, like ${{ github.workspace }}/gitops/vclusters',
      },
    ]);
  });
});

describe('values that choose the /data volume', () => {
  it('are refused, naming the keys and where /data stays', () => {
    expect(
      refused({ values: 'controlPlane: {statefulSet: {persistence: {dataVolume: [{name: data, emptyDir: {}}]}}}' }),
    ).toEqual([
      {
        input: 'values',
        problem:
          "sets controlPlane.statefulSet.persistence.dataVolume, which would give /data (the embedded etcd) a volume other than the control plane's volume claim",
        expected:
          'values without those keys; the migration keeps /data on controlPlane.statefulSet.persistence.volumeClaim (storage-size, storage-class)',
      },
    ]);
  });
});

describe('values that set both /data keys', () => {
  it('are refused once, naming both', () => {
    const [p] = refused({
      values:
        'controlPlane: {statefulSet: {persistence: {dataVolume: [{name: d}], volumeClaimTemplates: [{metadata: {}}]}}}',
    });
    expect(p?.problem).toContain(
      'sets controlPlane.statefulSet.persistence.dataVolume, controlPlane.statefulSet.persistence.volumeClaimTemplates, which',
    );
  });
});

describe('delete-etcd-pvcs with a phase that is not valid', () => {
  it('reports only the phase', () => {
    expect(refused({ phase: 'rollback', 'delete-etcd-pvcs': 'true' }).map((p) => p.input)).toEqual(['phase']);
  });
});
