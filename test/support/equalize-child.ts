// Runs equalizeKeyspace in its own process so a test can kill it for real. Once `--hold-after` keys are
// written it prints "held <written>" and blocks its event loop: the process stays exactly there, no
// write of its own goes out any more, until the test kills it.
import { readFileSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EtcdClient } from '../../src/adapters/etcd/client.ts';
import { equalizeKeyspace } from '../../src/adapters/etcd/equalize.ts';

const { values } = parseArgs({
  options: {
    source: { type: 'string' },
    target: { type: 'string' },
    ca: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    'hold-after': { type: 'string' },
    'page-keys': { type: 'string' },
  },
});

const client = (endpoint: string) =>
  new EtcdClient({
    endpoint,
    serverName: 'localhost',
    ca: readFileSync(values.ca!),
    cert: readFileSync(values.cert!),
    key: readFileSync(values.key!),
  });

const holdAfter = Number(values['hold-after']);
await equalizeKeyspace(client(values.source!), client(values.target!), {
  pageKeys: Number(values['page-keys']),
  concurrency: 1,
  onProgress: (p) => {
    if (p.written < holdAfter) return;
    writeSync(1, `held ${p.written}\n`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  },
});
writeSync(1, 'finished\n');
process.exit(0);
