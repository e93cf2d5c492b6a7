/** Empty-block ranges (ADR 0009): every block is a pure function of the record and its height. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keccak256 } from '../../../src/crypto/index.ts';
import { prevRandaoFor } from '../../../src/execution/index.ts';
import {
  decodeEmptyRange,
  emptyRangeBlock,
  emptyRangeHash,
  emptyRangeHeightOf,
  encodeEmptyRange,
  hashHeader,
} from '../../../src/types/index.ts';
import type { EmptyRange } from '../../../src/types/index.ts';

const range: EmptyRange = {
  first: 11n,
  last: 1_000_010n,
  anchorHash: keccak256(new Uint8Array([1])),
  anchorTimestamp: 1_700_000_000n,
  intervalSec: 12n,
  stateRoot: keccak256(new Uint8Array([2])),
  gasLimit: 30_000_000n,
  baseFeePerGas: 2_000_000_000n,
  proposer: new Uint8Array(20).fill(7),
  validatorsHash: keccak256(new Uint8Array([3])),
};

test('blocks of a range link by parentHash and advance time by the interval', () => {
  const first = emptyRangeBlock(range, range.first);
  assert.deepEqual(first.header.parentHash, range.anchorHash);
  assert.equal(first.header.timestamp, range.anchorTimestamp + 12n);
  for (const k of [12n, 13n, 500_000n, range.last]) {
    const block = emptyRangeBlock(range, k);
    const parent = emptyRangeBlock(range, k - 1n);
    assert.deepEqual(block.header.parentHash, parent.hash);
    assert.equal(block.header.timestamp, parent.header.timestamp + 12n);
    assert.equal(block.header.height, k);
    assert.equal(block.transactions.length, 0);
    assert.equal(block.header.gasUsed, 0n);
    assert.deepEqual(block.header.stateRoot, range.stateRoot);
  }
  assert.throws(() => emptyRangeBlock(range, range.last + 1n), /not in the empty range/);
});

test('the first block is an ordinary block on top of its anchor (hash and prevRandao as usual)', () => {
  const first = emptyRangeBlock(range, range.first);
  assert.deepEqual(first.header.prevRandao, prevRandaoFor({ parentHash: range.anchorHash, lastCommit: null }));
  assert.deepEqual(first.hash.subarray(0, 24), hashHeader(first.header).subarray(0, 24));
});

test('a hash names its height, and does not depend on where the range ends', () => {
  const hash = emptyRangeHash(range, 777_777n);
  assert.equal(emptyRangeHeightOf(hash), 777_777n);
  assert.deepEqual(emptyRangeHash({ ...range, last: 777_777n }, 777_777n), hash, 'truncating a range keeps its hashes');
  assert.notDeepEqual(emptyRangeHash({ ...range, anchorHash: new Uint8Array(32) }, 777_777n), hash);
  assert.notDeepEqual(emptyRangeBlock(range, 20n).header.prevRandao, emptyRangeBlock(range, 21n).header.prevRandao);
});

test('the record round-trips through its encoding', () => {
  assert.deepEqual(decodeEmptyRange(encodeEmptyRange(range)), range);
});
