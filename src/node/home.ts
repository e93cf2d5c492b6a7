/**
 * The home directory (default ~/.cybermiles), CometBFT's layout:
 *   config/genesis.json              the chain definition (user-editable)
 *   config/config.toml               node options (see cli/config.ts)
 *   config/priv_validator_key.json   ed25519 consensus key
 *   config/node_key.json             ed25519 p2p identity key
 *   data/chain.lmdb                  blocks, receipts, state
 *   data/priv_validator_state.json   what the validator signed last (never sign twice)
 *   data/cs.wal                      consensus write-ahead log of the height being decided
 *   keystore/                        encrypted account keys (keystore v3)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ed25519Address, ed25519KeyFromSeed, generateEd25519Key } from '../crypto/index.ts';
import type { Ed25519Key } from '../crypto/index.ts';
import { CHAIN_IDS, DEFAULT_MAX_TX_SIZE_BYTES, DEFAULT_MIN_GAS_PRICE_WEI, DEV_CONSENSUS_CHAIN_ID, ONE_CMT_WEI } from '../params/index.ts';
import { ChainError, bytesToHex } from '../primitives/index.ts';
import { parseGenesis } from '../types/index.ts';
import type { Genesis, GenesisJson } from '../types/index.ts';

export const homePaths = (home: string) => ({
  config: join(home, 'config'),
  genesis: join(home, 'config', 'genesis.json'),
  configFile: join(home, 'config', 'config.toml'),
  validatorKey: join(home, 'config', 'priv_validator_key.json'),
  nodeKey: join(home, 'config', 'node_key.json'),
  data: join(home, 'data'),
  db: join(home, 'data', 'chain.lmdb'),
  signerState: join(home, 'data', 'priv_validator_state.json'),
  consensusWal: join(home, 'data', 'cs.wal'),
  keystore: join(home, 'keystore'),
});

export interface InitOptions {
  chainId: bigint;
  consensusChainId: string;
  blockGasLimit: bigint;
  alloc: Array<{ address: string; balanceWei: bigint }>;
  genesisTime: Date;
  /** Validator i's candidacy is owned by owners[i] (an Ethereum address), when given. */
  validatorOwners?: string[];
  /** app_state.stake.params: overrides of the staking parameters (ADR 0014); staking is always on. */
  stakingParams?: Record<string, string | number | boolean>;
  /** Each genesis validator's self-stake, wei (default 1,000,000 CMT). */
  validatorStakeWei?: bigint;
}

/**
 * A single-validator dev chain's staking: one validator seat (this node's: a second validator would need a
 * second node, and the chain would halt without it), four backups where declared candidates land, no 12%
 * cap (with so few seats it would make every candidate above 12% equal to the dev validator), unbonding
 * and proposals in a few blocks.
 */
export const DEV_STAKING_PARAMS: Record<string, string | number> = {
  max_vals: 1,
  backup_vals: 4,
  validator_size_threshold: '1/1',
  unstake_waiting_period: '10',
  proposal_expire_period: '100',
};

/** The dev validator's self-stake: more than a few dev accounts together could put behind another candidate. */
export const DEV_VALIDATOR_STAKE_WEI = 10_000_000n * ONE_CMT_WEI;

export function defaultInitOptions(): InitOptions {
  return {
    chainId: CHAIN_IDS.private,
    consensusChainId: DEV_CONSENSUS_CHAIN_ID,
    blockGasLimit: 1_000_000_000n,
    alloc: [],
    genesisTime: new Date(),
  };
}

function keyJson(key: Ed25519Key): object {
  return {
    address: bytesToHex(ed25519Address(key.publicKey)).slice(2).toUpperCase(),
    pub_key: { type: 'tendermint/PubKeyEd25519', value: Buffer.from(key.publicKey).toString('base64') },
    priv_key: { type: 'tendermint/PrivKeyEd25519', value: Buffer.concat([key.seed, key.publicKey]).toString('base64') },
  };
}

export function loadKeyFile(path: string): Ed25519Key {
  let json: { priv_key?: { value?: unknown } };
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ChainError('BAD_KEY_FILE', `cannot read key file ${path}: ${(err as Error).message}`);
  }
  const raw = Buffer.from(String(json.priv_key?.value ?? ''), 'base64');
  if (raw.length !== 64) throw new ChainError('BAD_KEY_FILE', `${path}: priv_key must be 64 bytes (seed and public key)`);
  return ed25519KeyFromSeed(new Uint8Array(raw.subarray(0, 32)));
}

/**
 * The genesis of a chain whose validators are `validatorKeys`, in CyberMiles' validator shape with equal
 * power: one key for `cmt init`, one per home for `cmt testnet init`.
 */
export function buildGenesisJson(opts: InitOptions, validatorKeys: readonly Ed25519Key[]): GenesisJson {
  const alloc: GenesisJson['app_state']['evm']['alloc'] = {};
  for (const a of opts.alloc) alloc[a.address] = { balance: a.balanceWei.toString() };
  const stake = opts.validatorStakeWei ?? 1_000_000n * ONE_CMT_WEI;
  const maxAmount = 10n * stake;
  return {
    genesis_time: opts.genesisTime.toISOString(),
    chain_id: opts.consensusChainId,
    consensus_params: { block: { max_gas: opts.blockGasLimit.toString(), max_tx_bytes: DEFAULT_MAX_TX_SIZE_BYTES } },
    validators: validatorKeys.map((key, i) => ({
      name: `validator${i}`,
      pub_key: { type: 'tendermint/PubKeyEd25519', value: Buffer.from(key.publicKey).toString('base64') },
      address: bytesToHex(ed25519Address(key.publicKey)),
      power: '10',
      shares: stake.toString(),
      max_amount: maxAmount.toString(),
      comp_rate: '1/5',
      ...(opts.validatorOwners?.[i] === undefined ? {} : { owner: opts.validatorOwners[i] }),
    })),
    app_state: {
      evm: { chain_id: Number(opts.chainId), min_gas_price: DEFAULT_MIN_GAS_PRICE_WEI.toString(), alloc },
      stake: { params: opts.stakingParams ?? {} },
    },
  };
}

export function isInitialised(home: string): boolean {
  return existsSync(homePaths(home).genesis);
}

export interface HomeKeys {
  validatorKey: Ed25519Key;
  nodeKey: Ed25519Key;
}

/**
 * First half of a new home: its directories and fresh validator and node keys. Refuses a home that
 * already has a genesis: overwriting it would orphan its chain data.
 */
export function createHomeKeys(home: string): HomeKeys {
  const p = homePaths(home);
  if (existsSync(p.genesis)) throw new ChainError('HOME_EXISTS', `${p.genesis} already exists; refusing to overwrite it`);
  for (const dir of [p.config, p.data, p.keystore]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = { validatorKey: generateEd25519Key(), nodeKey: generateEd25519Key() };
  writeFileSync(p.validatorKey, `${JSON.stringify(keyJson(keys.validatorKey), null, 2)}\n`, { mode: 0o600 });
  writeFileSync(p.nodeKey, `${JSON.stringify(keyJson(keys.nodeKey), null, 2)}\n`, { mode: 0o600 });
  return keys;
}

/** Second half: the genesis (shared by every home of one chain) and the config, unless one is there. */
export function writeHomeFiles(home: string, genesis: GenesisJson, configToml: string): void {
  const p = homePaths(home);
  writeFileSync(p.genesis, `${JSON.stringify(genesis, null, 2)}\n`);
  if (!existsSync(p.configFile)) writeFileSync(p.configFile, configToml);
}

/** Writes a fresh single-validator home. */
export function initHome(home: string, opts: InitOptions, configToml: string): { genesis: GenesisJson } {
  const { validatorKey } = createHomeKeys(home);
  const genesis = buildGenesisJson(opts, [validatorKey]);
  writeHomeFiles(home, genesis, configToml);
  return { genesis };
}

export function loadGenesis(home: string): Genesis {
  const path = homePaths(home).genesis;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ChainError('BAD_GENESIS', `cannot read ${path}: ${(err as Error).message}`);
  }
  return parseGenesis(json);
}
