/** Where read-only queries (JSON-RPC) find staking state; the layout itself stays private to the module. */
import { LISTS, delegationAmount, validatorPower } from './layout.ts';

export const LISTS_VIEW = {
  candidates: LISTS.candidates,
  delegators: LISTS.delegators(new Uint8Array(20))[0],
  delegation: delegationAmount,
  validatorPower,
};
