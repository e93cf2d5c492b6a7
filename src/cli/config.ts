/**
 * Node options from four layers, highest first: command-line flags > environment (CMT_*) > the config
 * file (<home>/config/config.toml) > defaults. Every option has one name per layer, listed in OPTIONS,
 * so the layers cannot drift apart and the README table is generated from the same list.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { DEFAULT_METRICS_HOST, DEFAULT_P2P_PORT, METRICS_PORT_UNSET, homePaths, parseListenAddress, parsePeerList } from '../node/index.ts';
import type { ClientVersionCompat, NodeOptions } from '../node/index.ts';
import { ONE_CMT_WEI } from '../params/index.ts';
import { ChainError } from '../primitives/index.ts';

type Setter = (o: NodeOptions, value: string) => void;

export interface OptionSpec {
  flag: string; // commander long flag without dashes
  env: string;
  file: string; // dotted path in config.toml
  description: string;
  set: Setter;
}

function int(name: string, v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new ChainError('BAD_OPTION', `invalid ${name}: expected a non-negative integer, got "${v}"`);
  return Number(v);
}

function big(name: string, v: string): bigint {
  if (!/^(\d+|0x[0-9a-fA-F]+)$/.test(v.trim())) throw new ChainError('BAD_OPTION', `invalid ${name}: expected an integer, got "${v}"`);
  return BigInt(v.trim());
}

function seconds(name: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new ChainError('BAD_OPTION', `invalid ${name}: expected seconds >= 0, got "${v}"`);
  return n;
}

function bool(name: string, v: string): boolean {
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new ChainError('BAD_OPTION', `invalid ${name}: expected true or false, got "${v}"`);
}

export const OPTIONS: OptionSpec[] = [
  { flag: 'rpc.host', env: 'CMT_RPC_HOST', file: 'rpc.host', description: 'JSON-RPC listen address', set: (o, v) => (o.rpc.host = v) },
  { flag: 'rpc.port', env: 'CMT_RPC_PORT', file: 'rpc.port', description: 'JSON-RPC port (HTTP and WebSocket), 0 = any free port', set: (o, v) => (o.rpc.port = int('rpc.port', v)) },
  { flag: 'rpc.cors', env: 'CMT_RPC_CORS', file: 'rpc.cors', description: 'Access-Control-Allow-Origin for browsers', set: (o, v) => (o.rpc.corsOrigin = v) },
  { flag: 'rpc.gas-cap', env: 'CMT_RPC_GAS_CAP', file: 'rpc.gas_cap', description: 'gas cap of eth_call and eth_estimateGas', set: (o, v) => (o.rpc.gasCap = big('rpc.gas-cap', v)) },
  { flag: 'block-time', env: 'CMT_BLOCK_TIME', file: 'node.block_time', description: 'seconds between blocks; 0 = a block per transaction as it arrives', set: (o, v) => (o.blockTimeMs = seconds('block-time', v) * 1000) },
  { flag: 'log-level', env: 'CMT_LOG_LEVEL', file: 'node.log_level', description: 'error, warn, info or debug', set: (o, v) => (o.logLevel = v as NodeOptions['logLevel']) },
  { flag: 'execution-worker', env: 'CMT_EXECUTION_WORKER', file: 'node.execution_worker', description: 'execute blocks in a worker thread beside the RPC thread: true, false, or auto (a worker unless automining)', set: (o, v) => (o.executionWorker = v === 'auto' ? 'auto' : bool('execution-worker', v)) },
  { flag: 'accounts', env: 'CMT_ACCOUNTS', file: 'dev.accounts', description: 'dev accounts to derive and fund (on a new dev chain)', set: (o, v) => (o.dev.accounts = int('accounts', v)) },
  { flag: 'balance', env: 'CMT_BALANCE', file: 'dev.balance', description: 'CMT given to each dev account (on a new dev chain)', set: (o, v) => (o.dev.balanceWei = big('balance', v) * ONE_CMT_WEI) },
  { flag: 'mnemonic', env: 'CMT_MNEMONIC', file: 'dev.mnemonic', description: 'mnemonic of the dev accounts', set: (o, v) => (o.dev.mnemonic = v) },
  { flag: 'gas-limit', env: 'CMT_GAS_LIMIT', file: 'dev.gas_limit', description: 'block gas limit (on a new dev chain)', set: (o, v) => (o.dev.gasLimit = big('gas-limit', v)) },
  { flag: 'allow-unlimited-contract-size', env: 'CMT_ALLOW_UNLIMITED_CONTRACT_SIZE', file: 'dev.allow_unlimited_contract_size', description: 'lift the 24 KiB contract size limit', set: (o, v) => (o.dev.allowUnlimitedContractSize = bool('allow-unlimited-contract-size', v)) },
  { flag: 'client-version-compat', env: 'CMT_CLIENT_VERSION_COMPAT', file: 'dev.client_version_compat', description: 'with --dev, the web3_clientVersion prefix tools such as hardhat-network-helpers check: hardhat, anvil or none', set: (o, v) => (o.dev.clientVersionCompat = v as ClientVersionCompat) },
  { flag: 'mempool.max-per-account', env: 'CMT_MEMPOOL_MAX_PER_ACCOUNT', file: 'mempool.max_per_account', description: 'transactions one sender may have in the pool', set: (o, v) => (o.mempool.maxPerAccount = int('mempool.max-per-account', v)) },
  { flag: 'mempool.max-total', env: 'CMT_MEMPOOL_MAX_TOTAL', file: 'mempool.max_total', description: 'transactions the pool holds', set: (o, v) => (o.mempool.maxTotal = int('mempool.max-total', v)) },
  { flag: 'p2p.laddr', env: 'CMT_P2P_LADDR', file: 'p2p.laddr', description: 'p2p listen address host:port (used by a node of a multi-validator network)', set: (o, v) => (o.p2p.listen = parseListenAddress('p2p.laddr', v)) },
  { flag: 'p2p.persistent-peers', env: 'CMT_P2P_PERSISTENT_PEERS', file: 'p2p.persistent_peers', description: 'comma-separated id@host:port peers to keep connected', set: (o, v) => (o.p2p.persistentPeers = parsePeerList('p2p.persistent-peers', v)) },
  { flag: 'p2p.seeds', env: 'CMT_P2P_SEEDS', file: 'p2p.seeds', description: 'comma-separated id@host:port peers to dial once', set: (o, v) => (o.p2p.seeds = parsePeerList('p2p.seeds', v)) },
  { flag: 'consensus.timeouts', env: 'CMT_CONSENSUS_TIMEOUTS', file: 'consensus.timeouts', description: 'consensus timeout preset of a validator network: mainnet (CyberMiles: 3 s propose, 10 s commit) or dev (local networks: 1 s, 0.3 s)', set: (o, v) => (o.consensus.timeouts = v as NodeOptions['consensus']['timeouts']) },
  // no metrics.port, no metrics server; the host is kept for a port that may come from another layer
  { flag: 'metrics.port', env: 'CMT_METRICS_PORT', file: 'metrics.port', description: 'serve Prometheus metrics on http://<metrics.host>:<port>/metrics (off when unset; 0 = any free port)', set: (o, v) => (o.metrics = { host: o.metrics?.host ?? DEFAULT_METRICS_HOST, port: int('metrics.port', v) }) },
  { flag: 'metrics.host', env: 'CMT_METRICS_HOST', file: 'metrics.host', description: 'listen address of the metrics server (only with metrics.port)', set: (o, v) => (o.metrics = { host: v, port: o.metrics?.port ?? METRICS_PORT_UNSET }) },
];

/** Flattens a parsed TOML document into dotted keys, rejecting keys no option knows (typos). */
function flatten(doc: Record<string, unknown>, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(doc)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) for (const [kk, vv] of flatten(v as Record<string, unknown>, key)) out.set(kk, vv);
    else out.set(key, String(v));
  }
  return out;
}

export function readConfigFile(home: string): Map<string, string> {
  const path = homePaths(home).configFile;
  if (!existsSync(path)) return new Map();
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new ChainError('BAD_CONFIG', `${path}: ${(err as Error).message}`);
  }
  const values = flatten(doc);
  const known = new Set(OPTIONS.map((o) => o.file));
  for (const key of values.keys()) if (!known.has(key)) throw new ChainError('BAD_CONFIG', `${path}: unknown setting "${key}"`);
  return values;
}

/**
 * Applies file, then environment, then flags onto `base` (which holds the defaults). `specs` narrows
 * which options are read (`cmt status` wants only where the RPC listens, not a check of every setting).
 */
export function resolveOptions(base: NodeOptions, flags: Record<string, unknown>, env: NodeJS.ProcessEnv, specs: readonly OptionSpec[] = OPTIONS): NodeOptions {
  const file = readConfigFile(base.home);
  for (const spec of specs) {
    const fromFile = file.get(spec.file);
    if (fromFile !== undefined) spec.set(base, fromFile);
  }
  for (const spec of specs) {
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') spec.set(base, fromEnv);
  }
  for (const spec of specs) {
    const fromFlag = flags[flagKey(spec.flag)];
    if (fromFlag !== undefined) spec.set(base, String(fromFlag));
  }
  return base;
}

/** commander's attribute name for a flag ("rpc.port" -> "rpc.port", "block-time" -> "blockTime"). */
export function flagKey(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** What differs between the homes of a local testnet; a plain `cmt init` uses the defaults. */
export interface ConfigTomlValues {
  rpcPort: number;
  p2pLaddr: string;
  persistentPeers: string[];
  timeouts: NodeOptions['consensus']['timeouts'];
}

export function defaultConfigToml(values: Partial<ConfigTomlValues> = {}): string {
  const v: ConfigTomlValues = { rpcPort: 8545, p2pLaddr: `127.0.0.1:${DEFAULT_P2P_PORT}`, persistentPeers: [], timeouts: 'mainnet', ...values };
  return [
    '# CyberMiles node configuration. Precedence: command-line flags > CMT_* environment > this file > defaults.',
    '',
    '[rpc]',
    'host = "127.0.0.1"',
    `port = ${v.rpcPort}`,
    'cors = "*"',
    '',
    '[node]',
    '# seconds between blocks; 0 = one block per transaction, as soon as it arrives',
    'block_time = 1',
    'log_level = "info"',
    '',
    '[consensus]',
    '# timeout preset when several validators decide blocks: mainnet (CyberMiles\' 10 s blocks) or dev (fast, local)',
    `timeouts = "${v.timeouts}"`,
    '',
    '[p2p]',
    `laddr = "${v.p2pLaddr}"`,
    '# comma-separated id@host:port',
    `persistent_peers = "${v.persistentPeers.join(',')}"`,
    'seeds = ""',
    '',
    '[metrics]',
    '# uncomment port to serve Prometheus metrics on http://<host>:<port>/metrics',
    '# port = 26660',
    '# host = "127.0.0.1"',
    '',
  ].join('\n');
}
