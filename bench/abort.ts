// npm run bench:abort -- --keys N [--full]
// abort's work on the two etcds, as the phase does it once the control plane is stopped (phase one
// verified: the embedded etcd is the truth), on two real etcds (TLS client-cert auth) seeded by
// bench/way-back.ts as after a verified phase one (the same content in both, then 20% of the keys
// changed in the embedded etcd): the verified snapshot of the embedded etcd, the deployed etcd made
// equal to it (only the snapshot's history since the content proof replayed; with --full, both
// keyspaces read key by key, the way a run takes when the proof no longer describes the deployed
// etcd; revision lifted above the embedded etcd's, history compacted), and the census of the deployed
// etcd compared group by group with the embedded one's. Helm, the pods and their waits are not part of it. Measured in a child process, so
// its peak RSS is its own; then, on the same embedded etcd, the manual way back etcd's docs give.
// Ends with one line:
// abort keys=<N> ours_s=<s> manual_s=<s> ratio=<ours/manual> ours_rss_mb=<MB>
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CHILD_ETCD_OPTIONS, childClient, positiveInt } from './rounds.ts';
import { copiedPair, differingKeys, manualWayBack, measureChild } from './way-back.ts';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '10000' },
    child: { type: 'boolean', default: false },
    deployed: { type: 'string' },
    dir: { type: 'string' },
    baseline: { type: 'string' },
    full: { type: 'boolean', default: false },
    ...CHILD_ETCD_OPTIONS,
  },
});

if (values.child) {
  const { EtcdClient } = await import('../src/adapters/etcd/client.ts');
  const { countKnownGroups, readCensus } = await import('../src/adapters/etcd/census-reader.ts');
  const { takeBackup } = await import('../src/adapters/etcd/backup.ts');
  const { compareKeyspaces, equalizeKeyspace } = await import('../src/adapters/etcd/equalize.ts');
  const { equalizeSince } = await import('../src/adapters/etcd/equalize-since.ts');
  const { diffCensus } = await import('../src/core/migration/census.ts');
  const { sourceCensus } = await import('../src/core/migration/keyspace-comparison.ts');
  const embedded = childClient(EtcdClient, values);
  const deployed = childClient(EtcdClient, { ...values, endpoint: values.deployed });
  // Per step: its seconds and the peak RSS so far (MB), for the log.
  const laps: Record<string, [number, number]> = {};
  let lap = performance.now();
  const done = (what: string) => {
    const now = performance.now();
    laps[what] = [Number(((now - lap) / 1000).toFixed(3)), Math.round(process.resourceUsage().maxRSS / 1024)];
    lap = now;
  };
  const t0 = performance.now();
  // 'census and snapshot of the embedded etcd': phase one verified, so the snapshot alone; the
  // census of the embedded etcd at the stop is the equalize's walk.
  const snapshot = await takeBackup(embedded, {
    dir: values.dir!,
    release: 'bench',
    store: 'embedded',
    chartVersion: '0.27.0',
    log: () => undefined,
  });
  done('snapshot');
  // 'equalize the deployed etcd'
  let eq: { written: number; deleted: number; after: number };
  let embeddedAtStop: ReturnType<typeof sourceCensus>;
  if (values.full) {
    const x = await equalizeKeyspace(embedded, deployed, { revision: snapshot.revision });
    embeddedAtStop = sourceCensus(x.comparison, { store: 'embedded', path: 'port-forward', takenAt: '' });
    eq = x;
  } else {
    const baseline = JSON.parse(values.baseline!) as Parameters<typeof equalizeSince>[2]['baseline'];
    const x = await equalizeSince(embedded, deployed, {
      revision: snapshot.revision,
      snapshot: snapshot.file,
      baseline,
    });
    if (x.kind !== 'equalized') throw new Error(`the equalize fell back to the full walk: ${x.why}`);
    embeddedAtStop = { ...x.source, store: 'embedded', path: 'port-forward', takenAt: '' };
    eq = x;
  }
  done('equalize');
  // 'census of the deployed etcd': group by group against the embedded etcd's census, as the phase counts it
  const now = (await countKnownGroups(deployed, Object.keys(embeddedAtStop.groups))) ?? (await readCensus(deployed));
  const diff = diffCensus(embeddedAtStop, now);
  done('census after');
  const seconds = (performance.now() - t0) / 1000;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  // Not timed: both keyspaces equal key by key.
  const after = await compareKeyspaces(embedded, deployed);
  embedded.close();
  deployed.close();
  process.stdout.write(
    JSON.stringify({
      seconds,
      laps,
      rssMb,
      censusOk: diff.ok,
      snapshotKeys: snapshot.keys,
      embeddedKeys: embeddedAtStop.total,
      written: eq.written,
      deleted: eq.deleted,
      left: differingKeys(after),
      embeddedRevision: embeddedAtStop.revision,
      after: eq.after,
    }) + '\n',
  );
  process.exit(0);
}

const log = (s: string) => process.stderr.write(s + '\n');
const n = positiveInt('keys', values.keys);

const pair = await copiedPair('bench-abort-', n, log);
try {
  const ours = await measureChild<{
    seconds: number;
    rssMb: number;
    censusOk: boolean;
    snapshotKeys: number;
    embeddedKeys: number;
    left: number;
    embeddedRevision: number;
    after: number;
  }>(fileURLToPath(import.meta.url), pair, [
    '--dir',
    join(pair.env.dir, 'ours'),
    ...(values.full ? ['--full'] : ['--baseline', JSON.stringify(pair.baseline)]),
  ]);
  log(`ours: ${JSON.stringify(ours)}`);
  if (ours.snapshotKeys !== n) throw new Error(`the snapshot holds ${ours.snapshotKeys} keys, seeded ${n}`);
  if (ours.embeddedKeys !== n)
    throw new Error(`the walk counted ${ours.embeddedKeys} keys in the embedded etcd, seeded ${n}`);
  if (!ours.censusOk || ours.left !== 0) throw new Error(`after the abort, ${ours.left} keys still differ`);
  if (ours.after <= ours.embeddedRevision + 1) {
    throw new Error(`deployed revision ${ours.after} not above the embedded etcd's ${ours.embeddedRevision}`);
  }
  const manual = await manualWayBack(pair.env);
  console.log(
    `abort keys=${n} ours_s=${ours.seconds.toFixed(3)} manual_s=${manual.toFixed(3)} ratio=${(ours.seconds / manual).toFixed(3)} ours_rss_mb=${ours.rssMb.toFixed(1)}`,
  );
} finally {
  await pair.stop();
}
