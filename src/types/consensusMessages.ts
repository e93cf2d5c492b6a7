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
import { RLP } from '../encoding/index.ts';
import type { RlpInput } from '../encoding/index.ts';
import { ChainError, bigintToBytes, bytesToBigint, bytesToHex, equalBytes } from '../primitives/index.ts';
import type { Commit } from './commit.ts';
import { commitToFields } from './commit.ts';
import { BLOCK_PART_SIZE, MAX_BLOCK_PARTS, partProofLength } from './partSet.ts';
import type { Part, PartSetHeader } from './partSet.ts';
import type { DuplicateVoteEvidence, Proposal, Vote, VoteType } from './vote.ts';

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

const KIND_BY_BYTE = new Map<number, ConsensusMessageKind>(
  Object.entries(CONSENSUS_MESSAGE_KIND).map(([k, v]) => [v, k as ConsensusMessageKind]),
);

/** CometBFT heights are int64; Tendermint rounds are int32. */
const MAX_HEIGHT = (1n << 63n) - 1n;
const MAX_ROUND = 2 ** 31 - 1;
const MAX_U64 = (1n << 64n) - 1n;
/** Far above any realistic validator set; bounds what one commit message can make us allocate. */
export const MAX_COMMIT_SIGNATURES = 10_000;

/** CometBFT's SignedMsgType numbers: 1 prevote, 2 precommit. */
const VOTE_TYPES: readonly VoteType[] = ['prevote', 'precommit'];
const STEPS: readonly RoundStepName[] = ['newHeight', 'propose', 'prevote', 'precommit', 'commit'];

function bad(field: string, problem: string): ChainError {
  return new ChainError('BAD_CONSENSUS_MESSAGE', `consensus message: ${field} ${problem}`, { field });
}

// ---- encoding ----

/** bigintToBytes would silently mangle a negative or fractional value; refuse it instead. */
function uintBytes(value: bigint | number, field: string): Uint8Array {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw bad(field, 'must be an integer');
  const v = BigInt(value);
  if (v < 0n) throw bad(field, 'must not be negative');
  return bigintToBytes(v);
}

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
  const kind = CONSENSUS_MESSAGE_KIND[m.kind];
  if (kind === undefined) throw bad('kind', `${String((m as { kind: unknown }).kind)} is unknown`);
  const body = RLP.encode(messageFields(m));
  const out = new Uint8Array(1 + body.length);
  out[0] = kind;
  out.set(body, 1);
  return out;
}

// ---- decoding ----

function list(f: unknown, field: string, length: number): unknown[] {
  if (!Array.isArray(f)) throw bad(field, 'must be a list');
  if (f.length !== length) throw bad(field, `must have ${length} fields, has ${f.length}`);
  return f;
}

function bytes(f: unknown, field: string): Uint8Array {
  if (!(f instanceof Uint8Array)) throw bad(field, 'must be a byte string');
  return f;
}

function fixed(f: unknown, field: string, length: number): Uint8Array {
  const b = bytes(f, field);
  if (b.length !== length) throw bad(field, `must be ${length} bytes, is ${b.length}`);
  return b;
}

/** A canonical unsigned integer no larger than max. */
function uint(f: unknown, field: string, max: bigint): bigint {
  const b = bytes(f, field);
  if (b.length > 0 && b[0] === 0) throw bad(field, 'has a leading zero byte');
  if (b.length > 8) throw bad(field, 'is too large');
  const v = bytesToBigint(b);
  if (v > max) throw bad(field, `exceeds ${max}`);
  return v;
}

function smallUint(f: unknown, field: string, max: number): number {
  return Number(uint(f, field, BigInt(max)));
}

function height(f: unknown, field: string): bigint {
  const h = uint(f, field, MAX_HEIGHT);
  if (h < 1n) throw bad(field, 'must be at least 1');
  return h;
}

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

/** Strict twin of commitFromFields (which trusts our own database): same layout, every field checked. */
function commitFrom(f: unknown[]): ConsensusMessage {
  const [h, r, hash, sigs] = list(f, 'commit', 4);
  if (!Array.isArray(sigs)) throw bad('commit.signatures', 'must be a list');
  if (sigs.length < 1 || sigs.length > MAX_COMMIT_SIGNATURES) throw bad('commit.signatures', `must number 1..${MAX_COMMIT_SIGNATURES}`);
  const seen = new Set<string>();
  const signatures = sigs.map((s, k) => {
    const field = `commit.signatures[${k}]`;
    const [addr, ts, sig] = list(s, field, 3);
    const validatorAddress = fixed(addr, `${field}.validatorAddress`, 20);
    const key = bytesToHex(validatorAddress);
    if (seen.has(key)) throw bad(`${field}.validatorAddress`, 'appears twice');
    seen.add(key);
    return { validatorAddress, timestampMs: uint(ts, `${field}.timestampMs`, MAX_U64), signature: fixed(sig, `${field}.signature`, 64) };
  });
  return {
    kind: 'commit',
    commit: { height: height(h, 'commit.height'), round: smallUint(r, 'commit.round', MAX_ROUND), blockHash: fixed(hash, 'commit.blockHash', 32), signatures },
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
      return commitFrom(f);
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
  if (!(data instanceof Uint8Array)) throw bad('message', 'must be bytes');
  if (data.length < 2) throw bad('message', 'is too short');
  const kind = KIND_BY_BYTE.get(data[0] as number);
  if (kind === undefined) throw bad('kind', `0x${(data[0] as number).toString(16).padStart(2, '0')} is unknown`);
  const body = data.subarray(1);
  let fields: unknown;
  try {
    fields = RLP.decode(body);
  } catch (err) {
    // The RLP library throws plain Errors (bad prefix, trailing bytes, truncation): convert, never leak.
    throw bad('rlp', `is malformed (${err instanceof Error ? err.message : String(err)})`);
  }
  // Belt and braces over the library's own checks: only the canonical encoding of a value is accepted.
  if (!equalBytes(RLP.encode(fields as RlpInput), body)) throw bad('rlp', 'is not canonical');
  if (!Array.isArray(fields)) throw bad(kind, 'must be a list');
  return bodyFrom(kind, fields);
}
