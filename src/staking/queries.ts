/** Where read-only queries (JSON-RPC) find staking state; the layout itself stays private to the module. */
import { LISTS, delegationAmount, delegationRate, missedBlocks, validatorKey, validatorPower } from './layout.ts';

export const LISTS_VIEW = {
  candidates: LISTS.candidates,
  delegators: LISTS.delegators(new Uint8Array(20))[0],
  delegation: delegationAmount,
  /** Each delegation's own commission rate (1e18 = 1). */
  delegationRate,
  validatorPower,
  /** The set consensus has now, each member's consensus key, and its consecutive missed blocks (slashing.ts). */
  validators: LISTS.validators,
  validatorKey,
  missedBlocks,
};
