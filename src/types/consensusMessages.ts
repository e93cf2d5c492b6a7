/**
 * The consensus gossip wire format: one byte naming the message kind, then one RLP list.
 *
 * The decoder is the trust boundary for everything a peer sends on the proposal, blockPart, vote and
 * evidence channels, so it is strict: exact field counts, canonical integers (no leading zeros, zero as
 * empty bytes), exact hash/address/signature lengths, rounds in range, no trailing bytes, and the bytes
 * must be the canonical encoding of what they decode to (decode ∘ encode is the identity both ways). Every
 * violation is a ChainError BAD_CONSENSUS_MESSAGE naming the field, never anything else, because the node
 * bans the sending peer on exactly that error. Signatures are not checked here: that needs the validator
 * set and chain id, and the node does it (ADR 0011).
 */
import type { RlpInput } from '../encoding/index.ts';
import { equalBytes } from '../primitives/index.ts';
import type { Commit } from './commit.ts';
import { commitToFields } from './commit.ts';
import { BLOCK_PART_SIZE, MAX_BLOCK_PARTS, partProofLength } from './partSet.ts';
import type { Part, PartSetHeader } from './partSet.ts';
import type { DuplicateVoteEvidence, Proposal, Vote, VoteType } from './vote.ts';
import { MAX_ROUND, MAX_U64, createWireCodec } from './wireCodec.ts';

/** Where a peer is in its round, so others send it only what it lacks (CometBFT's NewRoundStep). */
export type RoundStepName = 'newHeight' | 'propose' | 'prevote' | 'precommit' | 'commit';

export type ConsensusMessage =
  /**
   * The proposal with its block's part-set header. The header is not under the proposer's signature
   * (proposalSignBytes covers blockHash only), so a relayer could swap it: the node must check that the
   * reassembled block's hash is proposal.blockHash before using it.
   */
  | { kind: 'proposal'; proposal: Proposal; partSet: PartSetHeader }
  | { kind: 'vote'; vote: Vote }
  | { kind: 'blockPart'; height: bigint; round: number; part: Part }
  /** A decided block's certificate, for peers still voting on a height we have committed. */
  | { kind: 'commit'; commit: Commit }
  | { kind: 'duplicateVoteEvidence'; evidence: DuplicateVoteEvidence }
  | { kind: 'newRoundStep'; height: bigint; round: number; step: RoundStepName }
  /** "I already have this vote": saves peers resending it (CometBFT's HasVote, by address not index). */
  | { kind: 'hasVote'; height: bigint; round: number; type: VoteType; validatorAddress: Uint8Array };

export type ConsensusMessageKind = ConsensusMessage['kind'];

/** The first byte of every message. Never renumber: peers of different versions must agree. */
export const CONSENSUS_MESSAGE_KIND: Readonly<Record<ConsensusMessageKind, number>> = {
  proposal: 0x01,
  vote: 0x02,
  blockPart: 0x03,
  commit: 0x04,
  duplicateVoteEvidence: 0x05,
  newRoundStep: 0x06,
  hasVote: 0x07,
};

const wire = createWireCodec('BAD_CONSENSUS_MESSAGE', 'consensus message', CONSENSUS_MESSAGE_KIND);
const { bad, uintBytes, list, bytes, fixed, uint, smallUint, height } = wire;

/** CometBFT's SignedMsgType numbers: 1 prevote, 2 precommit. */
const VOTE_TYPES: readonly VoteType[] = ['prevote', 'precommit'];
const STEPS: readonly RoundStepName[] = ['newHeight', 'propose', 'prevote', 'precommit', 'commit'];

// ---- encoding ----

function voteFields(v: Vote): RlpInput[] {
  return [
    uintBytes(VOTE_TYPES.indexOf(v.type) + 1, 'vote.type'),
    uintBytes(v.height, 'vote.height'),
    uintBytes(v.round, 'vote.round'),
    v.blockHash ?? new Uint8Array(),
    v.validatorAddress,
    uintBytes(v.timestampMs, 'vote.timestampMs'),
    v.signature,
  ];
}

function messageFields(m: ConsensusMessage): RlpInput[] {
  switch (m.kind) {
    case 'proposal': {
      const p = m.proposal;
      // validRound -1 travels as 0, as in proposalSignBytes, so the integer stays unsigned.
      return [
        uintBytes(p.height, 'proposal.height'),
        uintBytes(p.round, 'proposal.round'),
        p.blockHash,
        uintBytes(p.validRound + 1, 'proposal.validRound'),
        p.proposerAddress,
        p.signature,
        uintBytes(m.partSet.total, 'partSet.total'),
        m.partSet.hash,
      ];
    }
    case 'vote':
      return voteFields(m.vote);
    case 'blockPart':
      return [
        uintBytes(m.height, 'blockPart.height'),
        uintBytes(m.round, 'blockPart.round'),
        uintBytes(m.part.index, 'blockPart.index'),
        uintBytes(m.part.total, 'blockPart.total'),
        m.part.bytes,
        m.part.proof,
      ];
    case 'commit':
      // The same fields as encodeCommit, so the body is byte-identical to a stored commit.
      return commitToFields(m.commit);
    case 'duplicateVoteEvidence':
      return [voteFields(m.evidence.voteA), voteFields(m.evidence.voteB)];
    case 'newRoundStep':
      return [uintBytes(m.height, 'newRoundStep.height'), uintBytes(m.round, 'newRoundStep.round'), uintBytes(STEPS.indexOf(m.step), 'newRoundStep.step')];
    case 'hasVote':
      return [uintBytes(m.height, 'hasVote.height'), uintBytes(m.round, 'hasVote.round'), uintBytes(VOTE_TYPES.indexOf(m.type) + 1, 'hasVote.type'), m.validatorAddress];
  }
}

export function encodeConsensusMessage(m: ConsensusMessage): Uint8Array {
  return wire.encodeFrame(m.kind, messageFields(m));
}

// ---- decoding ----

function voteType(f: unknown, field: string): VoteType {
  const t = smallUint(f, field, VOTE_TYPES.length);
  if (t < 1) throw bad(field, 'must be 1 (prevote) or 2 (precommit)');
  return VOTE_TYPES[t - 1] as VoteType;
}

function voteFrom(f: unknown, field: string): Vote {
  const [t, h, r, hash, addr, ts, sig] = list(f, field, 7);
  const blockHash = bytes(hash, `${field}.blockHash`);
  if (blockHash.length !== 0 && blockHash.length !== 32) throw bad(`${field}.blockHash`, 'must be 32 bytes or empty (nil)');
  return {
    type: voteType(t, `${field}.type`),
    height: height(h, `${field}.height`),
    round: smallUint(r, `${field}.round`, MAX_ROUND),
    blockHash: blockHash.length === 0 ? null : blockHash,
    validatorAddress: fixed(addr, `${field}.validatorAddress`, 20),
    timestampMs: uint(ts, `${field}.timestampMs`, MAX_U64),
    signature: fixed(sig, `${field}.signature`, 64),
  };
}

function compareValues(a: Uint8Array | null, b: Uint8Array | null): number {
  if (a === null) return b === null ? 0 : -1;
  if (b === null) return 1;
  return Buffer.compare(a, b);
}

function proposalFrom(f: unknown[]): ConsensusMessage {
  const [h, r, hash, vr, addr, sig, total, psh] = list(f, 'proposal', 8);
  const round = smallUint(r, 'proposal.round', MAX_ROUND);
  const validRound = smallUint(vr, 'proposal.validRound', MAX_ROUND) - 1;
  if (validRound >= round) throw bad('proposal.validRound', `${validRound} must be below round ${round}`);
  const partsTotal = smallUint(total, 'partSet.total', MAX_BLOCK_PARTS);
  if (partsTotal < 1) throw bad('partSet.total', 'must be at least 1');
  return {
    kind: 'proposal',
    proposal: {
      height: height(h, 'proposal.height'),
      round,
      blockHash: fixed(hash, 'proposal.blockHash', 32),
      validRound,
      proposerAddress: fixed(addr, 'proposal.proposerAddress', 20),
      signature: fixed(sig, 'proposal.signature', 64),
    },
    partSet: { total: partsTotal, hash: fixed(psh, 'partSet.hash', 32) },
  };
}

function blockPartFrom(f: unknown[]): ConsensusMessage {
  const [h, r, i, t, data, proof] = list(f, 'blockPart', 6);
  const total = smallUint(t, 'blockPart.total', MAX_BLOCK_PARTS);
  if (total < 1) throw bad('blockPart.total', 'must be at least 1');
  const index = smallUint(i, 'blockPart.index', MAX_BLOCK_PARTS);
  if (index >= total) throw bad('blockPart.index', `${index} must be below total ${total}`);
  const partBytes = bytes(data, 'blockPart.bytes');
  if (partBytes.length < 1 || partBytes.length > BLOCK_PART_SIZE) throw bad('blockPart.bytes', `must be 1..${BLOCK_PART_SIZE} bytes`);
  const proofLength = partProofLength(index, total);
  const aunts = list(proof, 'blockPart.proof', proofLength).map((a, k) => fixed(a, `blockPart.proof[${k}]`, 32));
  return {
    kind: 'blockPart',
    height: height(h, 'blockPart.height'),
    round: smallUint(r, 'blockPart.round', MAX_ROUND),
    part: { index, total, bytes: partBytes, proof: aunts },
  };
}

/** The structural rule of consensus' isDuplicateVoteEvidence, so malformed evidence never gets past the wire. */
function evidenceFrom(f: unknown[]): ConsensusMessage {
  const [a, b] = list(f, 'evidence', 2);
  const voteA = voteFrom(a, 'evidence.voteA');
  const voteB = voteFrom(b, 'evidence.voteB');
  if (!equalBytes(voteA.validatorAddress, voteB.validatorAddress)) throw bad('evidence.voteB.validatorAddress', 'differs from voteA');
  if (voteA.height !== voteB.height) throw bad('evidence.voteB.height', 'differs from voteA');
  if (voteA.round !== voteB.round) throw bad('evidence.voteB.round', 'differs from voteA');
  if (voteA.type !== voteB.type) throw bad('evidence.voteB.type', 'differs from voteA');
  if (compareValues(voteA.blockHash, voteB.blockHash) >= 0) throw bad('evidence.voteB.blockHash', 'must sort after voteA (canonical order, different values)');
  return { kind: 'duplicateVoteEvidence', evidence: { kind: 'duplicateVote', voteA, voteB } };
}

function bodyFrom(kind: ConsensusMessageKind, f: unknown[]): ConsensusMessage {
  switch (kind) {
    case 'proposal':
      return proposalFrom(f);
    case 'vote':
      return { kind: 'vote', vote: voteFrom(f, 'vote') };
    case 'blockPart':
      return blockPartFrom(f);
    case 'commit':
      return { kind: 'commit', commit: wire.commit(f, 'commit') };
    case 'duplicateVoteEvidence':
      return evidenceFrom(f);
    case 'newRoundStep': {
      const [h, r, s] = list(f, 'newRoundStep', 3);
      const step = STEPS[smallUint(s, 'newRoundStep.step', STEPS.length - 1)] as RoundStepName;
      return { kind: 'newRoundStep', height: height(h, 'newRoundStep.height'), round: smallUint(r, 'newRoundStep.round', MAX_ROUND), step };
    }
    case 'hasVote': {
      const [h, r, t, addr] = list(f, 'hasVote', 4);
      return {
        kind: 'hasVote',
        height: height(h, 'hasVote.height'),
        round: smallUint(r, 'hasVote.round', MAX_ROUND),
        type: voteType(t, 'hasVote.type'),
        validatorAddress: fixed(addr, 'hasVote.validatorAddress', 20),
      };
    }
  }
}

export function decodeConsensusMessage(data: Uint8Array): ConsensusMessage {
  const { kind, fields } = wire.decodeFrame(data);
  return bodyFrom(kind, fields);
}
