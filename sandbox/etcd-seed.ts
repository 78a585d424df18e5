// Writes keys into a real etcd for the tests and benchmarks: the action itself never writes to etcd.
import type { EtcdClient } from '../src/adapters/etcd/client.ts';
import protobuf from 'protobufjs/light.js';

export interface PutRequest {
  key: Uint8Array;
  value: Uint8Array;
}

// etcd's rpc.proto: a TxnRequest's success ops (field 2), each a RequestOp with request_put (field 2).
const TXN = protobuf.Root.fromJSON({
  nested: {
    PutRequest: { fields: { key: { type: 'bytes', id: 1 }, value: { type: 'bytes', id: 2 } } },
    RequestOp: { fields: { requestPut: { type: 'PutRequest', id: 2 } } },
    TxnRequest: { fields: { success: { rule: 'repeated', type: 'RequestOp', id: 2 } } },
    TxnResponse: { fields: { succeeded: { type: 'bool', id: 2 } } },
  },
});
const TxnRequest = TXN.lookupType('TxnRequest');
const TxnResponse = TXN.lookupType('TxnResponse');

/** Puts in one transaction with no compares (etcd caps a transaction at 128 operations by default). */
export async function txnPut(client: EtcdClient, puts: PutRequest[]): Promise<{ succeeded: boolean }> {
  const request = TxnRequest.encode(TxnRequest.create({ success: puts.map((p) => ({ requestPut: p })) })).finish();
  const reply = TxnResponse.decode(await client.unary('/etcdserverpb.KV/Txn', Buffer.from(request)));
  return { succeeded: (reply as unknown as { succeeded?: boolean }).succeeded === true };
}
