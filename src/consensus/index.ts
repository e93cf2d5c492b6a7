/**
 * consensus: sans-IO block agreement. Never imports storage, state, execution or p2p.
 *
 * - `stepTendermint(state, input) -> { state, effects }`: the Tendermint BFT round machine (ADR 0011):
 *   proposals and votes in (signatures already verified by the caller), requests out (build, validate,
 *   sign, broadcast, schedule a timeout, decide with the +2/3 commit certificate, report evidence).
 * - Validator sets with CometBFT's proposer-priority weighted round robin (`proposerForRound`).
 * - Timeout presets (`mainnet`, `dev`).
 * - `stepPacer`: when a single-validator chain starts its next height (interval, automine, manual).
 */
export { consensusError, ConsensusErrorCode } from './errors.ts';
export { createPacerState, stepPacer } from './pacer.ts';
export type { PacerOutput, PacerState, PacerStep } from './pacer.ts';
export type { PacerEffect, PacerInput } from './types.ts';
export { createDuplicateVoteEvidence, isDuplicateVoteEvidence } from './tendermint/evidence.ts';
export { FUTURE_ROUNDS_PER_VALIDATOR } from './tendermint/messageLog.ts';
export { proposalsOf } from './tendermint/messageLog.ts';
export type { MessageLog, RoundMessages } from './tendermint/messageLog.ts';
export { incrementProposerPriority, nextHeightValidatorSet, proposerForRound } from './tendermint/proposerSelection.ts';
export { MAX_PROPOSAL_ROUND_LEAD, stepTendermint } from './tendermint/roundMachine.ts';
export type { TendermintOutput } from './tendermint/roundMachine.ts';
export { createTendermintState } from './tendermint/state.ts';
export type { Decision, RoundGuards, TendermintOptions, TendermintState } from './tendermint/state.ts';
export { isOneThirdPlus, isQuorum } from './tendermint/thresholds.ts';
export { DEV_TIMEOUTS, MAINNET_TIMEOUTS, TIMEOUT_PRESETS, timeoutDurationMs, validateTimeoutOptions } from './tendermint/timeouts.ts';
export type { TimeoutOptions, TimeoutPreset } from './tendermint/timeouts.ts';
export type { DuplicateVoteEvidence, Proposal, Step, TendermintEffect, TendermintInput, TimeoutStep, Vote, VoteType } from './tendermint/types.ts';
export { createValidatorSet, findValidator, MAX_TOTAL_VOTING_POWER, updateValidatorSet, validatorSetHash } from './tendermint/validatorSet.ts';
export type { ConsensusValidator, ValidatorSet } from './tendermint/validatorSet.ts';
export { NIL_KEY, valueKey } from './tendermint/voteSet.ts';
export type { VoteSet } from './tendermint/voteSet.ts';
export { SIGN_STEP, checkSign } from './signGuard.ts';
export type { LastSigned, SignDecision, SignRequest, SignStep } from './signGuard.ts';
export { verifyCommit } from './verifyCommit.ts';
export type { CommitErrorCode } from './verifyCommit.ts';
