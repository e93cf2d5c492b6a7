/**
 * Double-sign evidence on its way into blocks: the pool (one piece per validator, height, round and type;
 * committed evidence is never proposed or accepted again), checkEvidence against real ed25519 signatures,
 * and the block body and header that carry it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDuplicateVoteEvidence, createValidatorSet } from '../../../src/consensus/index.ts';
import { ed25519KeyFromSeed, ed25519Sign } from '../../../src/crypto/index.ts';
import { EvidencePool, MAX_EVIDENCE_AGE_BLOCKS, MAX_EVIDENCE_PER_BLOCK, checkEvidence } from '../../../src/node/evidencePool.ts';
import { createChainStore, createMemoryStore } from '../../../src/storage/index.ts';
import { createBlock, createValidator, decodeBlock, encodeBlock, hashEvidence, voteSignBytes } from '../../../src/types/index.ts';
import type { DuplicateVoteEvidence, Header, Vote } from '../../../src/types/index.ts';

const CHAIN = 'cmt-evidence-test';
const keys = [1, 2, 3, 4].map((i) => ed25519KeyFromSeed(new Uint8Array(32).fill(i)));
const set = createValidatorSet(keys.map((k) => createValidator(k.publicKey, 10n)));
const addressOf = (i: number): Uint8Array => createValidator((keys[i] as (typeof keys)[number]).publicKey, 10n).address;

function vote(i: number, height: bigint, round: number, blockHash: Uint8Array | null, seedOverride?: Uint8Array): Vote {
  const timestampMs = 1_000n + BigInt(round);
  const signature = ed25519Sign(seedOverride ?? (keys[i] as (typeof keys)[number]).seed, voteSignBytes(CHAIN, 'prevote', height, round, blockHash, timestampMs));
  return { type: 'prevote', height, round, blockHash, validatorAddress: addressOf(i), timestampMs, signature };
}

function doubleSign(i: number, height = 5n, round = 0): DuplicateVoteEvidence {
  return createDuplicateVoteEvidence(vote(i, height, round, new Uint8Array(32).fill(0xaa)), vote(i, height, round, new Uint8Array(32).fill(0xbb)));
}

function blockHeader(evidenceHash: Uint8Array = new Uint8Array(32)): Header {
  return {
    height: 6n,
    timestamp: 100n,
    parentHash: new Uint8Array(32).fill(1),
    proposer: addressOf(0),
    stateRoot: new Uint8Array(32).fill(2),
    transactionsRoot: new Uint8Array(32).fill(3),
    receiptsRoot: new Uint8Array(32).fill(4),
    logsBloom: new Uint8Array(256),
    gasUsed: 0n,
    gasLimit: 30_000_000n,
    baseFeePerGas: 2_000_000_000n,
    prevRandao: new Uint8Array(32).fill(5),
    validatorsHash: new Uint8Array(32).fill(6),
    lastCommitHash: new Uint8Array(32),
    evidenceHash,
  };
}

describe('evidence pool', () => {
  it('keeps one piece per validator, height, round and type, and forgets what a block committed', () => {
    const pool = new EvidencePool();
    const e = doubleSign(0);
    assert.equal(pool.add(e), true);
    // the same slot with the votes in the other order is the same proof
    assert.equal(pool.add(createDuplicateVoteEvidence(e.voteB, e.voteA)), false);
    assert.equal(pool.add(doubleSign(0, 5n, 1)), true);
    assert.deepEqual(pool.forProposal(6n).length, 2);
    pool.markCommitted([e]);
    assert.equal(pool.isCommitted(e), true);
    assert.equal(pool.add(e), false, 'committed evidence is not proposed again');
    assert.equal(pool.forProposal(6n).length, 1);
  });

  it('bounds what one block carries', () => {
    const pool = new EvidencePool();
    for (let r = 0; r < MAX_EVIDENCE_PER_BLOCK + 5; r++) pool.add(doubleSign(1, 7n, r));
    assert.equal(pool.forProposal(6n).length, MAX_EVIDENCE_PER_BLOCK);
    assert.equal(pool.size(), MAX_EVIDENCE_PER_BLOCK + 5);
  });
});

describe('committed evidence across a restart', () => {
  it('the chain store keeps the key of each piece with its block; a new pool built from it refuses them', async () => {
    const kv = createMemoryStore();
    const store = createChainStore(kv);
    const e = doubleSign(3, 4n);
    const block = createBlock(blockHeader(hashEvidence([e])), [], null, [e]);
    await kv.write(store.blockWrites(block, [], { height: 6n, round: 0, blockHash: block.hash, signatures: [] }, []));
    const restarted = new EvidencePool(createChainStore(kv).committedEvidenceKeys());
    assert.equal(restarted.isCommitted(e), true);
    assert.equal(restarted.add(e), false);
    await kv.write(store.removeBlockWrites(block, []));
    assert.deepEqual(createChainStore(kv).committedEvidenceKeys(), [], 'a rewound block takes its evidence keys with it');
  });

  it('evidence too old for the block is dropped from proposals', () => {
    const pool = new EvidencePool();
    pool.add(doubleSign(0, 5n));
    assert.equal(pool.forProposal(5n + MAX_EVIDENCE_AGE_BLOCKS).length, 1);
    assert.equal(pool.forProposal(6n + MAX_EVIDENCE_AGE_BLOCKS).length, 0);
    assert.equal(pool.size(), 0);
  });
});

describe('checkEvidence', () => {
  it('accepts two conflicting votes signed by a member', () => {
    assert.equal(checkEvidence(doubleSign(2), set, CHAIN), undefined);
  });

  it('refuses a forged signature, a non-member, a wrong chain and votes that do not conflict', () => {
    const forged = createDuplicateVoteEvidence(vote(2, 5n, 0, new Uint8Array(32).fill(0xaa)), vote(2, 5n, 0, new Uint8Array(32).fill(0xbb), (keys[3] as (typeof keys)[number]).seed));
    assert.match(checkEvidence(forged, set, CHAIN) ?? '', /signature/);
    const outsider = createValidatorSet(keys.slice(0, 2).map((k) => createValidator(k.publicKey, 10n)));
    assert.match(checkEvidence(doubleSign(3), outsider, CHAIN) ?? '', /not a validator/);
    assert.match(checkEvidence(doubleSign(2), set, 'another-chain') ?? '', /signature/);
    const e = doubleSign(2);
    assert.match(checkEvidence({ ...e, voteB: { ...e.voteB, round: 1 } }, set, CHAIN) ?? '', /conflicting pair/);
  });
});

describe('evidence in blocks', () => {
  const header = blockHeader;

  it('round-trips through the block encoding, and the header commits to it', () => {
    const evidence = [doubleSign(1), doubleSign(2, 5n, 3)];
    const block = createBlock(header(hashEvidence(evidence)), [], null, evidence);
    const back = decodeBlock(encodeBlock(block));
    assert.deepEqual(back.evidence, evidence);
    assert.deepEqual(back.hash, block.hash);
    assert.deepEqual(hashEvidence([]), new Uint8Array(32), 'no evidence hashes to zero');
    assert.notDeepEqual(hashEvidence(evidence), hashEvidence(evidence.slice(0, 1)));
    const empty = createBlock(header(hashEvidence([])), [], null);
    assert.notDeepEqual(empty.hash, block.hash);
  });
});
