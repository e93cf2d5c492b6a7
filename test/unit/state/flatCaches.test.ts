/**
 * The flat caches' bounds: clean entries beyond the limit go at a flush at depth 0 (oldest first), never one
 * that flush is handing to the trie, and never inside a checkpoint. Their journals (revert, commit) are
 * checked against @ethereumjs's MerkleStateManager in batchedStateManager.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Account, Address } from '@ethereumjs/util';
import { keyBytes } from '../../../src/primitives/index.ts';
import { FlatAccountCache } from '../../../src/state/accountCache.ts';
import { FlatStorageCache } from '../../../src/state/storageCache.ts';

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
  assert.deepEqual(flushed.map(([key]) => keyBytes(key)), [address(9).bytes], 'keyed by the address bytes (bytesKey)');
  assert.equal(cache.size(), 2);
  assert.ok(cache.get(address(9)) !== undefined, 'the newest (just flushed) entry stays');
});

test('the storage cache drops the oldest clean slots beyond its limit, keeping those it flushes', () => {
  const cache = new FlatStorageCache(3);
  const slot = (i: number): Uint8Array => new Uint8Array(32).fill(i);
  for (let i = 1; i <= 4; i++) cache.put(address(1), slot(i), Uint8Array.of(i));
  cache.put(address(2), slot(5), Uint8Array.of(5));
  assert.equal(cache.flush().length, 5);
  for (let i = 1; i <= 4; i++) assert.equal(cache.get(address(1), slot(i))?.[0], i, 'what it just flushed stays, over the limit');
  cache.checkpoint();
  cache.put(address(2), slot(6), Uint8Array.of(6));
  cache.flush();
  cache.commit();
  assert.equal(cache.get(address(1), slot(1))?.[0], 1, 'nothing goes inside a checkpoint');
  cache.put(address(2), slot(7), Uint8Array.of(7));
  cache.flush();
  // 7 slots, limit 3: the four oldest clean ones go, which are all of address 1's
  assert.equal(cache.get(address(1), slot(4)), undefined);
  assert.equal(cache.dump(address(1)), undefined, 'an address without slots left is dropped');
  assert.equal(cache.get(address(2), slot(5))?.[0], 5);
  assert.equal(cache.get(address(2), slot(6))?.[0], 6);
  assert.equal(cache.get(address(2), slot(7))?.[0], 7);
});
