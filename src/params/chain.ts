/**
 * Chain constants and presets. No logic: values only, with where they come from
 * (reference/cybermiles.md §2.5-§2.7).
 */

/** EVM chain ids of the CyberMiles networks. 1234 is the private/dev network (`travis node init` default). */
export const CHAIN_IDS = { mainnet: 18n, testnet: 19n, staging: 20n, private: 1234n } as const;

export const CMT_DECIMALS = 18;
export const ONE_CMT_WEI = 10n ** 18n;

/** CyberMiles' `gas_price` parameter: the minimum gas price, 2 gwei. */
export const DEFAULT_MIN_GAS_PRICE_WEI = 2_000_000_000n;

/** The EVM hardfork: the latest one @ethereumjs/vm 10.1 marks final (ADR 0003). */
export const EVM_HARDFORK = 'osaka';

/** Maximum encoded transaction size accepted (CyberMiles allowed 32 KiB; contract deployments need more). */
export const DEFAULT_MAX_TX_SIZE_BYTES = 128 * 1024;

/**
 * Where every transaction fee goes: the fee pool that staking rewards distribute (issue 5). The EVM's
 * base-fee burn is credited here too, so no CMT is ever destroyed (ADR 0003).
 */
export const FEE_POOL_ADDRESS = '0x000000000000000000000000000000000000fee0';

/** The development mnemonic shared with anvil and Hardhat, so the dev accounts are the same ones. */
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';
export const DEV_ACCOUNT_COUNT = 10;
export const DEV_ACCOUNT_BALANCE_WEI = 1_000_000n * ONE_CMT_WEI;

/** Dev block gas limit: CyberMiles' fixed 8,192,000,000 would let one eth_call spin for minutes. */
export const DEV_BLOCK_GAS_LIMIT = 1_000_000_000n;

/** Gas cap for eth_call and eth_estimateGas (geth's RPCGasCap default). */
export const DEFAULT_RPC_GAS_CAP = 50_000_000n;

/** Tendermint-style chain id string of the dev network (CyberMiles' private default was "local"). */
export const DEV_CONSENSUS_CHAIN_ID = 'cybermiles-dev';
