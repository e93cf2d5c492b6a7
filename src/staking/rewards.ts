/**
 * Block rewards (reference/cybermiles.md §4) with lazy accounting, so a block costs O(validators), not
 * O(delegations) (CyberMiles' fault §12.3; the Cosmos F1 idea, reference/anchors.md §4.4):
 *
 * - Every block mints `blockIssuance` and takes every fee the block paid (the fee pool's balance); with
 *   what an earlier block could not pay, that is the pool. Validators that signed the previous block share
 *   it (90% when backups exist; the backups share the other 10%), each in proportion to its voting power.
 * - A candidate's share first pays its commission to the owner; the rest raises the candidate's reward
 *   ratio (reward per unit of bonded stake, scaled by REWARD_SCALE). A delegation's rewards are its stake
 *   times the ratio's growth since it was last settled; settling (before any change of its stake, and on
 *   claim) moves them to the delegator's reward balance, which can be claimed or re-staked.
 *
 * All in wei; divisions round down, so what is paid never exceeds what was minted plus fees (the rest of a
 * division stays in the staking account).
 */
import { Account, Address } from '@ethereumjs/util';
import { bytesToHex } from '../primitives/index.ts';
import { CANDIDATE, TOTAL_MINTED, UNDISTRIBUTED, consensusOwner, delegationAmount, delegationRatio, rewardBalance, rewardRatio, validatorPower, LISTS } from './layout.ts';
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
  return ((await store.get(delegationAmount(candidate, delegator))) * (ratio - start)) / REWARD_SCALE;
}

/** Moves a delegation's pending rewards to the delegator's reward balance (before its stake changes). */
export async function settle(store: StakingStore, candidate: Uint8Array, delegator: Uint8Array): Promise<void> {
  const pending = await pendingRewards(store, candidate, delegator);
  if (pending > 0n) await store.add(rewardBalance(delegator), pending);
  await store.set(delegationRatio(candidate, delegator), await store.get(rewardRatio(candidate)));
}

/** Pays a candidate's share of a block: commission to the owner, the rest to its stake. */
async function credit(store: StakingStore, owner: Uint8Array, amount: bigint): Promise<void> {
  const commission = (amount * (await store.get(CANDIDATE.commission(owner)))) / RATE_ONE;
  const bonded = await store.get(CANDIDATE.bonded(owner));
  const rest = amount - commission;
  if (bonded === 0n) {
    await store.add(rewardBalance(owner), amount);
    return;
  }
  if (commission > 0n) await store.add(rewardBalance(owner), commission);
  await store.add(rewardRatio(owner), (rest * REWARD_SCALE) / bonded);
}

/** Shares `amount` among `members` by weight; returns what was handed out (the rest is rounding). */
async function share(store: StakingStore, members: Array<{ owner: Uint8Array; weight: bigint }>, amount: bigint): Promise<bigint> {
  const total = members.reduce((s, m) => s + m.weight, 0n);
  if (total === 0n) return 0n;
  let paid = 0n;
  for (const m of members) {
    const part = (amount * m.weight) / total;
    if (part === 0n) continue;
    await credit(store, m.owner, part);
    paid += part;
  }
  return paid;
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
  if (present.length === 0) {
    await store.set(UNDISTRIBUTED, amount); // block 1, or nobody known signed: the next block pays it
    return params.blockIssuance;
  }
  const forBackups = inputs.backups.length === 0 ? 0n : amount - (amount * params.validatorsShare.num) / params.validatorsShare.den;
  let paid = await share(store, present, amount - forBackups);
  paid += await share(store, inputs.backups.map((b) => ({ owner: b.owner, weight: b.power })), forBackups);
  await store.set(UNDISTRIBUTED, amount - paid);
  return params.blockIssuance;
}
