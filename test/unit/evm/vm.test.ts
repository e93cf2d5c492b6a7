/**
 * createEvmBlock copies a template block instead of constructing one (src/evm/vm.ts): each copy must be the
 * block @ethereumjs builds for the same environment, field by field and in what runTx asks of it (the blob gas
 * price, the hardfork's EIPs, its hash), and copies must not share what they cache.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildEvmBlock, createChainCommon, createEvmBlock } from '../../../src/evm/index.ts';
import type { BlockEnv } from '../../../src/evm/index.ts';
import { bigintToBytes, bytesToHex, padLeft } from '../../../src/primitives/index.ts';
import { seededRandom } from '../../utils/random.ts';

const word = (rand: () => number): bigint => BigInt(Math.floor(rand() * 2 ** 48)) * BigInt(Math.floor(rand() * 2 ** 48)) + 1n;

function randomEnv(rand: () => number): BlockEnv {
  return {
    height: BigInt(Math.floor(rand() * 1e9)),
    timestamp: 1_700_000_000n + BigInt(Math.floor(rand() * 1e8)),
    coinbase: padLeft(bigintToBytes(word(rand)), 20).subarray(0, 20),
    gasLimit: 21_000n + BigInt(Math.floor(rand() * 1e9)),
    baseFeePerGas: rand() < 0.2 ? 0n : word(rand),
    prevRandao: padLeft(bigintToBytes(word(rand)), 32),
  };
}

test('a copied block is the block @ethereumjs builds for the same environment', () => {
  const rand = seededRandom(77);
  const common = createChainCommon(1234n, 'osaka');
  for (let i = 0; i < 50; i++) {
    const env = randomEnv(rand);
    const built = buildEvmBlock(common, env);
    const copied = createEvmBlock(common, env);
    assert.deepEqual(copied.header.raw().map(bytesToHex), built.header.raw().map(bytesToHex), `header fields, env ${i}`);
    assert.equal(bytesToHex(copied.hash()), bytesToHex(built.hash()), 'hash');
    assert.equal(copied.header.getBlobGasPrice(), built.header.getBlobGasPrice(), 'blob gas price');
    assert.equal(bytesToHex(copied.header.prevRandao), bytesToHex(env.prevRandao), 'prevRandao');
    assert.equal(copied.common.hardfork(), built.common.hardfork(), 'hardfork');
    assert.deepEqual(copied.withdrawals, built.withdrawals, 'withdrawals');
    assert.ok(Object.isFrozen(copied) && Object.isFrozen(copied.header), 'frozen, as built blocks are');
  }
});

test('copies cache their own hashes', () => {
  const rand = seededRandom(78);
  const common = createChainCommon(1234n, 'osaka');
  const a = createEvmBlock(common, randomEnv(rand));
  const b = createEvmBlock(common, randomEnv(rand));
  const hashA = bytesToHex(a.hash());
  assert.notEqual(bytesToHex(b.hash()), hashA, 'another environment, another hash');
  assert.equal(bytesToHex(a.hash()), hashA, 'the first copy keeps its own');
});
