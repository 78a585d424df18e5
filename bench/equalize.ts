// npm run bench:equalize -- --keys N
// Two real etcds (TLS client-cert auth): a source seeded with N keys over 80 groups and a stale
// target (bench/way-back.ts). Times, in a child process (so its peak RSS is its own), compareKeyspaces and then
// equalizeKeyspace of the target to the source; checks both equal afterwards. On the same source it
// times the manual way back etcd's docs give: `etcdctl snapshot save`, `etcdutl snapshot restore
// --bump-revision --mark-compacted` and an etcd started on the result until it serves. Ends with one line:
// equalize keys=<N> differing=<D> compare_s=<s> equalize_s=<s> manual_s=<s> ratio=<equalize/manual> ours_rss_mb=<MB>
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CHILD_ETCD_OPTIONS, childClient, positiveInt } from './rounds.ts';
import { differingKeys, manualWayBack, measureChild, stalePair } from './way-back.ts';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '10000' },
    child: { type: 'boolean', default: false },
    deployed: { type: 'string' },
    ...CHILD_ETCD_OPTIONS,
  },
});

if (values.child) {
  const { EtcdClient } = await import('../src/adapters/etcd/client.ts');
  const { compareKeyspaces, equalizeKeyspace } = await import('../src/adapters/etcd/equalize.ts');
  const source = childClient(EtcdClient, values);
  const target = childClient(EtcdClient, { ...values, endpoint: values.deployed });
  const t0 = performance.now();
  const before = await compareKeyspaces(source, target);
  const t1 = performance.now();
  const r = await equalizeKeyspace(source, target, { revision: before.sourceRevision });
  const t2 = performance.now();
  const after = await compareKeyspaces(source, target);
  source.close();
  target.close();
  process.stdout.write(
    JSON.stringify({
      compareSeconds: (t1 - t0) / 1000,
      equalizeSeconds: (t2 - t1) / 1000,
      differing: differingKeys(before),
      written: r.written,
      deleted: r.deleted,
      left: differingKeys(after),
      sourceRevision: before.sourceRevision,
      after: r.after,
      rssMb: process.resourceUsage().maxRSS / 1024,
    }) + '\n',
  );
  process.exit(0);
}

const log = (s: string) => process.stderr.write(s + '\n');
const n = positiveInt('keys', values.keys);

const pair = await stalePair('bench-equalize-', n, log);
try {
  const ours = await measureChild<{
    compareSeconds: number;
    equalizeSeconds: number;
    differing: number;
    written: number;
    deleted: number;
    left: number;
    sourceRevision: number;
    after: number;
    rssMb: number;
  }>(fileURLToPath(import.meta.url), pair);
  if (ours.left !== 0) throw new Error(`after equalizing, ${ours.left} keys still differ`);
  if (ours.after <= ours.sourceRevision + 1) throw new Error(`target revision ${ours.after} not above the source's`);
  log(`ours: ${JSON.stringify(ours)}`);
  const manual = await manualWayBack(pair.env);

  console.log(
    `equalize keys=${n} differing=${ours.differing} compare_s=${ours.compareSeconds.toFixed(3)} equalize_s=${ours.equalizeSeconds.toFixed(3)} manual_s=${manual.toFixed(3)} ratio=${(ours.equalizeSeconds / manual).toFixed(3)} ours_rss_mb=${ours.rssMb.toFixed(1)}`,
  );
} finally {
  await pair.stop();
}
