// Credentials in the release's Helm values, in every shape a chart user writes them, never reach
// the job summary, the summary-markdown output (or any other output) or the PR comment: only the
// keys the migration sets are shown, the rest as a count and a digest.
import { describe, it, expect } from 'vitest';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { newReport } from '../../../src/report/report.ts';
import { renderSummary } from '../../../src/report/summary.ts';
import { renderStatusComment } from '../../../src/report/comment-body.ts';
import { actionOutputs } from '../../../src/report/outputs.ts';
import { computeValues, valuesDigest, type Values } from '../../../src/core/migration/values.ts';
import { valuesView } from '../../../src/report/values-view.ts';
import { parseChartVersion } from '../../../src/core/inputs/version.ts';
import { assertNoSecretLeak } from '../../support/secret-scan.ts';
import { recordScenario } from '../../support/reliability.ts';

const hex = (n: number) => randomBytes(n).toString('hex');

function secretValues() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const s = {
    awsKey: `wJalrXUtnFEMI/${hex(16)}`,
    etcdRoot: `etcd-root-${hex(12)}`,
    b64: `db-password-${hex(12)}`,
    registryAuth: `robot$ci:${hex(16)}`,
    urlPassword: `pw${hex(12)}`,
    nested: `nested-${hex(12)}`,
    block: `block-token-${hex(12)}`,
    dockerAuth: `docker-${hex(12)}`,
    pem,
  };
  const dockerconfig = JSON.stringify({
    auths: { 'registry.example.com': { auth: Buffer.from(`u:${s.dockerAuth}`).toString('base64') } },
  });
  const userValues: Values = {
    controlPlane: {
      backingStore: {
        etcd: {
          deploy: {
            enabled: true,
            statefulSet: {
              // Carried unchanged into phase one: the deployed etcd's own env list.
              env: [{ name: 'ETCD_ROOT_PASSWORD', value: s.etcdRoot }],
              persistence: { volumeClaim: { size: '10Gi' } },
            },
          },
        },
      },
      statefulSet: {
        env: [
          { name: 'AWS_SECRET_ACCESS_KEY', value: s.awsKey },
          { name: 'REGION', value: 'eu-west-1' },
        ],
        persistence: { volumeClaim: { size: '10Gi', storageClass: 'fast' } },
      },
    },
    registry: { auth: s.registryAuth, url: `https://ci:${s.urlPassword}@registry.example.com` },
    imagePullSecret: { dockerconfigjson: Buffer.from(dockerconfig).toString('base64') },
    exportKubeConfig: { secret: { data: Buffer.from(s.b64).toString('base64') } },
    plugins: { a: { b: { c: { d: { e: { value: s.nested } } } } } },
    // A block scalar, as `helm get values` returns a multi-line string.
    experimental: {
      deploy: { host: { manifests: `apiVersion: v1\nkind: Secret\nstringData:\n  token: ${s.block}\n` } },
    },
    tls: { key: pem },
  };
  return { secrets: Object.values(s), userValues };
}

describe('release values holding credentials', () => {
  it('summary, outputs and PR comment show only the keys the migration sets, and a digest of the rest', () => {
    const { secrets, userValues } = secretValues();
    const values = computeValues({
      userValues,
      chartVersion: parseChartVersion('0.27.0')!,
      etcdExtraArgs: ['--quota-backend-bytes=8589934592'],
      extraValues: {},
    });
    const r = newReport('my-vc', 'team-a', 'migrate');
    r.status = 'failed';
    r.headline = 'the phase-one helm upgrade did not finish';
    r.values = [
      valuesView('Values phase one', values.phase1, '/runner/tmp/my-vc-phase-one-values.yaml'),
      valuesView('Values phase two', values.phase2),
    ];
    const summary = renderSummary(r);
    const comments = [renderStatusComment(r)];
    const outputs = actionOutputs(r, summary, true);
    assertNoSecretLeak({ summary, outputs, comments }, secrets);
    // What the migration decides is all there.
    expect(summary).toContain('migrateFromDeployedEtcd: true');
    expect(summary).toContain('size: 10Gi');
    expect(summary).toContain('storageClass: fast');
    expect(summary).toContain('- --quota-backend-bytes=8589934592');
    // Neutral keys of the user's values are not shown either: only counted and digested.
    expect(summary).not.toContain('eu-west-1');
    expect(summary).not.toContain('AWS_SECRET_ACCESS_KEY');
    const view = r.values[0] as ReturnType<typeof valuesView>;
    expect(summary).toContain(
      `Not shown: the release's own values, carried unchanged (${view.rest.leaves} values); their digest is \`${view.rest.digest}\``,
    );
    expect(view.rest.leaves).toBeGreaterThan(10);
    expect(outputs['values-file']).toBe('/runner/tmp/my-vc-phase-one-values.yaml');
    recordScenario({
      group: 'Hostile input',
      scenario: 'credentials in every shape in the release values',
      done: 'release values with an AWS key in an env list, a deployed-etcd env password, base64 data, a registry auth string, a password in a URL, a dockerconfigjson, a value nested six deep, a token in a block scalar and a PEM key; summary, outputs and PR comment rendered',
      action: `summary shows only the keys the migration sets; the other ${view.rest.leaves} values appear as a count and a sha256; the secret scan finds none of the ${secrets.length} secrets or their base64 in summary, 12 outputs or comment`,
      dataLost: 'none',
    });
  });

  it('the digest of the rest changes with any value not shown, and not with the keys shown', () => {
    const base: Values = {
      sync: { toHost: { pods: { enabled: true } } },
      controlPlane: { statefulSet: { persistence: { volumeClaim: { size: '5Gi' } } } },
    };
    const a = valuesView('x', base);
    const b = valuesView('x', {
      ...base,
      controlPlane: { statefulSet: { persistence: { volumeClaim: { size: '9Gi' } } } },
    });
    const c = valuesView('x', { ...base, sync: { toHost: { pods: { enabled: false } } } });
    expect(a.rest).toEqual(b.rest);
    expect(c.rest.digest).not.toBe(a.rest.digest);
    expect(a.rest).toEqual({ leaves: 1, digest: valuesDigest({ sync: { toHost: { pods: { enabled: true } } } }) });
  });
});
