// Writes keys into a real etcd for the tests and benchmarks: the action itself never writes to etcd.
import type { EtcdClient } from '../src/etcd/client.ts';
import { decodeTxnResponse, encodeTxnPuts, type PutRequest, type TxnResponse } from '../src/etcd/proto.ts';

/** Puts in one transaction (etcd caps a transaction at 128 operations by default). */
export async function txnPut(client: EtcdClient, puts: PutRequest[]): Promise<TxnResponse> {
  return decodeTxnResponse(await client.unary('/etcdserverpb.KV/Txn', encodeTxnPuts(puts)));
}
