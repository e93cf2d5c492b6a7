/**
 * NodeOptions: everything a node needs to run, with defaults, test values and validation. The CLI only
 * turns argv, environment and config file into this shape (flags > env > file > defaults).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ChainError } from '../primitives/index.ts';
import { TIMEOUT_PRESETS } from '../consensus/index.ts';
import type { TimeoutPreset } from '../consensus/index.ts';
import { DEV_ACCOUNT_BALANCE_WEI, DEV_ACCOUNT_COUNT, DEV_BLOCK_GAS_LIMIT, DEV_MNEMONIC } from '../params/index.ts';
import { CLIENT_VERSION_COMPATS, isClientVersionCompat } from './clientVersion.ts';
import { defaultP2POptions } from './p2pOptions.ts';
import type { NodeP2POptions } from './p2pOptions.ts';
import type { ClientVersionCompat } from './clientVersion.ts';

export interface RPCOptions {
  host: string;
  port: number;
  /** Access-Control-Allow-Origin value, '*' by default like anvil and Hardhat. */
  corsOrigin: string;
  maxBodyBytes: number;
  maxBatchSize: number;
  gasCap: bigint;
}

export interface DevOptions {
  enabled: boolean;
  mnemonic: string;
  accounts: number;
  balanceWei: bigint;
  gasLimit: bigint;
  allowUnlimitedContractSize: boolean;
  /** The web3_clientVersion prefix a dev chain reports, for tools that check it (ADR 0008); ignored without --dev. */
  clientVersionCompat: ClientVersionCompat;
}

/** Where to serve Prometheus metrics (GET /metrics); see metricsServer.ts. */
export interface MetricsOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
}

/**
 * The port `metrics.host` alone leaves in `metrics`: a host may come from one layer (config.toml) and the
 * port that turns metrics on from another (a flag), so the host is kept until then; validateNodeOptions
 * drops a `metrics` that never got a port. Never a user's value: option parsing rejects negative ports.
 */
export const METRICS_PORT_UNSET = -1;

export interface NodeOptions {
  home: string;
  /** 0 = automine: one block per transaction as soon as it arrives. */
  blockTimeMs: number;
  rpc: RPCOptions;
  dev: DevOptions;
  mempool: { maxPerAccount: number; maxTotal: number };
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  /** Print the dev accounts banner on start (anvil style). */
  banner: boolean;
  /**
   * Execute blocks in a worker thread, beside the JSON-RPC thread (docs/performance.md). 'auto': a worker for
   * interval mining and networks, this thread for automine, whose one-transaction blocks would pay four thread
   * hops each (ADR 0027).
   */
  executionWorker: boolean | 'auto';
  /** Peer settings: used when the genesis has several validators (or this node is not one of them). */
  p2p: NodeP2POptions;
  /** Consensus timeouts of a validator network (a single validator is paced by blockTimeMs instead). */
  consensus: { timeouts: TimeoutPreset };
  /** Absent: no metrics server. */
  metrics?: MetricsOptions;
}

export function defaultHome(): string {
  return join(homedir(), '.cybermiles');
}

export function defaultNodeOptions(): NodeOptions {
  return {
    home: defaultHome(),
    blockTimeMs: 1000,
    rpc: {
      host: '127.0.0.1',
      port: 8545,
      corsOrigin: '*',
      maxBodyBytes: 5 * 1024 * 1024,
      maxBatchSize: 1000,
      gasCap: 50_000_000n,
    },
    dev: {
      enabled: false,
      mnemonic: DEV_MNEMONIC,
      accounts: DEV_ACCOUNT_COUNT,
      balanceWei: DEV_ACCOUNT_BALANCE_WEI,
      gasLimit: DEV_BLOCK_GAS_LIMIT,
      allowUnlimitedContractSize: false,
      clientVersionCompat: 'hardhat',
    },
    mempool: { maxPerAccount: 1024, maxTotal: 100_000 },
    logLevel: 'info',
    banner: true,
    executionWorker: 'auto',
    p2p: defaultP2POptions(),
    consensus: { timeouts: 'mainnet' },
  };
}

export function validateNodeOptions(o: NodeOptions): NodeOptions {
  const bad = (field: string, why: string): never => {
    throw new ChainError('BAD_OPTION', `invalid option ${field}: ${why}`, { field });
  };
  if (!Number.isInteger(o.rpc.port) || o.rpc.port < 0 || o.rpc.port > 65535) bad('rpc.port', `${o.rpc.port} is not a TCP port`);
  if (o.metrics?.port === METRICS_PORT_UNSET) delete o.metrics; // a host without a port turns nothing on
  if (o.metrics !== undefined) {
    if (!Number.isInteger(o.metrics.port) || o.metrics.port < 0 || o.metrics.port > 65535) bad('metrics.port', `${o.metrics.port} is not a TCP port`);
    if (o.metrics.host.trim() === '') bad('metrics.host', 'must not be empty');
  }
  if (!Number.isInteger(o.p2p.listen.port) || o.p2p.listen.port < 0 || o.p2p.listen.port > 65535) bad('p2p.laddr', `${o.p2p.listen.port} is not a TCP port`);
  if (!Number.isFinite(o.blockTimeMs) || o.blockTimeMs < 0) bad('block-time', 'must be >= 0 seconds');
  if (!Number.isInteger(o.dev.accounts) || o.dev.accounts < 0 || o.dev.accounts > 10_000) bad('accounts', 'must be 0..10000');
  if (o.dev.balanceWei < 0n) bad('balance', 'must be >= 0');
  if (o.dev.gasLimit < 21_000n) bad('gas-limit', 'must be at least 21000');
  if (!isClientVersionCompat(o.dev.clientVersionCompat)) bad('client-version-compat', `one of ${CLIENT_VERSION_COMPATS.join(', ')}`);
  if (!Object.hasOwn(TIMEOUT_PRESETS, o.consensus.timeouts)) bad('consensus.timeouts', `one of ${Object.keys(TIMEOUT_PRESETS).join(', ')}`);
  if (!['error', 'warn', 'info', 'debug'].includes(o.logLevel)) bad('log-level', 'one of error, warn, info, debug');
  return o;
}
