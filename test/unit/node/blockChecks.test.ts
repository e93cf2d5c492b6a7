/**
 * The header rules a proposed (or synced) block must meet before it is executed: each rule on its own,
 * with a real parent certificate signed by ed25519 keys of the validator set.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createValidatorSet, validatorSetHash } from '../../../src/consensus/index.ts';
import { ed25519KeyFromSeed, ed25519Sign } from '../../../src/crypto/index.ts';
import { MAX_FUTURE_DRIFT_SEC, checkProposedHeader } from '../../../src/node/blockChecks.ts';
import { createBlock, createValidator, precommitSignBytes } from '../../../src/types/index.ts';
import type { Block, Commit, Genesis, Header } from '../../../src/types/index.ts';

const CHAIN = 'cmt-checks-test';
const keys = [1, 2, 3, 4].map((i) => ed25519KeyFromSeed(new Uint8Array(32).fill(i)));
const members = keys.map((k) => createValidator(k.publicKey, 10n));
const set = createValidatorSet(members);
const genesis: Genesis = {
  genesisTimeSec: 0n,
  consensusChainId: CHAIN,
  chainId: 1234n,
  minGasPriceWei: 2_000_000_000n,
  blockGasLimit: 30_000_000n,
  maxTxSizeBytes: 131_072,
  alloc: new Map(),
  validators: [],
};
const NOW_MS = 1_800_000_000_000;
const NOW_SEC = BigInt(NOW_MS / 1000);

function header(over: Partial<Header>): Header {
  return {
    height: 5n,
    timestamp: NOW_SEC,
    parentHash: new Uint8Array(32),
    proposer: (members[0] as (typeof members)[number]).address,
    stateRoot: new Uint8Array(32).fill(2),
    transactionsRoot: new Uint8Array(32).fill(3),
    receiptsRoot: new Uint8Array(32).fill(4),
    logsBloom: new Uint8Array(256),
    gasUsed: 0n,
    gasLimit: genesis.blockGasLimit,
    baseFeePerGas: genesis.minGasPriceWei,
    prevRandao: new Uint8Array(32).fill(5),
    validatorsHash: validatorSetHash(set),
    lastCommitHash: new Uint8Array(32),
    evidenceHash: new Uint8Array(32),
    ...over,
  };
}

const parent = createBlock(header({ height: 4n, timestamp: NOW_SEC - 1n }), [], null);

/** A certificate of the parent signed by the first `signers` validators. */
function certificate(signers: number, chain = CHAIN): Commit {
  return {
    height: 4n,
    round: 0,
    blockHash: parent.hash,
    signatures: keys.slice(0, signers).map((k, i) => ({
      validatorAddress: (members[i] as (typeof members)[number]).address,
      timestampMs: 7n,
      signature: ed25519Sign(k.seed, precommitSignBytes(chain, 4n, 0, parent.hash, 7n)),
    })),
  };
}

function check(over: Partial<Header>, lastCommit: Commit | null = certificate(3)): string | undefined {
  const block: Block = createBlock(header({ parentHash: parent.hash, ...over }), [], lastCommit);
  return checkProposedHeader(block, { parent, genesis, validators: set, parentValidators: set, nowMs: NOW_MS });
}

describe('checkProposedHeader', () => {
  it('accepts a block that follows its parent with a +2/3 certificate of it', () => {
    assert.equal(check({}), undefined);
    assert.equal(check({ timestamp: NOW_SEC - 1n }), undefined, 'the parent time itself is allowed (sub-second blocks)');
  });

  const rejections: Array<[string, Partial<Header>, Commit | null, RegExp]> = [
    ['a height that does not follow', { height: 6n }, certificate(3), /does not follow/],
    ['another parent', { parentHash: new Uint8Array(32).fill(9) }, certificate(3), /not our head/],
    ['a proposer outside the set', { proposer: new Uint8Array(20).fill(1) }, certificate(3), /not a validator/],
    ['a time before the parent', { timestamp: NOW_SEC - 2n }, certificate(3), /before the parent/],
    ['a time far ahead of our clock', { timestamp: NOW_SEC + MAX_FUTURE_DRIFT_SEC + 1n }, certificate(3), /future/],
    ['another gas limit', { gasLimit: 1n }, certificate(3), /gas limit/],
    ['another base fee', { baseFeePerGas: 1n }, certificate(3), /base fee/],
    ['a validators hash that is not its height\'s set', { validatorsHash: new Uint8Array(32).fill(7) }, certificate(3), /validators hash/],
    ['no certificate of the parent', {}, null, /no certificate/],
    ['a certificate of only half the power', {}, certificate(2), /last commit: .*voting power/],
    ['a certificate signed for another chain', {}, certificate(3, 'other-chain'), /last commit: bad precommit signature/],
  ];
  for (const [name, over, lastCommit, why] of rejections) {
    it(`refuses ${name}`, () => {
      assert.match(check(over, lastCommit) ?? 'accepted', why);
    });
  }

  it('the first block carries no certificate', () => {
    const genesisBlock = createBlock(header({ height: 0n, timestamp: NOW_SEC - 1n }), [], null);
    const first = createBlock(header({ height: 1n, parentHash: genesisBlock.hash }), [], null);
    const ctx = { parent: genesisBlock, genesis, validators: set, parentValidators: undefined, nowMs: NOW_MS };
    assert.equal(checkProposedHeader(first, ctx), undefined);
    const withCommit = createBlock(header({ height: 1n, parentHash: genesisBlock.hash }), [], certificate(3));
    assert.match(checkProposedHeader(withCommit, ctx) ?? '', /first block carries a last commit/);
  });
});
