/**
 * The signed consensus data: votes, proposals and duplicate-vote evidence. They live here rather than in
 * consensus so that the wire codecs (consensusMessages.ts) can share them, since types may not import
 * consensus; consensus re-exports them unchanged from tendermint/types.ts. Evidence also travels in
 * blocks (Block.evidence), so its block encoding is here too.
 */
import { keccak256 } from '../crypto/index.ts';
import { RLP } from '../encoding/index.ts';
import { ChainError, bigintToBytes, bytesToBigint, bytesToHex } from '../primitives/index.ts';

export type VoteType = 'prevote' | 'precommit';

export interface Vote {
  type: VoteType;
  height: bigint;
  round: number;
  /** id(v), or null for a nil vote. */
  blockHash: Uint8Array | null;
  validatorAddress: Uint8Array;
  /** When the signer signed it; a precommit's timestamp goes into the commit certificate. */
  timestampMs: bigint;
  signature: Uint8Array;
}

/** ⟨PROPOSAL, h, r, v, vr⟩: the block travels separately (block parts); the machine needs id(v) only. */
export interface Proposal {
  height: bigint;
  round: number;
  blockHash: Uint8Array;
  /** vr: -1 for a fresh value, else the round of the polka that made the proposer's validValue. */
  validRound: number;
  proposerAddress: Uint8Array;
  signature: Uint8Array;
}

/** Two signed votes of one validator for different values at the same height, round and type. */
export interface DuplicateVoteEvidence {
  kind: 'duplicateVote';
  /** Ordered canonically (nil first, then by block hash), so every node builds the same evidence. */
  voteA: Vote;
  voteB: Vote;
}

/** CometBFT's SignedMsgType numbers: 1 prevote, 2 precommit. */
const VOTE_TYPE_NUMBER: Readonly<Record<VoteType, number>> = { prevote: 1, precommit: 2 };

/** The vote's RLP fields, as the consensus wire format and the block body both carry them. */
export function voteToFields(v: Vote): Uint8Array[] {
  return [
    bigintToBytes(BigInt(VOTE_TYPE_NUMBER[v.type])),
    bigintToBytes(v.height),
    bigintToBytes(BigInt(v.round)),
    v.blockHash ?? new Uint8Array(),
    v.validatorAddress,
    bigintToBytes(v.timestampMs),
    v.signature,
  ];
}

/** Trusting decode (our own database, or a block whose hash a certificate or re-execution checks). */
export function voteFromFields(f: unknown): Vote {
  if (!Array.isArray(f) || f.length !== 7 || !f.every((x) => x instanceof Uint8Array)) throw new ChainError('BAD_ENCODING', 'vote: expected 7 byte strings');
  const [t, h, r, hash, addr, ts, sig] = f as Uint8Array[];
  const type = Number(bytesToBigint(t as Uint8Array));
  if (type !== 1 && type !== 2) throw new ChainError('BAD_ENCODING', `vote: type ${type}`);
  return {
    type: type === 1 ? 'prevote' : 'precommit',
    height: bytesToBigint(h as Uint8Array),
    round: Number(bytesToBigint(r as Uint8Array)),
    blockHash: (hash as Uint8Array).length === 0 ? null : (hash as Uint8Array),
    validatorAddress: addr as Uint8Array,
    timestampMs: bytesToBigint(ts as Uint8Array),
    signature: sig as Uint8Array,
  };
}

export function evidenceToFields(e: DuplicateVoteEvidence): Uint8Array[][] {
  return [voteToFields(e.voteA), voteToFields(e.voteB)];
}

export function evidenceFromFields(f: unknown): DuplicateVoteEvidence {
  if (!Array.isArray(f) || f.length !== 2) throw new ChainError('BAD_ENCODING', 'evidence: expected [voteA, voteB]');
  return { kind: 'duplicateVote', voteA: voteFromFields(f[0]), voteB: voteFromFields(f[1]) };
}

/** What a header commits to: zero for no evidence (most blocks), else keccak of the RLP list. */
export function hashEvidence(evidence: readonly DuplicateVoteEvidence[]): Uint8Array {
  return evidence.length === 0 ? new Uint8Array(32) : keccak256(RLP.encode(evidence.map(evidenceToFields)));
}

/** The key that makes one piece of evidence per validator, height, round and vote type. */
export function evidenceKey(e: DuplicateVoteEvidence): string {
  return `${bytesToHex(e.voteA.validatorAddress)}/${e.voteA.height}/${e.voteA.round}/${e.voteA.type}`;
}
