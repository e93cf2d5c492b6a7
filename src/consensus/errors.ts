/**
 * Consensus error codes. The round machine itself never throws on bad input (a message that breaks a rule
 * is ignored, as the paper's "upon" guards simply do not match it); these errors come from building
 * validator sets and timeout options, i.e. from configuration, genesis or the execution layer.
 */
import { ChainError } from '../primitives/index.ts';

export const ConsensusErrorCode = {
  /** A validator set with no member, or a change that would leave it empty. */
  EMPTY_VALIDATOR_SET: 'EMPTY_VALIDATOR_SET',
  /** The same address twice in a validator set or in one batch of changes. */
  DUPLICATE_VALIDATOR: 'DUPLICATE_VALIDATOR',
  /** Voting power that is negative, zero where a member is required, or above the cap. */
  BAD_VOTING_POWER: 'BAD_VOTING_POWER',
  /** A removal (power 0) of an address that is not in the set. */
  UNKNOWN_VALIDATOR: 'UNKNOWN_VALIDATOR',
  /** Bad timeout options or arguments: a configuration error. */
  BAD_OPTION: 'BAD_OPTION',
} as const;
export type ConsensusErrorCode = (typeof ConsensusErrorCode)[keyof typeof ConsensusErrorCode];

/** All of these are caused by configuration or by the execution layer's output, never by a peer: reject. */
export function consensusError(code: ConsensusErrorCode, message: string, context: Record<string, unknown> = {}): ChainError<ConsensusErrorCode> {
  return new ChainError(code, message, context, 'reject');
}
