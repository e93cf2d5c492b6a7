/**
 * The consensus gossip codec: every message round-trips, and the decoder throws nothing but
 * BAD_CONSENSUS_MESSAGE on any input (the node bans peers on exactly that), naming the offending field.
 * Seeded: a failure prints the seed; CONSENSUS_CODEC_SEED=<n> replays it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RLP } from '../../../src/encoding/index.ts';
import { ChainError } from '../../../src/primitives/index.ts';
import { decodeConsensusMessage, encodeCommit, encodeConsensusMessage, splitIntoParts } from '../../../src/types/index.ts';
import type { ConsensusMessage, Vote } from '../../../src/types/index.ts';
import { Prng } from '../../sim/prng.ts';
import { assertDecodesStrictly, assertRejectsFields, b, frame, mutate, randomFrame, set, u } from './wireHelpers.ts';
import type { Fields, StrictCodec } from './wireHelpers.ts';

const SEED = Number(process.env.CONSENSUS_CODEC_SEED ?? 20240604);

function genHeight(rng: Prng): bigint {
  return rng.pick([1n, 2n, BigInt(rng.nextU32()) + 1n, (1n << 63n) - 1n, (BigInt(rng.nextU32()) << 30n) + 1n]);
}

function genRound(rng: Prng): number {
  return rng.pick([0, 1, rng.int(0, 100), 2 ** 31 - 1, rng.nextU32() >>> 1]);
}

function genVote(rng: Prng, over: Partial<Vote> = {}): Vote {
  return {
    type: rng.pick(['prevote', 'precommit'] as const),
    height: genHeight(rng),
    round: genRound(rng),
    blockHash: rng.chance(0.3) ? null : rng.bytes(32),
    validatorAddress: rng.bytes(20),
    timestampMs: rng.pick([0n, 1_700_000_000_000n, (1n << 64n) - 1n, BigInt(rng.nextU32())]),
    signature: rng.bytes(64),
    ...over,
  };
}

function genMessage(rng: Prng, kind: ConsensusMessage['kind']): ConsensusMessage {
  switch (kind) {
    case 'proposal': {
      const round = genRound(rng);
      const validRound = round === 0 || rng.chance(0.4) ? -1 : rng.int(0, Math.min(round - 1, 1_000_000));
      return {
        kind,
        proposal: { height: genHeight(rng), round, blockHash: rng.bytes(32), validRound, proposerAddress: rng.bytes(20), signature: rng.bytes(64) },
        partSet: { total: rng.int(1, 512), hash: rng.bytes(32) },
      };
    }
    case 'vote':
      return { kind, vote: genVote(rng) };
    case 'blockPart': {
      const size = rng.int(1, 2000);
      const { parts } = splitIntoParts(rng.bytes(size), rng.int(Math.ceil(size / 512), 200)); // at most 512 parts
      return { kind, height: genHeight(rng), round: genRound(rng), part: rng.pick(parts) };
    }
    case 'commit': {
      const signatures = Array.from({ length: rng.int(1, 6) }, (_, i) => ({
        validatorAddress: Uint8Array.from([i, ...rng.bytes(19)]), // distinct by construction
        timestampMs: BigInt(rng.nextU32()),
        signature: rng.bytes(64),
      }));
      return { kind, commit: { height: genHeight(rng), round: genRound(rng), blockHash: rng.bytes(32), signatures } };
    }
    case 'duplicateVoteEvidence': {
      const a = genVote(rng);
      let b = genVote(rng, { type: a.type, height: a.height, round: a.round, validatorAddress: a.validatorAddress });
      while (b.blockHash === null && a.blockHash === null) b = { ...b, blockHash: rng.bytes(32) };
      const aFirst = a.blockHash === null || (b.blockHash !== null && Buffer.compare(a.blockHash, b.blockHash) < 0);
      return { kind, evidence: { kind: 'duplicateVote', voteA: aFirst ? a : b, voteB: aFirst ? b : a } };
    }
    case 'newRoundStep':
      return { kind, height: genHeight(rng), round: genRound(rng), step: rng.pick(['newHeight', 'propose', 'prevote', 'precommit', 'commit'] as const) };
    case 'hasVote':
      return { kind, height: genHeight(rng), round: genRound(rng), type: rng.pick(['prevote', 'precommit'] as const), validatorAddress: rng.bytes(20) };
  }
}

const KINDS: ConsensusMessage['kind'][] = ['proposal', 'vote', 'blockPart', 'commit', 'duplicateVoteEvidence', 'newRoundStep', 'hasVote'];

const codec: StrictCodec<ConsensusMessage> = { encode: encodeConsensusMessage, decode: decodeConsensusMessage, code: 'BAD_CONSENSUS_MESSAGE' };

test(`every message kind round-trips (seed ${SEED})`, () => {
  const rng = new Prng(SEED);
  for (let i = 0; i < 2000; i++) {
    const kind = KINDS[i % KINDS.length] as ConsensusMessage['kind'];
    const msg = genMessage(rng, kind);
    const bytes = encodeConsensusMessage(msg);
    assert.deepEqual(decodeConsensusMessage(bytes), msg, `seed ${SEED} case ${i} (${kind})`);
  }
});

test('a commit travels as the kind byte followed by encodeCommit', () => {
  const msg = genMessage(new Prng(SEED), 'commit');
  assert.equal(msg.kind, 'commit');
  if (msg.kind !== 'commit') return;
  const bytes = encodeConsensusMessage(msg);
  assert.equal(bytes[0], 0x04);
  assert.deepEqual(bytes.subarray(1), encodeCommit(msg.commit));
});

test(`fuzz: random bytes never throw anything but BAD_CONSENSUS_MESSAGE (seed ${SEED})`, () => {
  const rng = new Prng(SEED + 1);
  for (let i = 0; i < 20_000; i++) {
    assertDecodesStrictly(codec, randomFrame(rng, 8), `seed ${SEED + 1} case ${i}`);
  }
});

test(`fuzz: mutated valid encodings never throw anything but BAD_CONSENSUS_MESSAGE (seed ${SEED})`, () => {
  const rng = new Prng(SEED + 2);
  let accepted = 0;
  for (let i = 0; i < 20_000; i++) {
    const bytes = mutate(rng, encodeConsensusMessage(genMessage(rng, rng.pick(KINDS))));
    if (assertDecodesStrictly(codec, bytes, `seed ${SEED + 2} case ${i}`) !== undefined) accepted++;
  }
  // Some mutations (inside a signature or hash) must still decode: the fuzzer reaches the field checks.
  assert.ok(accepted > 0);
});

// ---- strictness table ----

const vote = (): Fields => [u(1), u(5), u(0), b(32), b(20), u(1000), b(64)];
const proposal = (): Fields => [u(5), u(2), b(32), u(0), b(20), b(64), u(1), b(32)];
const blockPart = (): Fields => [u(5), u(0), u(0), u(1), b(10), []];
const commitSig = (addrFill = 1): Fields => [b(20, addrFill), u(1000), b(64)];
const commit = (): Fields => [u(5), u(0), b(32), [commitSig(1), commitSig(2)]];
const evidence = (): Fields => [[u(1), u(5), u(0), new Uint8Array(), b(20), u(1), b(64)], [u(1), u(5), u(0), b(32), b(20), u(2), b(64)]];

const VALID: [string, Uint8Array][] = [
  ['vote', frame(0x02, vote())],
  ['nil vote', frame(0x02, set(vote(), [3], new Uint8Array()))],
  ['proposal, fresh value', frame(0x01, proposal())],
  ['proposal, validRound = round - 1', frame(0x01, set(proposal(), [3], u(2)))],
  ['block part', frame(0x03, blockPart())],
  ['commit', frame(0x04, commit())],
  ['evidence', frame(0x05, evidence())],
  ['newRoundStep', frame(0x06, [u(5), u(0), u(4)])],
  ['hasVote', frame(0x07, [u(5), u(0), u(2), b(20)])],
];

const INVALID: [string, Uint8Array, string][] = [
  ['empty input', new Uint8Array(), 'message'],
  ['kind byte alone', Uint8Array.of(0x02), 'message'],
  ['unknown kind 0x00', frame(0x00, vote()), 'kind'],
  ['unknown kind 0x08', frame(0x08, vote()), 'kind'],
  ['trailing byte', Uint8Array.from([...frame(0x02, vote()), 0]), 'rlp'],
  ['truncated', frame(0x02, vote()).subarray(0, 40), 'rlp'],
  ['non-canonical RLP (0x81 0x05)', Uint8Array.from([0x02, ...RLP.encode(vote()).subarray(0, 2), 0x81, 0x05]), 'rlp'],
  ['body is a byte string', frame(0x02, b(5)), 'vote'],
  ['vote with 6 fields', frame(0x02, vote().slice(0, 6)), 'vote'],
  ['vote with 8 fields', frame(0x02, [...vote(), u(1)]), 'vote'],
  ['vote type 0', frame(0x02, set(vote(), [0], u(0))), 'vote.type'],
  ['vote type 3', frame(0x02, set(vote(), [0], u(3))), 'vote.type'],
  ['height 0', frame(0x02, set(vote(), [1], u(0))), 'vote.height'],
  ['height with a leading zero', frame(0x02, set(vote(), [1], Uint8Array.of(0, 5))), 'vote.height'],
  ['zero as 0x00 instead of empty', frame(0x02, set(vote(), [2], Uint8Array.of(0))), 'vote.round'],
  ['height 2^63', frame(0x02, set(vote(), [1], u(1n << 63n))), 'vote.height'],
  ['round 2^31', frame(0x02, set(vote(), [2], u(2 ** 31))), 'vote.round'],
  ['round as a list', frame(0x02, set(vote(), [2], [])), 'vote.round'],
  ['block hash of 31 bytes', frame(0x02, set(vote(), [3], b(31))), 'vote.blockHash'],
  ['address of 19 bytes', frame(0x02, set(vote(), [4], b(19))), 'vote.validatorAddress'],
  ['address of 21 bytes', frame(0x02, set(vote(), [4], b(21))), 'vote.validatorAddress'],
  ['timestamp of 9 bytes', frame(0x02, set(vote(), [5], b(9))), 'vote.timestampMs'],
  ['signature of 63 bytes', frame(0x02, set(vote(), [6], b(63))), 'vote.signature'],
  ['proposal with 7 fields', frame(0x01, proposal().slice(0, 7)), 'proposal'],
  ['proposal validRound = round', frame(0x01, set(proposal(), [3], u(3))), 'proposal.validRound'],
  ['proposal validRound > round', frame(0x01, set(proposal(), [3], u(9))), 'proposal.validRound'],
  ['proposal round 0, validRound 0', frame(0x01, set(set(proposal(), [1], u(0)), [3], u(1))), 'proposal.validRound'],
  ['proposal nil block hash', frame(0x01, set(proposal(), [2], new Uint8Array())), 'proposal.blockHash'],
  ['proposal signature of 65 bytes', frame(0x01, set(proposal(), [5], b(65))), 'proposal.signature'],
  ['proposal part total 0', frame(0x01, set(proposal(), [6], u(0))), 'partSet.total'],
  ['proposal part total 513', frame(0x01, set(proposal(), [6], u(513))), 'partSet.total'],
  ['proposal part-set hash of 33 bytes', frame(0x01, set(proposal(), [7], b(33))), 'partSet.hash'],
  ['part index = total', frame(0x03, set(blockPart(), [2], u(1))), 'blockPart.index'],
  ['part total 0', frame(0x03, set(blockPart(), [3], u(0))), 'blockPart.total'],
  ['part total 513', frame(0x03, set(set(blockPart(), [3], u(513)), [2], u(0))), 'blockPart.total'],
  ['empty part', frame(0x03, set(blockPart(), [4], new Uint8Array())), 'blockPart.bytes'],
  ['part over 64 KiB', frame(0x03, set(blockPart(), [4], b(64 * 1024 + 1))), 'blockPart.bytes'],
  ['proof too long', frame(0x03, set(blockPart(), [5], [b(32)])), 'blockPart.proof'],
  ['proof too short', frame(0x03, set(set(blockPart(), [3], u(4)), [5], [b(32)])), 'blockPart.proof'],
  ['proof hash of 31 bytes', frame(0x03, set(set(blockPart(), [3], u(2)), [5], [b(31)])), 'blockPart.proof[0]'],
  ['commit without signatures', frame(0x04, set(commit(), [3], [])), 'commit.signatures'],
  ['commit signatures not a list', frame(0x04, set(commit(), [3], b(3))), 'commit.signatures'],
  ['commit signer twice', frame(0x04, set(commit(), [3], [commitSig(1), commitSig(1)])), 'commit.signatures[1].validatorAddress'],
  ['commit signature entry of 2 fields', frame(0x04, set(commit(), [3, 0], commitSig().slice(0, 2))), 'commit.signatures[0]'],
  ['commit nil block hash', frame(0x04, set(commit(), [2], new Uint8Array())), 'commit.blockHash'],
  ['evidence of one vote', frame(0x05, evidence().slice(0, 1)), 'evidence'],
  ['evidence from two validators', frame(0x05, set(evidence(), [1, 4], b(20, 9))), 'evidence.voteB.validatorAddress'],
  ['evidence at two heights', frame(0x05, set(evidence(), [1, 1], u(6))), 'evidence.voteB.height'],
  ['evidence at two rounds', frame(0x05, set(evidence(), [1, 2], u(1))), 'evidence.voteB.round'],
  ['evidence of two types', frame(0x05, set(evidence(), [1, 0], u(2))), 'evidence.voteB.type'],
  ['evidence for one value', frame(0x05, set(evidence(), [0, 3], b(32))), 'evidence.voteB.blockHash'],
  ['evidence out of order', frame(0x05, [evidence()[1] as Fields, evidence()[0] as Fields]), 'evidence.voteB.blockHash'],
  ['newRoundStep step 5', frame(0x06, [u(5), u(0), u(5)]), 'newRoundStep.step'],
  ['hasVote type 0', frame(0x07, [u(5), u(0), u(0), b(20)]), 'hasVote.type'],
];

test('strictness table: valid baselines decode', () => {
  for (const [name, bytes] of VALID) {
    assert.doesNotThrow(() => decodeConsensusMessage(bytes), name);
    assert.ok(assertDecodesStrictly(codec, bytes, name) !== undefined, name);
  }
});

test('strictness table: each violation is BAD_CONSENSUS_MESSAGE naming its field', () => {
  assertRejectsFields(codec, INVALID);
});

test('encoding refuses values it would otherwise mangle', () => {
  const rng = new Prng(SEED);
  const bad = { kind: 'vote', vote: genVote(rng, { round: -1 }) } as const;
  assert.throws(() => encodeConsensusMessage(bad), (err: unknown) => err instanceof ChainError && err.code === 'BAD_CONSENSUS_MESSAGE');
  const frac = { kind: 'vote', vote: genVote(rng, { round: 1.5 }) } as const;
  assert.throws(() => encodeConsensusMessage(frac), (err: unknown) => err instanceof ChainError && err.code === 'BAD_CONSENSUS_MESSAGE');
});
