/**
 * params: chain constants and presets (chain ids, minimum gas price, fee pool, dev accounts, the system contracts'
 * addresses and ABIs). Values only.
 */
export {
  CHAIN_IDS,
  CMT_DECIMALS,
  DEFAULT_MAX_TX_SIZE_BYTES,
  DEFAULT_MIN_GAS_PRICE_WEI,
  DEFAULT_RPC_GAS_CAP,
  DEV_ACCOUNT_BALANCE_WEI,
  DEV_ACCOUNT_COUNT,
  DEV_BLOCK_GAS_LIMIT,
  DEV_CONSENSUS_CHAIN_ID,
  DEV_MNEMONIC,
  EVM_HARDFORK,
  FEE_POOL_ADDRESS,
  ONE_CMT_WEI,
} from './chain.ts';
export { COMMUNITY_POOL_ADDRESS, GOVERNANCE_ABI, GOVERNANCE_ADDRESS, RATE_ONE, STAKING_ABI, STAKING_ADDRESS } from './systemContracts.ts';
