/**
 * The paper's actions, shared by the input handlers (roundMachine.ts) and the upon-rules (rules.ts):
 * StartRound, "broadcast a vote" (a request to the signer), schedule a timeout, and decide.
 * Each takes the state and the effect list of the step being computed, and returns the next state.
 */
import { equalBytes, invariant } from '../../primitives/index.ts';
import type { Commit } from '../../types/index.ts';
import { roundMessages } from './messageLog.ts';
import { proposerForRound } from './proposerSelection.ts';
import { FRESH_GUARDS } from './state.ts';
import type { Decision, TendermintState } from './state.ts';
import { timeoutDurationMs } from './timeouts.ts';
import type { TendermintEffect, TimeoutStep, VoteType } from './types.ts';
import { findValidator } from './validatorSet.ts';
import type { ValidatorSet } from './validatorSet.ts';
import { valueKey, votesFor } from './voteSet.ts';

export function setOf(s: TendermintState): ValidatorSet {
  // every caller runs after startHeight, which sets it; a null here is a bug in the machine
  invariant(s.validators !== null, 'consensus: no validator set before startHeight');
  return s.validators;
}

export function isValidator(s: TendermintState): boolean {
  return s.validators !== null && findValidator(s.validators, s.addressKey) !== undefined;
}

export function scheduleTimeout(s: TendermintState, step: TimeoutStep, out: TendermintEffect[]): void {
  out.push({ kind: 'scheduleTimeout', step, height: s.height, round: s.round, durationMs: timeoutDurationMs(s.timeouts, step, s.round) });
}

/** "broadcast ⟨PREVOTE|PRECOMMIT, h_p, round_p, value⟩": the signer signs it, then voteSigned broadcasts it. */
export function castVote(s: TendermintState, voteType: VoteType, blockHash: Uint8Array | null, out: TendermintEffect[]): void {
  if (isValidator(s)) out.push({ kind: 'signVote', voteType, height: s.height, round: s.round, blockHash });
}

/** L11-L21 StartRound(round). */
export function startRound(state: TendermintState, round: number, out: TendermintEffect[]): TendermintState {
  // L12-L13
  let s: TendermintState = { ...state, round, step: 'propose', guards: FRESH_GUARDS };
  // L14
  if (isValidator(s) && equalBytes(proposerForRound(setOf(s), round).address, s.address)) {
    if (s.validValue !== null) {
      // L15-L16, L19: re-propose validValue with its valid round; its block is already known to be valid
      out.push({ kind: 'signProposal', height: s.height, round, blockHash: s.validValue, validRound: s.validRound });
      s = { ...s, guards: { ...s.guards, proposalSignRequested: true } };
    } else {
      // L17-L18: getValue() is asynchronous here; proposalBuilt continues at L19
      out.push({ kind: 'buildProposal', height: s.height, round, lastCommit: s.lastCommit });
    }
  }
  // L21. The proposer arms it too (CometBFT does): building a block can be slow or fail, and the round must
  // still end; a proposer whose own proposal arrives in time prevotes it through L22 before it fires.
  scheduleTimeout(s, 'propose', out);
  return s;
}

/** The commit certificate: every precommit we hold for the decided value in the decided round. */
export function commitFromLog(s: TendermintState, decision: Decision): Commit {
  const votes = votesFor(roundMessages(s.log, decision.round).precommits, valueKey(decision.blockHash));
  return {
    height: s.height,
    round: decision.round,
    blockHash: decision.blockHash,
    signatures: votes.map((v) => ({ validatorAddress: v.validatorAddress, timestampMs: v.timestampMs, signature: v.signature })),
  };
}

/**
 * L49-L51: decision_p[h_p] = v. L52-L54 (next height, reset, StartRound(0)) happen on the node's
 * startHeight, because the next height's validator set comes from executing this block; the commit timeout
 * scheduled here lets late precommits join the certificate first (CometBFT's timeout_commit).
 */
export function decide(state: TendermintState, round: number, blockHash: Uint8Array, out: TendermintEffect[]): TendermintState {
  const decision: Decision = { round, blockHash };
  const s: TendermintState = { ...state, step: 'commit', decision, commitTimeoutPending: true };
  out.push({ kind: 'decide', height: s.height, round, blockHash, commit: commitFromLog(s, decision) });
  out.push({ kind: 'scheduleTimeout', step: 'commit', height: s.height, round, durationMs: timeoutDurationMs(s.timeouts, 'commit', round) });
  return s;
}
