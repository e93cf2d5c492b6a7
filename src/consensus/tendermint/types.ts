/**
 * The Tendermint machine's vocabulary: votes, proposals, duplicate-vote evidence, and the inputs and
 * effects of `stepTendermint`.
 *
 * Signatures inside votes and proposals are verified by the caller before they become inputs (ADR 0011):
 * the node's gossip layer holds the keys and the sign-bytes codec and can verify in batches or off the
 * main thread; the machine stays free of cryptography and checks everything else (height, round, that the
 * sender is in the set, that a proposal comes from proposer(h, r), that its valid round is below its round).
 */
import type { Commit, DuplicateVoteEvidence, Proposal, Vote, VoteType } from '../../types/index.ts';
import type { ValidatorSet } from './validatorSet.ts';

/** Vote, Proposal and DuplicateVoteEvidence are plain data shared with the wire codecs, so they live in types. */
export type { DuplicateVoteEvidence, Proposal, Vote, VoteType };

/** A timeout the machine asks the node to schedule: the paper's three, plus CometBFT's commit wait. */
export type TimeoutStep = 'propose' | 'prevote' | 'precommit' | 'commit';

/**
 * The paper's step_p (propose, prevote, precommit), plus the machine's life around a height:
 * `idle` before the first startHeight, `commit` once this height is decided (waiting for the node to start
 * the next one), `newHeight` when the next height's set is known but the commit timeout still runs.
 */
export type Step = 'idle' | 'newHeight' | 'propose' | 'prevote' | 'precommit' | 'commit';

export type TendermintInput =
  /** L10 (first height) and L52-L54 (next height): the set and the commit of height-1 come from the node. */
  | { kind: 'startHeight'; height: bigint; validators: ValidatorSet; lastCommit: Commit | null }
  | { kind: 'proposal'; proposal: Proposal }
  | { kind: 'vote'; vote: Vote }
  | { kind: 'timeout'; step: TimeoutStep; height: bigint; round: number }
  /** getValue() returned (L18): the node built our block for this height and round. */
  | { kind: 'proposalBuilt'; height: bigint; round: number; blockHash: Uint8Array }
  /** valid(v): the execution layer's verdict on a proposed block. */
  | { kind: 'blockValidity'; height: bigint; blockHash: Uint8Array; valid: boolean }
  /** The signer signed our proposal / vote (the signer refuses a double-sign and then returns nothing). */
  | { kind: 'proposalSigned'; proposal: Proposal }
  | { kind: 'voteSigned'; vote: Vote };

export type TendermintEffect =
  /** getValue(): build a block for (height, round); it records lastCommit (who signed height-1). */
  | { kind: 'buildProposal'; height: bigint; round: number; lastCommit: Commit | null }
  | { kind: 'signProposal'; height: bigint; round: number; blockHash: Uint8Array; validRound: number }
  | { kind: 'broadcastProposal'; proposal: Proposal }
  | { kind: 'signVote'; voteType: VoteType; height: bigint; round: number; blockHash: Uint8Array | null }
  | { kind: 'broadcastVote'; vote: Vote }
  /** Ask the execution layer for valid(v) of the block proposed in (height, round); answered by blockValidity. */
  | { kind: 'validateBlock'; height: bigint; round: number; blockHash: Uint8Array }
  /** Feed back { kind: 'timeout', step, height, round } after durationMs. */
  | { kind: 'scheduleTimeout'; step: TimeoutStep; height: bigint; round: number; durationMs: number }
  /** L51: commit the block with its certificate (+2/3 of the power precommitted blockHash in round). */
  | { kind: 'decide'; height: bigint; round: number; blockHash: Uint8Array; commit: Commit }
  | { kind: 'reportEvidence'; evidence: DuplicateVoteEvidence };
