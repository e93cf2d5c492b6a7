/**
 * FlatAccountCache's bound: clean entries beyond its limit go at a flush at depth 0 (oldest first), never a
 * dirty one, and never inside a checkpoint. Its journal (revert, commit) is checked against @ethereumjs's
 * MerkleStateManager in batchedStateManager.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Account, Address } from '@ethereumjs/util';
import { FlatAccountCache } from '../../../src/state/accountCache.ts';

const address = (i: number): Address => new Address(new Uint8Array(20).fill(i));
const account = (balance: bigint): Account => new Account(0n, balance);

test('a flush at depth 0 drops the oldest clean entries beyond the limit, not the ones it flushes', () => {
  const cache = new FlatAccountCache(3);
  for (let i = 1; i <= 5; i++) cache.put(address(i), account(BigInt(i)));
  assert.equal(cache.flush().length, 5);
  assert.equal(cache.size(), 5, 'the caller is still writing what it flushed');
  cache.put(address(6), account(6n));
  assert.equal(cache.flush().length, 1);
  assert.equal(cache.size(), 3);
  assert.equal(cache.get(address(1)), undefined);
  assert.equal(cache.get(address(3)), undefined);
  assert.ok(cache.get(address(4)) !== undefined && cache.get(address(6))?.accountRLP !== undefined);
});

test('inside a checkpoint nothing is dropped, and dirty entries outlive a flush that drops others', () => {
  const cache = new FlatAccountCache(2);
  cache.checkpoint();
  for (let i = 1; i <= 4; i++) cache.put(address(i), account(1n));
  cache.flush();
  assert.equal(cache.size(), 4, 'a flush inside a block keeps everything');
  cache.commit();
  cache.put(address(9), account(9n)); // dirty at depth 0
  const flushed = cache.flush();
  assert.deepEqual(flushed.map(([key]) => key), [Buffer.from(address(9).bytes).toString('hex')]);
  assert.equal(cache.size(), 2);
  assert.ok(cache.get(address(9)) !== undefined, 'the newest (just flushed) entry stays');
});
