/**
 * What the client throws: a refusal by a system contract (its custom error, decoded), or a client-side
 * problem (bad input, no signer, a node that does not answer). Both are ChainErrors, so the CLI prints them
 * as one line.
 */
import { ChainError } from '../primitives/index.ts';

export type ClientErrorCode = 'BAD_AMOUNT' | 'BAD_RATE' | 'BAD_PUBKEY' | 'BAD_ADDRESS' | 'BAD_HEIGHT' | 'NO_SIGNER' | 'TX_REVERTED' | 'NODE_ERROR';

/** Bad input or a failed exchange with the node; `context` names the value or the transaction. */
export class ClientError extends ChainError<ClientErrorCode> {
  constructor(code: ClientErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(code, message, context);
    this.name = 'ClientError';
  }
}

/**
 * The staking or governance contract refused the call: `errorName` and `args` are the Solidity custom error
 * (contracts/staking/IStaking.sol, IGovernance.sol), e.g. `AboveMaxStake` with `[maxStake, wouldBe]`. Nothing
 * was mined: the client decodes the refusal from the node's dry run (gas estimation) before it signs.
 */
export class ContractRevertError extends ChainError<'CONTRACT_REVERT'> {
  constructor(
    readonly contract: 'staking' | 'governance',
    readonly errorName: string,
    readonly args: readonly unknown[],
  ) {
    super('CONTRACT_REVERT', `${contract} refused: ${errorName}(${args.map(String).join(', ')})`, { contract, errorName, args: args.map(String) });
    this.name = 'ContractRevertError';
  }
}
