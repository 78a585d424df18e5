// Bad inputs and what the message must say (which input, what is wrong, what is right).
// Shared by the unit test of parseSettings and the test that runs the built action.

export const VALID_INPUTS: Record<string, string> = {
  phase: 'migrate',
  release: 'my-vc',
  namespace: 'team-a',
  'chart-version': '0.27.0',
};

// Each row: the inputs, and what the message must say (which input, what is wrong, what is right).
export const BAD_INPUTS: [string, Record<string, string>, RegExp][] = [
  [
    'release with upper case',
    { release: 'MyVC' },
    /input 'release': "MyVC" is not a DNS-1123 label\. Expected: lower-case letters/,
  ],
  [
    'release too long',
    { release: 'a'.repeat(54) },
    /input 'release': .* has 54 characters\. Expected: at most 53 characters/,
  ],
  [
    'release with shell metacharacters',
    { release: 'vc;rm -rf /' },
    /input 'release': "vc;rm -rf \/" is not a DNS-1123 label/,
  ],
  ['release with a newline', { release: 'vc\nINJECT=1' }, /input 'release': "vc\\nINJECT=1" is not a DNS-1123 label/],
  [
    'namespace too long',
    { namespace: 'n'.repeat(64) },
    /input 'namespace': .* has 64 characters\. Expected: at most 63/,
  ],
  ['chart version not semver', { 'chart-version': '0.27' }, /input 'chart-version': "0\.27" is not a semantic version/],
  [
    'chart version too old',
    { 'chart-version': '0.24.1' },
    /input 'chart-version': 0\.24\.1 cannot migrate: migrateFromDeployedEtcd exists from chart 0\.24\.2\. Expected: 0\.24\.2 or later/,
  ],
  [
    'unknown phase',
    { phase: 'rollback' },
    /input 'phase': "rollback" is not a phase\. Expected: plan, migrate, finalize, abort, status/,
  ],
  [
    'extra args on 0.25',
    { 'chart-version': '0.25.0', 'etcd-extra-args': '--quota-backend-bytes=1' },
    /input 'etcd-extra-args': chart 0\.25\.0 has no controlPlane\.backingStore\.etcd\.embedded\.extraArgs \(added in 0\.26\.0\)/,
  ],
  [
    'extra arg without dashes',
    { 'etcd-extra-args': 'quota=1' },
    /input 'etcd-extra-args': "quota=1" is not one --flag=value/,
  ],
  [
    'extra arg owned by vCluster',
    { 'etcd-extra-args': '--data-dir=/tmp/x' },
    /--data-dir is set by vCluster for the embedded etcd/,
  ],
  [
    'chart version a pre-release of the minimum',
    { 'chart-version': '0.24.2-rc.1' },
    /input 'chart-version': 0\.24\.2-rc\.1 cannot migrate: migrateFromDeployedEtcd exists from chart 0\.24\.2 \(a pre-release comes before its release\)\. Expected: 0\.24\.2 or later/,
  ],
  [
    'extra args on a pre-release of 0.26.0',
    { 'chart-version': '0.26.0-alpha.1', 'etcd-extra-args': '--quota-backend-bytes=8589934592' },
    /input 'etcd-extra-args': chart 0\.26\.0-alpha\.1 \(a pre-release of 0\.26\.0\) has no controlPlane\.backingStore\.etcd\.embedded\.extraArgs/,
  ],
  [
    'chart line newer than the action knows',
    { 'chart-version': '1.0.0' },
    /input 'chart-version': 1\.0\.0 is on chart line 1\.0, newer than the newest line this action knows \(0\.36\).*Expected: a chart version up to 0\.36\.x, or allow-newer-chart-line: true/,
  ],
  [
    'extra arg with a value of the wrong type',
    { 'etcd-extra-args': '--quota-backend-bytes=abc' },
    /input 'etcd-extra-args': --quota-backend-bytes has the value "abc"\. Expected: --quota-backend-bytes with a positive whole number of bytes/,
  ],
  [
    'extra arg moving the WAL',
    { 'etcd-extra-args': '--wal-dir=/tmp/wal' },
    /input 'etcd-extra-args': --wal-dir puts the write-ahead log outside \/data/,
  ],
  [
    'extra arg replacing every flag',
    { 'etcd-extra-args': '--config-file=/etc/etcd.yaml' },
    /input 'etcd-extra-args': --config-file makes etcd ignore every other flag/,
  ],
  [
    'extra arg forcing a new cluster',
    { 'etcd-extra-args': '--force-new-cluster' },
    /input 'etcd-extra-args': --force-new-cluster discards the cluster membership/,
  ],
  [
    'extra arg turning off fsync',
    { 'etcd-extra-args': '--unsafe-no-fsync=true' },
    /input 'etcd-extra-args': --unsafe-no-fsync turns off fsync/,
  ],
  [
    'extra arg given twice',
    { 'etcd-extra-args': '--snapshot-count=10000\n--snapshot-count=5' },
    /input 'etcd-extra-args': --snapshot-count is given twice\. Expected: each flag once/,
  ],
  [
    'extra arg etcd does not know',
    { 'etcd-extra-args': '--quota-backend=8' },
    /input 'etcd-extra-args': --quota-backend is not an etcd flag this action allows\. Expected: one of --quota-backend-bytes/,
  ],
  [
    'values giving /data another volume',
    { values: 'controlPlane:\n  statefulSet:\n    persistence:\n      dataVolume: [{name: data, emptyDir: {}}]' },
    /input 'values': sets controlPlane\.statefulSet\.persistence\.dataVolume, which would give \/data \(the embedded etcd\) a volume other than/,
  ],
  [
    'storage size not a quantity',
    { 'storage-size': 'ten gigs' },
    /input 'storage-size': "ten gigs" is not a Kubernetes quantity\. Expected: a size like 5Gi/,
  ],
  [
    'timeout not a duration',
    { timeout: '10 minutes' },
    /input 'timeout': "10 minutes" is not a duration\. Expected: a duration like 90s, 10m or 1h/,
  ],
  [
    'delete-etcd-pvcs outside finalize',
    { 'delete-etcd-pvcs': 'true', phase: 'migrate' },
    /input 'delete-etcd-pvcs': is true for phase migrate; the deployed etcd's PVCs are deleted only after a verified phase two\. Expected: false, or phase finalize/,
  ],
  [
    'boolean not a boolean',
    { 'delete-etcd-pvcs': 'yes' },
    /input 'delete-etcd-pvcs': "yes" is not a boolean\. Expected: true or false/,
  ],
  ['values not YAML', { values: 'a: [1, 2' }, /input 'values': is not valid YAML/],
  ['values not a mapping', { values: '- a\n- b' }, /input 'values': is not a YAML mapping/],
  [
    'values touching owned keys',
    { values: 'controlPlane:\n  backingStore:\n    etcd:\n      deploy:\n        enabled: true' },
    /input 'values': sets controlPlane\.backingStore, which the migration owns/,
  ],
  [
    "values using the guide's persistence path",
    { values: 'controlPlane:\n  persistence:\n    volumeClaim:\n      size: 10Gi' },
    /sets controlPlane\.persistence, which the migration owns/,
  ],
  [
    'values expanding aliases',
    {
      values:
        'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    },
    /input 'values': is not valid YAML \(Excessive alias count/,
  ],
  ['backup skip without reason', { backup: 'skip' }, /input 'backup-skip-reason': is empty while backup is skip/],
  [
    'finalize without environment',
    { phase: 'finalize' },
    /input 'approval-environment': is empty, and finalize needs a verified approval/,
  ],
  [
    'abort without environment',
    { phase: 'abort' },
    /input 'approval-environment': is empty, and abort needs a verified approval\. Expected: the GitHub environment .* the abort job names/,
  ],
  [
    'abort-source not an etcd',
    { phase: 'abort', 'approval-environment': 'production', 'abort-source': 'both' },
    /input 'abort-source': "both" is not an etcd of the release\. Expected: embedded, deployed or empty/,
  ],
  [
    'abort-source with migrate',
    { 'abort-source': 'embedded' },
    /input 'abort-source': is set for phase migrate; only abort chooses which etcd to keep\. Expected: empty, or phase abort/,
  ],
  [
    'delete-stale-embedded-pvc with finalize',
    { phase: 'finalize', 'approval-environment': 'production', 'delete-stale-embedded-pvc': 'true' },
    /input 'delete-stale-embedded-pvc': is true for phase finalize; only migrate deletes .*\. Expected: false, or phase migrate/,
  ],
  [
    'chart repo not a URL',
    { 'chart-repo': 'charts.loft.sh; curl evil' },
    /input 'chart-repo': .* is not a repository URL/,
  ],
  [
    'kubeconfig not YAML',
    { kubeconfig: 'apiVersion: v1\nclusters: [\n' },
    /input 'kubeconfig': is not a kubeconfig .*its content is not shown/,
  ],
  ['pr number not a number', { 'pr-number': '12; drop' }, /input 'pr-number': "12; drop" is not a pull request number/],
];
