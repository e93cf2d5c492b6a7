/**
 * node: the composition root. `startNode(options, deps)` opens the chain in a home directory, and runs
 * the mempool, the block producer (driven by the consensus machine) and the JSON-RPC server until
 * `stop()`. Also the home-directory layout, dev accounts, options and logging used by the CLI.
 */
export { openChain } from './chain.ts';
export type { Chain } from './chain.ts';
export { CLIENT_VERSION_COMPATS, clientVersion, isClientVersionCompat } from './clientVersion.ts';
export type { ClientVersionCompat } from './clientVersion.ts';
export { systemClock } from './clock.ts';
export type { Clock } from './clock.ts';
export { deriveDevAccounts } from './devAccounts.ts';
export type { DevAccount } from './devAccounts.ts';
export { defaultInitOptions, homePaths, initHome, isInitialised, loadGenesis } from './home.ts';
export type { InitOptions } from './home.ts';
export { createLogger } from './logger.ts';
export type { Logger, LogLevel } from './logger.ts';
export { startNode } from './node.ts';
export type { Node } from './node.ts';
export { defaultHome, defaultNodeOptions, validateNodeOptions } from './options.ts';
export { DEFAULT_P2P_PORT, defaultP2POptions, parseListenAddress, parsePeerList } from './p2pOptions.ts';
export type { NodeP2POptions } from './p2pOptions.ts';
export type { NodeOptions } from './options.ts';
export { MAX_TESTNET_VALIDATORS, initTestnet } from './testnet.ts';
export type { TestnetNode, TestnetOptions } from './testnet.ts';
export { VERSION } from './version.ts';
