/**
 * The signed consensus data: votes, proposals and duplicate-vote evidence. They live here rather than in
 * consensus so that the wire codecs (consensusMessages.ts) can share them, since types may not import
 * consensus; consensus re-exports them unchanged from tendermint/types.ts.
 */

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
