/**
 * A local testnet on one machine (issue 4, item 6): N homes DIR/node0..node{N-1} that share one genesis
 * listing all N validators, each with its own keys, distinct ports (JSON-RPC rpcBasePort+i, p2p
 * p2pBasePort+i; 8545 and 26656 by default) and every other node as a persistent peer. The home files come
 * from home.ts, as for `cmt init`. `listTestnetHomes` finds them again for `cmt testnet start`.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { formatPeerAddress, nodeIdFromPublicKey } from '../p2p/index.ts';
import { ChainError } from '../primitives/index.ts';
import type { GenesisJson } from '../types/index.ts';
import { buildGenesisJson, createHomeKeys, writeHomeFiles } from './home.ts';
import type { InitOptions } from './home.ts';
import { DEFAULT_P2P_PORT } from './p2pOptions.ts';

export const TESTNET_RPC_BASE_PORT = 8545;
export const TESTNET_P2P_BASE_PORT = DEFAULT_P2P_PORT;
/** Enough for any test or demo on one machine, and keeps 26656+i and 8545+i ranges apart. */
export const MAX_TESTNET_VALIDATORS = 64;

export interface TestnetNode {
  index: number;
  home: string;
  nodeId: string;
  rpcPort: number;
  p2pLaddr: string;
  /** Every other node, `id@127.0.0.1:port`. */
  persistentPeers: string[];
}

export interface TestnetOptions {
  dir: string;
  validators: number;
  /** Replace the node<k> homes an earlier testnet left in `dir`. */
  force: boolean;
  init: InitOptions;
  /** config.toml of one node; the CLI owns the file's format. */
  configToml: (node: TestnetNode) => string;
  /** JSON-RPC port of node0 (node i gets base + i); TESTNET_RPC_BASE_PORT when absent. */
  rpcBasePort?: number;
  /** p2p port of node0 (node i gets base + i); TESTNET_P2P_BASE_PORT when absent. */
  p2pBasePort?: number;
}

const NODE_DIR = /^node\d+$/;

export function initTestnet(o: TestnetOptions): { nodes: TestnetNode[]; genesis: GenesisJson } {
  if (!Number.isInteger(o.validators) || o.validators < 1 || o.validators > MAX_TESTNET_VALIDATORS) {
    throw new ChainError('BAD_OPTION', `invalid --validators: expected 1..${MAX_TESTNET_VALIDATORS}, got ${o.validators}`);
  }
  const rpcBase = o.rpcBasePort ?? TESTNET_RPC_BASE_PORT;
  const p2pBase = o.p2pBasePort ?? TESTNET_P2P_BASE_PORT;
  checkPortRanges(o.validators, rpcBase, p2pBase);
  prepareDir(o.dir, o.force);
  const homes = Array.from({ length: o.validators }, (_, i) => join(o.dir, `node${i}`));
  const keys = homes.map((home) => createHomeKeys(home));
  const addresses = keys.map((k, i) => ({ id: nodeIdFromPublicKey(k.nodeKey.publicKey), host: '127.0.0.1', port: p2pBase + i }));
  // a local network stakes: candidates, delegation and the election decide its validator set; unbonding
  // takes 100 blocks instead of mainnet's 60,480 (ADR 0014)
  const genesis = buildGenesisJson({ stakingParams: { unstake_waiting_period: '100' }, ...o.init }, keys.map((k) => k.validatorKey));
  const nodes = homes.map((home, i): TestnetNode => {
    const self = addresses[i] as (typeof addresses)[number];
    return {
      index: i,
      home,
      nodeId: self.id,
      rpcPort: rpcBase + i,
      p2pLaddr: `${self.host}:${self.port}`,
      persistentPeers: addresses.filter((_, j) => j !== i).map(formatPeerAddress),
    };
  });
  for (const node of nodes) writeHomeFiles(node.home, genesis, o.configToml(node));
  return { nodes, genesis };
}

/** Both ranges must fit below 65536 and must not overlap, or two nodes would fight over a port. */
function checkPortRanges(n: number, rpcBase: number, p2pBase: number): void {
  for (const [name, base] of [['rpc-base-port', rpcBase], ['p2p-base-port', p2pBase]] as const) {
    if (!Number.isInteger(base) || base < 1 || base + n - 1 > 65_535) {
      throw new ChainError('BAD_OPTION', `invalid --${name}: expected 1..${65_536 - n} for ${n} nodes, got ${base}`, { field: name });
    }
  }
  if (rpcBase < p2pBase + n && p2pBase < rpcBase + n) {
    throw new ChainError('BAD_OPTION', `invalid port bases: JSON-RPC ${rpcBase}..${rpcBase + n - 1} overlaps p2p ${p2pBase}..${p2pBase + n - 1}`, {
      field: 'rpc-base-port',
    });
  }
}

export interface TestnetHome {
  index: number;
  home: string;
}

/** The node<k> homes `initTestnet` wrote in `dir` (those with a genesis), by index; [] when there are none. */
export function listTestnetHomes(dir: string): TestnetHome[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => NODE_DIR.test(name) && existsSync(join(dir, name, 'config', 'genesis.json')))
    .map((name) => ({ index: Number(name.slice('node'.length)), home: join(dir, name) }))
    .sort((a, b) => a.index - b.index);
}

/**
 * A testnet must not be written over anything else: a non-empty dir is refused unless --force, and even
 * then only the node<k> homes are removed, so pointing --dir at the wrong place cannot wipe unrelated files.
 */
function prepareDir(dir: string, force: boolean): void {
  if (!existsSync(dir)) return;
  const entries = readdirSync(dir);
  if (entries.length === 0) return;
  if (!force) throw new ChainError('DIR_NOT_EMPTY', `${dir} is not empty; refusing to overwrite it (use --force to replace its node homes)`);
  for (const name of entries) if (NODE_DIR.test(name)) rmSync(join(dir, name), { recursive: true, force: true });
}
