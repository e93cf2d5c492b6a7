/** Re-exports for the proposer tests, plus a check that a function throws a ChainError with a given code. */
import { isChainError } from '../../../../src/primitives/index.ts';

export { createValidatorSet, incrementProposerPriority, nextHeightValidatorSet, proposerForRound, updateValidatorSet } from '../../../../src/consensus/index.ts';

export function isChainErrorCode(fn: () => unknown, code: string): boolean {
  try {
    fn();
  } catch (err) {
    return isChainError(err) && err.code === code;
  }
  return false;
}
