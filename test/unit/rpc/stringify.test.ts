import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from '../../../src/rpc/dispatch.ts';

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
