import { describe, expect, it } from 'vitest';
import { ListItems } from '../../../../src/adapters/kube/list-items.ts';

/** The items and the rest of a list, fed in chunks of `size` bytes. */
function split(text: string, size: number): { items: unknown[]; rest: unknown } {
  const items: unknown[] = [];
  const l = new ListItems((i) => items.push(i));
  const bytes = Buffer.from(text, 'utf8');
  for (let at = 0; at < bytes.length; at += size) l.push(bytes.subarray(at, at + size));
  return { items, rest: l.end() };
}

const list = {
  kind: 'DeploymentList',
  apiVersion: 'apps/v1',
  metadata: { resourceVersion: '12', continue: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ' },
  items: [
    { metadata: { name: 'vc-1', labels: { app: 'vcluster' }, annotations: { a: 'quote " and \\\\" and {[' } } },
    { metadata: { name: 'vc-2', annotations: { 'ends-in-backslash': 'x\\\\', u: 'ünï 𝄞 }' } }, spec: { replicas: 0 } },
    { data: { 'state.json': JSON.stringify({ nested: [{ a: [1, 2, { b: '}' }] }] }) } },
  ],
  trailing: { items: [1] },
};

describe('ListItems', () => {
  it('gives each item and the list without them, however the answer is cut into chunks', () => {
    const text = JSON.stringify(list);
    for (const size of [1, 2, 3, 7, 64, text.length]) {
      const { items, rest } = split(text, size);
      expect(items, `chunks of ${size}`).toEqual(list.items);
      expect(rest, `chunks of ${size}`).toEqual({ ...list, items: [] });
    }
  });

  it('gives the list when it has no items or puts them first', () => {
    expect(split('{"kind":"SecretList","items":[],"metadata":{}}', 5)).toEqual({
      items: [],
      rest: { kind: 'SecretList', items: [], metadata: {} },
    });
    expect(split(' { "items" : [ {"a":1} , {"b":2} ] , "metadata" : {"continue":""} } ', 4)).toEqual({
      items: [{ a: 1 }, { b: 2 }],
      rest: { items: [], metadata: { continue: '' } },
    });
  });

  it('throws on an answer that is not JSON', () => {
    expect(() => split('<html><body>{ not json }</body></html>', 8)).toThrow(SyntaxError);
    expect(() => split('{"items":[{"a":1}', 8)).toThrow(SyntaxError);
  });
});
