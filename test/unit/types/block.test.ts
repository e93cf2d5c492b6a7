/** A block's transaction hashes: computed once per block object, or taken from what built it. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { keccak256 } from '../../../src/crypto/index.ts';
import { bytesToHex } from '../../../src/primitives/index.ts';
import { blockTxHashes, createBlock, decodeBlock, encodeBlock, knowTxHashes } from '../../../src/types/index.ts';
import { createTestChain, nextBlockContext } from '../../utils/chain.ts';

async function blockWith(raws: Uint8Array[]) {
  const chain = await createTestChain(1);
  const ctx = nextBlockContext(createBlock(chain.genesisHeader, [], null));
  const header = { ...chain.genesisHeader, height: ctx.height, parentHash: ctx.parentHash };
  return createBlock(header, raws, null);
}

describe('blockTxHashes', () => {
  test('are the keccak-256 of each raw transaction, in order, computed once per block object', async () => {
    const raws = [new Uint8Array([0xc1, 0x01]), new Uint8Array(120).fill(7), new Uint8Array([0x02, 0xc0])];
    const block = await blockWith(raws);
    const hashes = blockTxHashes(block);
    assert.deepEqual(hashes, raws.map((r) => bytesToHex(keccak256(r))));
    assert.equal(blockTxHashes(block), hashes, 'the second call returns the same array');
    // a block decoded from its encoding is another object: its hashes are computed again, and equal
    const decoded = decodeBlock(encodeBlock(block));
    assert.notEqual(blockTxHashes(decoded), hashes);
    assert.deepEqual(blockTxHashes(decoded), hashes);
  });

  test('known hashes are taken as given; a count that does not match the transactions is refused', async () => {
    const raws = [new Uint8Array([1]), new Uint8Array([2])];
    const block = await blockWith(raws);
    const known = raws.map((r) => bytesToHex(keccak256(r)));
    knowTxHashes(block, known);
    assert.equal(blockTxHashes(block), known);
    assert.throws(() => knowTxHashes(block, known.slice(1)), /one known hash per transaction/);
    assert.equal(blockTxHashes(block), known, 'a refused record changes nothing');
  });
});
