/**
 * Why a staking call is refused: the name and arguments of a Solidity custom error (declared in abi.ts),
 * so callers get it ABI-encoded in the revert data, as from any contract.
 */
export class StakingError extends Error {
  constructor(
    readonly errorName: string,
    readonly args: readonly unknown[],
    message: string,
  ) {
    super(message);
    this.name = 'StakingError';
  }
}

export function refuse(errorName: string, args: readonly unknown[], message: string): never {
  throw new StakingError(errorName, args, message);
}
