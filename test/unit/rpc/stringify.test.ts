import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from '../../../src/rpc/dispatch.ts';
import { RawJson } from '../../../src/rpc/format.ts';

test('stringify: plain JSON as JSON.stringify writes it', () => {
  const value = { jsonrpc: '2.0', id: 7, result: ['0x1', null, { a: true, b: 'x"y' }], skipped: undefined };
  assert.equal(stringify(value), JSON.stringify(value));
});

test('stringify: a stray bigint anywhere becomes a hex quantity', () => {
  assert.equal(stringify({ id: 1, result: { gas: 21000n, list: [0n, 255n] } }), '{"id":1,"result":{"gas":"0x5208","list":["0x0","0xff"]}}');
});

test('stringify: a circular value still throws', () => {
  const a: Record<string, unknown> = {};
  a.self = a;
  assert.throws(() => stringify(a), TypeError);
});

test('stringify: a RawJson result goes in verbatim, where JSON.stringify would put the value, alone and in a batch', () => {
  const result = [{ address: '0x01', topics: ['0x02'], removed: false }, { n: 1 }];
  const raw = new RawJson(JSON.stringify(result));
  const plain = { jsonrpc: '2.0', id: 'a"b', result };
  assert.equal(stringify({ jsonrpc: '2.0', id: 'a"b', result: raw }), JSON.stringify(plain));
  const batch = [{ jsonrpc: '2.0', id: 1, result: '0x1' }, { jsonrpc: '2.0', id: 2, result: raw }, { jsonrpc: '2.0', id: 3, error: { code: -32601, message: 'no' } }];
  assert.equal(stringify(batch), JSON.stringify([batch[0], { jsonrpc: '2.0', id: 2, result }, batch[2]]));
  assert.deepEqual(JSON.parse(stringify({ jsonrpc: '2.0', id: null, result: new RawJson('[]') })), { jsonrpc: '2.0', id: null, result: [] });
});
