/**
 * Where staking keeps its state: the storage of the staking account, so the block's state root commits
 * to it (one authenticated state, reference/cybermiles.md §12.1). Each field is one 32-byte word at
 * keccak256(tag ‖ keys...), like a Solidity mapping; lists are a count word plus one word per item.
 */
import { keccak256 } from '../crypto/index.ts';
import { COMMUNITY_POOL_ADDRESS, GOVERNANCE_ADDRESS, STAKING_ADDRESS } from '../params/index.ts';
import { bigintToBytes, padLeft, utf8ToBytes } from '../primitives/index.ts';

export { COMMUNITY_POOL_ADDRESS, GOVERNANCE_ADDRESS, STAKING_ADDRESS };

function word(value: bigint | Uint8Array): Uint8Array {
  return padLeft(value instanceof Uint8Array ? value : bigintToBytes(value), 32);
}

export function slot(tag: string, ...keys: Array<bigint | Uint8Array>): Uint8Array {
  const t = utf8ToBytes(tag);
  const buf = new Uint8Array(t.length + 32 * keys.length);
  buf.set(t);
  keys.forEach((k, i) => buf.set(word(k), t.length + 32 * i));
  return keccak256(buf);
}

/** Candidate fields, by owner address. */
export const CANDIDATE = {
  pubKey: (owner: Uint8Array) => slot('cand.pubKey', owner),
  maxStake: (owner: Uint8Array) => slot('cand.max', owner),
  commission: (owner: Uint8Array) => slot('cand.comp', owner),
  flags: (owner: Uint8Array) => slot('cand.flags', owner),
  bonded: (owner: Uint8Array) => slot('cand.bonded', owner),
  /** Sum of the delegations that earn rewards (at least minEarningStake each): the rewards' denominator. */
  earning: (owner: Uint8Array) => slot('cand.earning', owner),
  /** Sum over earning delegations of stake x commission rate: what the owner's commission is computed from. */
  weightedRate: (owner: Uint8Array) => slot('cand.wrate', owner),
  declaredAt: (owner: Uint8Array) => slot('cand.height', owner),
  description: (owner: Uint8Array) => slot('cand.desc', owner),
};

export const FLAG_EXISTS = 8n;
export const FLAG_ACTIVE = 1n;
export const FLAG_VERIFIED = 2n;
export const FLAG_WITHDRAWN = 4n;

export const LISTS = {
  candidates: 'list.cands',
  delegators: (candidate: Uint8Array) => ['list.dels', candidate] as const,
  unbonding: (height: bigint) => ['list.unbond', height] as const,
  validators: 'list.vals',
  /** Maturity heights at which a candidate's delegators have unbondings (slashable until paid). */
  unbondingHeights: (candidate: Uint8Array) => ['list.unbondHeights', candidate] as const,
};


/** Slashing (slashing.ts). */
export const missedBlocks = (owner: Uint8Array) => slot('slash.missed', owner);
export const memberSince = (owner: Uint8Array) => slot('val.since', owner);
export const evidenceSeen = (owner: Uint8Array, height: bigint, round: bigint, type: bigint) => slot('slash.evidence', owner, height, round, type);
export const slashCount = (owner: Uint8Array) => slot('slash.count', owner);
export const slashField = (owner: Uint8Array, index: bigint, field: 0 | 1 | 2) => slot('slash.item', owner, index, BigInt(field));
export const TOTAL_SLASHED = slot('slash.total');

/**
 * Owner-address changes (owners.ts): a candidate keeps the address that declared it as its id; the account
 * controlling it, when another, and the candidate an account controls, when not its own.
 */
export const controllerAccount = (candidate: Uint8Array) => slot('cand.controller', candidate);
export const controlledCandidate = (account: Uint8Array) => slot('acct.controls', account);
export const OWNER_REQUESTS = slot('owner.requests');
export const ownerRequestField = (id: bigint, field: 0 | 1) => slot('owner.request', id, BigInt(field));
export const openOwnerRequest = (candidate: Uint8Array) => slot('owner.open', candidate);
export const pubKeyOwner = (pubKey: Uint8Array) => slot('pubkey.owner', pubKey);
export const delegationAmount = (candidate: Uint8Array, delegator: Uint8Array) => slot('del.amount', candidate, delegator);
/** The delegation's earning stake (its amount when at least minEarningStake, else 0) and its commission rate. */
export const delegationEarning = (candidate: Uint8Array, delegator: Uint8Array) => slot('del.earning', candidate, delegator);
export const delegationRate = (candidate: Uint8Array, delegator: Uint8Array) => slot('del.comp', candidate, delegator);
export const delegatorIndex = (candidate: Uint8Array, delegator: Uint8Array) => slot('del.index', candidate, delegator);
export const pendingUnbonding = (delegator: Uint8Array) => slot('unbond.pending', delegator);
export const unbondingField = (height: bigint, index: bigint, field: 0 | 1 | 2) => slot('unbond.item', height, index, BigInt(field));
/** Rewards (rewards.ts): per candidate, reward per unit of stake since genesis, scaled by REWARD_SCALE. */
export const rewardRatio = (candidate: Uint8Array) => slot('reward.ratio', candidate);
/** The candidate's rewardRatio when this delegation's pending rewards were last settled. */
export const delegationRatio = (candidate: Uint8Array, delegator: Uint8Array) => slot('del.ratio', candidate, delegator);
/** Settled rewards an address can claim or re-stake. */
export const rewardBalance = (owner: Uint8Array) => slot('reward.balance', owner);
/** CMT minted by block rewards so far, and rewards a block could not pay (nobody present) carried to the next. */
export const TOTAL_MINTED = slot('reward.minted');
/** The last block's awards (cmt_queryAwardInfos): who was paid, how much, as validator (1) or backup (2). */
export const AWARD_LIST = 'list.awards';
export const awardAmount = (owner: Uint8Array) => slot('award.amount', owner);
export const awardRole = (owner: Uint8Array) => slot('award.role', owner);
export const UNDISTRIBUTED = slot('reward.carry');
/** Which candidate a consensus address (from a commit's signatures) belongs to. */
export const consensusOwner = (consensusAddress: Uint8Array) => slot('cons.owner', consensusAddress);
export const validatorPower = (owner: Uint8Array) => slot('val.power', owner);
export const validatorKey = (owner: Uint8Array) => slot('val.pubKey', owner);
