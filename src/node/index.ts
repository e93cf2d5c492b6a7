/**
 * node: the composition root. `startNode(options, deps)` opens the chain in a home directory, and runs
 * the mempool, the block producer (driven by the consensus machine) and the JSON-RPC server until
 * `stop()`. Also the home-directory layout, dev accounts, options, logging and the Prometheus metrics
 * (registry and /metrics server) used by the CLI and the node; and the local testnet: its homes
 * (`initTestnet`) and the supervisor that runs them as child processes (`TestnetRunner`).
 */
export { openChain } from './chain.ts';
export type { Chain } from './chain.ts';
export { CLIENT_VERSION_COMPATS, clientVersion, isClientVersionCompat } from './clientVersion.ts';
export type { ClientVersionCompat } from './clientVersion.ts';
export { systemClock } from './clock.ts';
export type { Clock } from './clock.ts';
export { deriveDevAccounts } from './devAccounts.ts';
export type { DevAccount } from './devAccounts.ts';
export { DEV_STAKING_PARAMS, DEV_VALIDATOR_STAKE_WEI, defaultInitOptions, homePaths, initHome, isInitialised, loadGenesis } from './home.ts';
export type { InitOptions } from './home.ts';
export { createLogger } from './logger.ts';
export type { Logger, LogLevel } from './logger.ts';
export { startNode } from './node.ts';
export type { Node } from './node.ts';
export { BLOCK_INTERVAL_BUCKETS_SECONDS, createMetrics, createRegistry } from './metrics.ts';
export type { Counter, Gauge, Histogram, NodeMetrics, Registry } from './metrics.ts';
export { DEFAULT_METRICS_HOST, METRICS_CONTENT_TYPE, startMetricsServer } from './metricsServer.ts';
export type { MetricsServer, MetricsServerOptions, MetricsSource } from './metricsServer.ts';
export { METRICS_PORT_UNSET, defaultHome, defaultNodeOptions, validateNodeOptions } from './options.ts';
export { DEFAULT_P2P_PORT, defaultP2POptions, parseListenAddress, parsePeerList } from './p2pOptions.ts';
export type { NodeP2POptions } from './p2pOptions.ts';
export type { MetricsOptions, NodeOptions } from './options.ts';
export { MAX_TESTNET_VALIDATORS, TESTNET_P2P_BASE_PORT, TESTNET_RPC_BASE_PORT, initTestnet, listTestnetHomes } from './testnet.ts';
export type { TestnetHome, TestnetNode, TestnetOptions } from './testnet.ts';
export { DEFAULT_STOP_GRACE_MS, TestnetRunner, createLinePrefixer, describeExit, nodeChildSpecs, selectTestnetHomes } from './testnetRunner.ts';
export type { ChildExit, LinePrefixer, NodeCommand, RunnerChildSpec, StopResult, TestnetRunnerDeps, TestnetRunnerOptions } from './testnetRunner.ts';
export { VERSION } from './version.ts';
