/**
 * genesis.json: the one file that defines a chain. Tendermint's shape (genesis_time, chain_id,
 * consensus_params, validators with ed25519 keys in CyberMiles' fields, reference/cybermiles.md §7) plus
 * an app_state.evm section (chain id, minimum gas price, allocations). Users edit it by hand, so the
 * parser names the field that is wrong.
 */
import { ChainError, hexToBytes, isHex } from '../primitives/index.ts';

export interface GenesisAccount {
  balance: bigint;
  nonce?: bigint;
  code?: Uint8Array;
  storage?: Array<[Uint8Array, Uint8Array]>;
}

export interface GenesisValidator {
  name: string;
  publicKey: Uint8Array; // ed25519, 32 bytes
  power: bigint;
  shares: bigint; // CMT wei staked (used by the staking issue)
  maxAmount: bigint;
  compRate: string; // exact rational, e.g. "1/5"
  /** The Ethereum address that owns the candidacy (may withdraw its stake); absent: nobody can. */
  owner?: Uint8Array;
}

/**
 * app_state.stake: staking is on when present (ADR 0014), with these overrides of the default parameters,
 * in CyberMiles' JSON names (reference/cybermiles.md §3.1). Ratios are "num/den".
 */
export interface GenesisStaking {
  maxValidators?: number;
  backupValidators?: number;
  selfStakeRatio?: { num: bigint; den: bigint };
  sizeThreshold?: { num: bigint; den: bigint };
  unbondingBlocks?: bigint;
  foundation?: Uint8Array;
  /** CMT minted per block, wei (block_issuance; CyberMiles derived it from inflation_rate). */
  blockIssuance?: bigint;
  validatorsShare?: { num: bigint; den: bigint };
  slashRatio?: { num: bigint; den: bigint };
  maxMissedBlocks?: bigint;
  slashAbsence?: boolean;
  proposalExpireBlocks?: bigint;
  minEarningStake?: bigint;
  electionInterval?: bigint;
}

export interface Genesis {
  genesisTimeSec: bigint;
  consensusChainId: string;
  chainId: bigint;
  minGasPriceWei: bigint;
  blockGasLimit: bigint;
  maxTxSizeBytes: number;
  alloc: Map<string, GenesisAccount>; // lower-case 0x address
  validators: GenesisValidator[];
  staking?: GenesisStaking;
}

export interface GenesisJson {
  genesis_time: string;
  chain_id: string;
  consensus_params: { block: { max_gas: string; max_tx_bytes: number } };
  validators: Array<{
    name: string;
    pub_key: { type: 'tendermint/PubKeyEd25519'; value: string };
    address?: string;
    power: string;
    shares: string;
    max_amount: string;
    comp_rate: string;
    owner?: string;
  }>;
  app_state: {
    evm: {
      chain_id: number | string;
      min_gas_price: string;
      alloc: Record<string, { balance: string; nonce?: string; code?: string; storage?: Record<string, string> }>;
    };
    stake?: { params?: Record<string, string | number | boolean> };
  };
}

function fail(field: string, why: string): never {
  throw new ChainError('BAD_GENESIS', `genesis.json: ${field}: ${why}`, { field });
}

function toBigint(value: unknown, field: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) return BigInt(value);
  return fail(field, `expected a non-negative integer (decimal or 0x-hex string), got ${JSON.stringify(value)}`);
}

function toHexBytes(value: unknown, field: string): Uint8Array {
  if (!isHex(value) || value.length % 2 !== 0) fail(field, 'expected 0x-prefixed even-length hex');
  return hexToBytes(value);
}

function parseAlloc(raw: unknown): Map<string, GenesisAccount> {
  if (typeof raw !== 'object' || raw === null) fail('app_state.evm.alloc', 'expected an object');
  const alloc = new Map<string, GenesisAccount>();
  for (const [addr, acc] of Object.entries(raw as Record<string, Record<string, unknown>>)) {
    const key = addr.startsWith('0x') ? addr.toLowerCase() : `0x${addr.toLowerCase()}`;
    if (!/^0x[0-9a-f]{40}$/.test(key)) fail(`app_state.evm.alloc.${addr}`, 'not a 20-byte address');
    const field = `app_state.evm.alloc.${addr}`;
    const account: GenesisAccount = { balance: toBigint(acc.balance ?? '0', `${field}.balance`) };
    if (acc.nonce !== undefined) account.nonce = toBigint(acc.nonce, `${field}.nonce`);
    if (acc.code !== undefined) account.code = toHexBytes(acc.code, `${field}.code`);
    if (acc.storage !== undefined) {
      account.storage = Object.entries(acc.storage as Record<string, unknown>).map(([k, v]) => [
        toHexBytes(k, `${field}.storage key`),
        toHexBytes(v, `${field}.storage.${k}`),
      ]);
    }
    alloc.set(key, account);
  }
  return alloc;
}

function parseValidators(raw: unknown): GenesisValidator[] {
  if (!Array.isArray(raw) || raw.length === 0) fail('validators', 'expected a non-empty list');
  return raw.map((v: Record<string, unknown>, i) => {
    const field = `validators[${i}]`;
    const pk = v.pub_key as { type?: unknown; value?: unknown } | undefined;
    if (pk?.type !== 'tendermint/PubKeyEd25519' || typeof pk.value !== 'string') {
      fail(`${field}.pub_key`, 'expected {"type":"tendermint/PubKeyEd25519","value":"<base64>"}');
    }
    const publicKey = new Uint8Array(Buffer.from(pk.value, 'base64'));
    if (publicKey.length !== 32) fail(`${field}.pub_key.value`, 'an ed25519 public key is 32 bytes');
    const power = toBigint(v.power, `${field}.power`);
    if (power === 0n) fail(`${field}.power`, 'must be positive');
    return {
      name: typeof v.name === 'string' ? v.name : `validator${i}`,
      publicKey,
      power,
      shares: toBigint(v.shares ?? '0', `${field}.shares`),
      maxAmount: toBigint(v.max_amount ?? '0', `${field}.max_amount`),
      compRate: typeof v.comp_rate === 'string' ? v.comp_rate : '1/5',
      ...(v.owner === undefined ? {} : { owner: toAddress(v.owner, `${field}.owner`) }),
    };
  });
}

function toAddress(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value)) fail(field, 'expected a 0x-prefixed 20-byte address');
  return hexToBytes(value.toLowerCase());
}

function toRatio(value: unknown, field: string): { num: bigint; den: bigint } {
  const m = typeof value === 'string' ? /^(\d+)\/(\d+)$/.exec(value) : null;
  if (m === null) fail(field, 'expected "num/den"');
  const ratio = { num: BigInt(m[1] as string), den: BigInt(m[2] as string) };
  if (ratio.den === 0n || ratio.num > ratio.den) fail(field, 'expected a ratio between 0 and 1');
  return ratio;
}

function parseStaking(raw: unknown): GenesisStaking | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null) fail('app_state.stake', 'expected an object');
  const p = ((raw as { params?: unknown }).params ?? {}) as Record<string, unknown>;
  if (typeof p !== 'object' || p === null) fail('app_state.stake.params', 'expected an object');
  const out: GenesisStaking = {};
  const count = (name: string): number => {
    const n = Number(toBigint(p[name], `app_state.stake.params.${name}`));
    if (!Number.isSafeInteger(n) || n < 0) fail(`app_state.stake.params.${name}`, 'expected a small non-negative integer');
    return n;
  };
  if (p.max_vals !== undefined) out.maxValidators = count('max_vals');
  if (out.maxValidators === 0) fail('app_state.stake.params.max_vals', 'at least one validator');
  if (p.backup_vals !== undefined) out.backupValidators = count('backup_vals');
  if (p.self_staking_ratio !== undefined) out.selfStakeRatio = toRatio(p.self_staking_ratio, 'app_state.stake.params.self_staking_ratio');
  if (p.validator_size_threshold !== undefined) out.sizeThreshold = toRatio(p.validator_size_threshold, 'app_state.stake.params.validator_size_threshold');
  if (p.unstake_waiting_period !== undefined) out.unbondingBlocks = toBigint(p.unstake_waiting_period, 'app_state.stake.params.unstake_waiting_period');
  if (p.foundation_address !== undefined) out.foundation = toAddress(p.foundation_address, 'app_state.stake.params.foundation_address');
  if (p.block_issuance !== undefined) out.blockIssuance = toBigint(p.block_issuance, 'app_state.stake.params.block_issuance');
  if (p.slash_ratio !== undefined) out.slashRatio = toRatio(p.slash_ratio, 'app_state.stake.params.slash_ratio');
  if (p.max_slash_blocks !== undefined) out.maxMissedBlocks = toBigint(p.max_slash_blocks, 'app_state.stake.params.max_slash_blocks');
  if (p.slash_enabled !== undefined) {
    if (typeof p.slash_enabled !== 'boolean') fail('app_state.stake.params.slash_enabled', 'expected true or false');
    out.slashAbsence = p.slash_enabled;
  }
  if (p.proposal_expire_period !== undefined) out.proposalExpireBlocks = toBigint(p.proposal_expire_period, 'app_state.stake.params.proposal_expire_period');
  if (p.election_interval !== undefined) {
    out.electionInterval = toBigint(p.election_interval, 'app_state.stake.params.election_interval');
    if (out.electionInterval === 0n) fail('app_state.stake.params.election_interval', 'at least 1 (every block)');
  }
  if (p.min_earning_stake !== undefined) out.minEarningStake = toBigint(p.min_earning_stake, 'app_state.stake.params.min_earning_stake');
  if (p.validators_block_award_ratio !== undefined) out.validatorsShare = toRatio(p.validators_block_award_ratio, 'app_state.stake.params.validators_block_award_ratio');
  return out;
}

export function parseGenesis(json: unknown): Genesis {
  if (typeof json !== 'object' || json === null) fail('(root)', 'expected a JSON object');
  const g = json as Record<string, unknown>;
  const time = Date.parse(String(g.genesis_time));
  if (Number.isNaN(time)) fail('genesis_time', 'expected an RFC 3339 time');
  if (typeof g.chain_id !== 'string' || g.chain_id.length === 0) fail('chain_id', 'expected a non-empty string');
  const block = (g.consensus_params as { block?: Record<string, unknown> } | undefined)?.block;
  if (block === undefined) fail('consensus_params.block', 'missing');
  const evm = (g.app_state as { evm?: Record<string, unknown> } | undefined)?.evm;
  if (evm === undefined) fail('app_state.evm', 'missing');
  const chainId = toBigint(evm.chain_id, 'app_state.evm.chain_id');
  if (chainId === 0n) fail('app_state.evm.chain_id', 'must be positive');
  const stake = parseStaking((g.app_state as { stake?: unknown }).stake);
  return {
    genesisTimeSec: BigInt(Math.floor(time / 1000)),
    consensusChainId: g.chain_id,
    chainId,
    minGasPriceWei: toBigint(evm.min_gas_price, 'app_state.evm.min_gas_price'),
    blockGasLimit: toBigint(block.max_gas, 'consensus_params.block.max_gas'),
    maxTxSizeBytes: Number(toBigint(block.max_tx_bytes, 'consensus_params.block.max_tx_bytes')),
    alloc: parseAlloc(evm.alloc),
    validators: parseValidators(g.validators),
    ...(stake === undefined ? {} : { staking: stake }),
  };
}
