/**
 * Block rewards (reference/cybermiles.md §4) with lazy accounting, so a block costs O(validators), not
 * O(delegations) (CyberMiles' fault §12.3; the Cosmos F1 idea, reference/anchors.md §4.4):
 *
 * - Every block mints `blockIssuance` and takes every fee the block paid (the fee pool's balance); with
 *   what an earlier block could not pay, that is the pool. Validators that signed the previous block share
 *   it (90% when backups exist; the backups share the other 10%), each in proportion to its voting power.
 * - A candidate's share raises its reward ratio: reward per unit of *earning* stake (delegations of at
 *   least minEarningStake), scaled by REWARD_SCALE. Each delegation has its own commission rate (the
 *   candidate's rate when it was made, lowered by setCompRate), so the owner's commission for the block is
 *   the ratio's growth times the candidate's sum of stake x rate, paid at once; a delegation's rewards are
 *   its earning stake x (1 - its rate) x the ratio's growth since it was last settled. Settling (before any
 *   change of its stake or rate, and on claim) moves them to the delegator's reward balance, which can be
 *   claimed or re-staked. Commission plus every delegation's part is exactly the candidate's share.
 *
 * All in wei; divisions round down, so what is paid never exceeds what was minted plus fees (the rest of a
 * division stays in the staking account).
 */
import { Account, Address } from '@ethereumjs/util';
import { bytesToHex } from '../primitives/index.ts';
import { AWARD_LIST, CANDIDATE, TOTAL_MINTED, awardAmount, awardRole, UNDISTRIBUTED, consensusOwner, controllerAccount, delegationAmount, delegationEarning, delegationRate, delegationRatio, rewardBalance, rewardRatio, validatorPower, LISTS } from './layout.ts';
import { RATE_ONE } from './params.ts';
import type { StakingParams } from './params.ts';
import type { ElectedValidator } from './election.ts';
import type { StakingStore } from './store.ts';
import { STAKING_ADDRESS } from './layout.ts';

export const REWARD_SCALE = 10n ** 36n;

/** A delegation's rewards not yet settled. */
export async function pendingRewards(store: StakingStore, candidate: Uint8Array, delegator: Uint8Array): Promise<bigint> {
  const ratio = await store.get(rewardRatio(candidate));
  const start = await store.get(delegationRatio(candidate, delegator));
  if (ratio === start) return 0n;
  const earning = await store.get(delegationEarning(candidate, delegator));
  if (earning === 0n) return 0n;
  const keep = RATE_ONE - (await store.get(delegationRate(candidate, delegator)));
  return (earning * keep * (ratio - start)) / (RATE_ONE * REWARD_SCALE);
}

/** Moves a delegation's pending rewards to the delegator's reward balance (before its stake changes). */
export async function settle(store: StakingStore, candidate: Uint8Array, delegator: Uint8Array): Promise<void> {
  const pending = await pendingRewards(store, candidate, delegator);
  if (pending > 0n) await store.add(rewardBalance(delegator), pending);
  await store.set(delegationRatio(candidate, delegator), await store.get(rewardRatio(candidate)));
}

/**
 * Sets a delegation's stake and commission rate: settles what it earned on the old terms, then keeps the
 * candidate's bonded, earning and stake-x-rate sums in step. Every change of a delegation goes through here.
 */
export async function setDelegation(store: StakingStore, minEarningStake: bigint, candidate: Uint8Array, delegator: Uint8Array, amount: bigint, rate: bigint): Promise<void> {
  await settle(store, candidate, delegator);
  const oldAmount = await store.get(delegationAmount(candidate, delegator));
  const oldEarning = await store.get(delegationEarning(candidate, delegator));
  const oldRate = await store.get(delegationRate(candidate, delegator));
  const earning = amount >= minEarningStake ? amount : 0n;
  if (amount !== oldAmount) {
    await store.set(delegationAmount(candidate, delegator), amount);
    await store.add(CANDIDATE.bonded(candidate), amount - oldAmount);
  }
  if (earning !== oldEarning) {
    await store.set(delegationEarning(candidate, delegator), earning);
    await store.add(CANDIDATE.earning(candidate), earning - oldEarning);
  }
  if (rate !== oldRate) await store.set(delegationRate(candidate, delegator), rate);
  const weight = earning * rate - oldEarning * oldRate;
  if (weight !== 0n) await store.add(CANDIDATE.weightedRate(candidate), weight);
}

/** Pays a candidate's share of a block: its earning stake's reward ratio grows, the owner's commission is paid. */
async function credit(store: StakingStore, owner: Uint8Array, amount: bigint): Promise<void> {
  // the account controlling the candidate now (owners.ts) receives what the owner earns
  const controller = (await store.address(controllerAccount(owner))) ?? owner;
  const earning = await store.get(CANDIDATE.earning(owner));
  if (earning === 0n) {
    await store.add(rewardBalance(controller), amount); // no delegation earns: the owner ran the validator
    return;
  }
  const step = (amount * REWARD_SCALE) / earning;
  await store.add(rewardRatio(owner), step);
  const commission = ((await store.get(CANDIDATE.weightedRate(owner))) * step) / (RATE_ONE * REWARD_SCALE);
  if (commission > 0n) await store.add(rewardBalance(controller), commission);
}

/** Shares `amount` among `members` by weight, recording each award; returns what was handed out (the rest is rounding). */
async function share(store: StakingStore, members: Array<{ owner: Uint8Array; weight: bigint }>, amount: bigint, role: bigint, paidTo: Uint8Array[]): Promise<bigint> {
  const total = members.reduce((s, m) => s + m.weight, 0n);
  if (total === 0n) return 0n;
  let paid = 0n;
  for (const m of members) {
    const part = (amount * m.weight) / total;
    if (part === 0n) continue;
    await credit(store, m.owner, part);
    await store.set(awardAmount(m.owner), part);
    await store.set(awardRole(m.owner), role);
    paidTo.push(m.owner);
    paid += part;
  }
  return paid;
}

/** The last block's awards: each paid candidate, its share of the block (before commission) and its role. */
export async function lastAwards(store: StakingStore): Promise<Array<{ owner: Uint8Array; amount: bigint; validator: boolean }>> {
  const out = [];
  for (const owner of await store.listAll(AWARD_LIST)) out.push({ owner, amount: await store.get(awardAmount(owner)), validator: (await store.get(awardRole(owner))) === 1n });
  return out;
}

export interface BlockRewardInputs {
  /** Consensus addresses that signed the previous block (its commit). */
  signers: readonly Uint8Array[];
  /** Where the block's fees are (execution/executeBlock.ts pays every fee there). */
  feePool: Uint8Array;
  backups: readonly ElectedValidator[];
}

/** Mints, takes the fees and distributes them; returns the amount minted. */
export async function distributeBlockRewards(store: StakingStore, params: StakingParams, inputs: BlockRewardInputs): Promise<bigint> {
  const staking = new Address(STAKING_ADDRESS);
  const pool = new Address(inputs.feePool);
  const fees = (await store.state.getAccount(pool))?.balance ?? 0n;
  const account = (await store.state.getAccount(staking)) ?? new Account(1n, 0n);
  account.balance += params.blockIssuance + fees;
  await store.state.putAccount(staking, account);
  if (fees > 0n) {
    const feeAccount = (await store.state.getAccount(pool)) as Account;
    feeAccount.balance = 0n;
    await store.state.putAccount(pool, feeAccount);
  }
  await store.add(TOTAL_MINTED, params.blockIssuance);
  const amount = params.blockIssuance + fees + (await store.get(UNDISTRIBUTED));

  // present validators: members of the current set whose consensus key signed the previous block
  const members = new Set((await store.listAll(LISTS.validators)).map((o) => bytesToHex(o)));
  const present: Array<{ owner: Uint8Array; weight: bigint }> = [];
  const seen = new Set<string>();
  for (const signer of inputs.signers) {
    const owner = await store.address(consensusOwner(signer));
    if (owner === undefined || !members.has(bytesToHex(owner)) || seen.has(bytesToHex(owner))) continue;
    seen.add(bytesToHex(owner));
    present.push({ owner, weight: await store.get(validatorPower(owner)) });
  }
  const paidTo: Uint8Array[] = [];
  if (present.length === 0) {
    await store.set(UNDISTRIBUTED, amount); // block 1, or nobody known signed: the next block pays it
    await store.listReplace(AWARD_LIST, [], paidTo);
    return params.blockIssuance;
  }
  const forBackups = inputs.backups.length === 0 ? 0n : amount - (amount * params.validatorsShare.num) / params.validatorsShare.den;
  let paid = await share(store, present, amount - forBackups, 1n, paidTo);
  paid += await share(store, inputs.backups.map((b) => ({ owner: b.owner, weight: b.power })), forBackups, 2n, paidTo);
  await store.set(UNDISTRIBUTED, amount - paid);
  await store.listReplace(AWARD_LIST, [], paidTo);
  return params.blockIssuance;
}
