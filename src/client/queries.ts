/**
 * The cmt_ staking and governance queries (src/rpc/namespaces/cmt.ts: CyberMiles' method names and
 * snake_case `{height, data}` shapes) decoded into typed values: amounts bigint wei, rates 1e18 fixed-point
 * bigints, addresses checksummed, the consensus key as 0x-hex. Every query answers at a block: `height`
 * (default the latest), echoed in the result.
 */
import { getAddress, toQuantity } from 'ethers';
import type { JsonRpcProvider } from 'ethers';
import { parseAddress, parseRate } from './convert.ts';
import { ClientError } from './errors.ts';

export interface AtHeight<T> {
  height: number;
  data: T;
}

/** A block number; absent: the latest block. */
export interface QueryOptions {
  height?: number | bigint;
}

export type CandidateState = 'Validator' | 'Backup Validator' | 'Candidate';

export interface ValidatorInfo {
  owner: string;
  /** ed25519 consensus key, 0x-hex. */
  pubKey: string;
  /** Stake bonded with the candidate, its own included (CyberMiles' shares), wei. */
  bonded: bigint;
  /** Consensus voting power: the capped stake in whole CMT (0 outside the set). */
  votingPower: bigint;
  maxStake: bigint;
  commission: bigint;
  description: string;
  verified: boolean;
  active: boolean;
  withdrawn: boolean;
  declaredAt: number;
  /** Position in the election (validators first, then backups); null for other candidates. */
  rank: number | null;
  state: CandidateState;
  delegators: number;
}

export interface DelegationInfo {
  delegator: string;
  validator: string;
  /** The validator's consensus key, 0x-hex (null if the candidate no longer exists). */
  pubKey: string | null;
  amount: bigint;
  /** Rewards not yet settled into the claimable balance. */
  pendingRewards: bigint;
  /** The commission this delegation pays (the candidate's rate when made, lowered by setCompRate). */
  compRate: bigint;
}

export interface ChainParams {
  maxValidators: number;
  backupValidators: number;
  selfStakeRatio: bigint;
  sizeThreshold: bigint;
  unbondingBlocks: number;
  blockIssuance: bigint;
  validatorsShare: bigint;
  slashRatio: bigint;
  maxMissedBlocks: number;
  slashEnabled: boolean;
  proposalExpireBlocks: number;
  /** A delegation below this earns no rewards (wei). */
  minEarningStake: bigint;
  /** Blocks between elections (1: every block). */
  electionInterval: number;
  foundation: string;
}

export type ProposalType = 'changeParam' | 'transferFund' | 'halt' | 'upgrade';
export type ProposalResultName = 'open' | 'approved' | 'rejected' | 'expired' | 'failed';

export interface ProposalInfo {
  id: number;
  type: ProposalType;
  proposer: string;
  createdAt: number;
  /** 0 when it expires by time. */
  expireHeight: number;
  /** Unix seconds; 0 when it expires by height. */
  expireTimestamp: number;
  result: ProposalResultName;
  /** 0 while open. */
  resolvedAt: number;
  /** Voting power of the yes and no voters in the current set. */
  yes: bigint;
  no: bigint;
  reason: string;
}

export interface SyncInfo {
  latestBlockHash: string;
  latestAppHash: string;
  latestBlockHeight: number;
  latestBlockTime: string;
  catchingUp: boolean;
}

// The node's shapes (cmt.ts), as far as they are read here.
interface RawValidator {
  owner_address: string;
  pub_key: { value: string };
  shares: string;
  voting_power: string;
  max_shares: string;
  comp_rate: string;
  description: string;
  verified: string;
  active: string;
  withdrawn: boolean;
  block_height: number;
  rank: number | null;
  state: CandidateState;
  num_of_delegators: number;
}

interface RawDelegation {
  delegator_address: string;
  validator_address: string;
  pub_key: string | null;
  delegate_amount: string;
  award_amount: string;
  comp_rate: string;
}

interface RawParams {
  max_vals: number;
  backup_vals: number;
  self_staking_ratio: string;
  validator_size_threshold: string;
  unstake_waiting_period: number;
  block_issuance: string;
  validators_block_award_ratio: string;
  slash_ratio: string;
  max_slash_blocks: number;
  slash_enabled: boolean;
  proposal_expire_period: number;
  min_earning_stake: string;
  election_interval: number;
  foundation_address: string;
}

interface RawProposal {
  id: number;
  type: ProposalType;
  proposer: string;
  block_height: number;
  expire_block_height: number;
  expire_timestamp: number;
  result: ProposalResultName;
  result_block_height: number;
  yes: string;
  no: string;
  reason: string;
}

interface RawSyncing {
  latest_block_hash: string;
  latest_app_hash: string;
  latest_block_height: number;
  latest_block_time: string;
  catching_up: boolean;
}

const hexKey = (base64: string): string => `0x${Buffer.from(base64, 'base64').toString('hex')}`;

function heightTag(o: QueryOptions): string {
  if (o.height === undefined) return 'latest';
  const h = BigInt(o.height);
  if (h < 0n) throw new ClientError('BAD_HEIGHT', `invalid height ${o.height}: expected a block number >= 0`, { height: String(o.height) });
  return toQuantity(h);
}

async function query<R, T>(provider: JsonRpcProvider, method: string, params: unknown[], decode: (raw: R) => T): Promise<AtHeight<T>> {
  const r = (await provider.send(method, params)) as AtHeight<R>;
  return { height: r.height, data: decode(r.data) };
}

function decodeValidator(v: RawValidator): ValidatorInfo {
  return {
    owner: getAddress(v.owner_address),
    pubKey: hexKey(v.pub_key.value),
    bonded: BigInt(v.shares),
    votingPower: BigInt(v.voting_power),
    maxStake: BigInt(v.max_shares),
    commission: parseRate(v.comp_rate),
    description: v.description,
    verified: v.verified === 'Y',
    active: v.active === 'Y',
    withdrawn: v.withdrawn,
    declaredAt: v.block_height,
    rank: v.rank,
    state: v.state,
    delegators: v.num_of_delegators,
  };
}

/** Every candidate (cmt_queryValidators), validators and backups with their rank. */
export function queryValidators(provider: JsonRpcProvider, o: QueryOptions = {}): Promise<AtHeight<ValidatorInfo[]>> {
  return query(provider, 'cmt_queryValidators', [heightTag(o)], (data: RawValidator[]) => data.map(decodeValidator));
}

/** One candidate, or null if `address` has not declared (cmt_queryValidator). */
export function queryValidator(provider: JsonRpcProvider, address: string, o: QueryOptions = {}): Promise<AtHeight<ValidatorInfo | null>> {
  return query(provider, 'cmt_queryValidator', [parseAddress(address), heightTag(o)], (data: RawValidator | null) => (data === null ? null : decodeValidator(data)));
}

/** Every delegation of `address` (cmt_queryDelegator). */
export function queryDelegator(provider: JsonRpcProvider, address: string, o: QueryOptions = {}): Promise<AtHeight<DelegationInfo[]>> {
  return query(provider, 'cmt_queryDelegator', [parseAddress(address), heightTag(o)], (data: RawDelegation[]) =>
    data.map((d) => ({
      delegator: getAddress(d.delegator_address),
      validator: getAddress(d.validator_address),
      pubKey: d.pub_key === null ? null : hexKey(d.pub_key),
      amount: BigInt(d.delegate_amount),
      pendingRewards: BigInt(d.award_amount),
      compRate: parseRate(d.comp_rate),
    })),
  );
}

/** The parameters in force (cmt_queryParams): genesis' with governance's approved changes. */
export function queryParams(provider: JsonRpcProvider, o: QueryOptions = {}): Promise<AtHeight<ChainParams>> {
  return query(provider, 'cmt_queryParams', [heightTag(o)], (p: RawParams) => ({
    maxValidators: p.max_vals,
    backupValidators: p.backup_vals,
    selfStakeRatio: parseRate(p.self_staking_ratio),
    sizeThreshold: parseRate(p.validator_size_threshold),
    unbondingBlocks: p.unstake_waiting_period,
    blockIssuance: BigInt(p.block_issuance),
    validatorsShare: parseRate(p.validators_block_award_ratio),
    slashRatio: parseRate(p.slash_ratio),
    maxMissedBlocks: p.max_slash_blocks,
    slashEnabled: p.slash_enabled,
    proposalExpireBlocks: p.proposal_expire_period,
    minEarningStake: BigInt(p.min_earning_stake),
    electionInterval: p.election_interval,
    foundation: getAddress(p.foundation_address),
  }));
}

/** Every governance proposal, oldest first (cmt_queryProposals). */
export function queryProposals(provider: JsonRpcProvider, o: QueryOptions = {}): Promise<AtHeight<ProposalInfo[]>> {
  return query(provider, 'cmt_queryProposals', [heightTag(o)], (data: RawProposal[]) =>
    data.map((p) => ({
      id: p.id,
      type: p.type,
      proposer: getAddress(p.proposer),
      createdAt: p.block_height,
      expireHeight: p.expire_block_height,
      expireTimestamp: p.expire_timestamp,
      result: p.result,
      resolvedAt: p.result_block_height,
      yes: BigInt(p.yes),
      no: BigInt(p.no),
      reason: p.reason,
    })),
  );
}

/** The node's head and whether it is catching up (cmt_syncing). */
export async function querySyncing(provider: JsonRpcProvider): Promise<SyncInfo> {
  const s = (await provider.send('cmt_syncing', [])) as RawSyncing;
  return { latestBlockHash: s.latest_block_hash, latestAppHash: s.latest_app_hash, latestBlockHeight: s.latest_block_height, latestBlockTime: s.latest_block_time, catchingUp: s.catching_up };
}
