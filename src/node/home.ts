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
  /** app_state.stake.params: staking on, with these overrides (ADR 0014); absent: staking off. */
  stakingParams?: Record<string, string | number | boolean>;
}

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
  const maxAmount = 10_000_000n * ONE_CMT_WEI;
  return {
    genesis_time: opts.genesisTime.toISOString(),
    chain_id: opts.consensusChainId,
    consensus_params: { block: { max_gas: opts.blockGasLimit.toString(), max_tx_bytes: DEFAULT_MAX_TX_SIZE_BYTES } },
    validators: validatorKeys.map((key, i) => ({
      name: `validator${i}`,
      pub_key: { type: 'tendermint/PubKeyEd25519', value: Buffer.from(key.publicKey).toString('base64') },
      address: bytesToHex(ed25519Address(key.publicKey)),
      power: '10',
      shares: (maxAmount / 10n).toString(),
      max_amount: maxAmount.toString(),
      comp_rate: '1/5',
      ...(opts.validatorOwners?.[i] === undefined ? {} : { owner: opts.validatorOwners[i] }),
    })),
    app_state: {
      evm: { chain_id: Number(opts.chainId), min_gas_price: DEFAULT_MIN_GAS_PRICE_WEI.toString(), alloc },
      ...(opts.stakingParams === undefined ? {} : { stake: { params: opts.stakingParams } }),
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
