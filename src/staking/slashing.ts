/**
 * Slashing (reference/cybermiles.md §3.7): a validator that double-signed (evidence committed by
 * consensus, ADR 0013) loses slash_ratio of every delegation to it, including unbondings that have not
 * matured, and is deactivated; one that missed max_slash_blocks blocks in a row is deactivated (and slashed
 * too when slash_enabled). Slashed CMT goes to the community pool (governance spends it) and each slash is
 * recorded. A piece of evidence is applied once, whatever block carries it again.
 *
 * A slash touches every delegation of the one candidate (O(its delegations)): rare, unlike rewards, which
 * stay O(validators) per block.
 */
import { Account, Address } from '@ethereumjs/util';
import { bytesToHex } from '../primitives/index.ts';
import {
  CANDIDATE, COMMUNITY_POOL_ADDRESS, FLAG_ACTIVE, LISTS, STAKING_ADDRESS, TOTAL_SLASHED, consensusOwner, delegationAmount, delegationRate, evidenceSeen, memberSince, missedBlocks,
  pendingUnbonding, slashCount, slashField, unbondingField,
} from './layout.ts';
import type { StakingParams } from './params.ts';
import { setDelegation } from './rewards.ts';
import type { StakingStore } from './store.ts';

export const SLASH_DOUBLE_SIGN = 1n;
export const SLASH_ABSENCE = 2n;

export interface DoubleSign {
  /** Consensus address of the validator. */
  validator: Uint8Array;
  height: bigint;
  round: bigint;
  /** 1 prevote, 2 precommit. */
  voteType: bigint;
}

/** Takes `ratio` of every delegation and unbonding of `owner`; returns the amount moved to the community pool. */
async function slash(store: StakingStore, params: StakingParams, owner: Uint8Array, height: bigint, reason: bigint): Promise<bigint> {
  const ratio = params.slashRatio;
  let total = 0n;
  const [name] = LISTS.delegators(owner);
  for (const delegator of await store.listAll(name, owner)) {
    const stake = await store.get(delegationAmount(owner, delegator));
    const cut = (stake * ratio.num) / ratio.den;
    if (cut === 0n) continue;
    // rewards earned before the slash were earned by the old stake: setDelegation settles them first
    await setDelegation(store, params.minEarningStake, owner, delegator, stake - cut, await store.get(delegationRate(owner, delegator)));
    total += cut;
  }
  // unbondings from this candidate that have not matured are slashable for what they did while bonded
  const [hName] = LISTS.unbondingHeights(owner);
  for (const h of new Set((await store.listAll(hName, owner)).map((b) => BigInt(bytesToHex(b))))) {
    if (h <= height) continue;
    const [uName, uKey] = LISTS.unbonding(h);
    const count = await store.listLength(uName, uKey);
    for (let i = 0n; i < count; i++) {
      const candidate = await store.address(unbondingField(h, i, 2));
      if (candidate === undefined || bytesToHex(candidate) !== bytesToHex(owner)) continue;
      const amount = await store.get(unbondingField(h, i, 1));
      const cut = (amount * ratio.num) / ratio.den;
      if (cut === 0n) continue;
      await store.set(unbondingField(h, i, 1), amount - cut);
      const delegator = (await store.address(unbondingField(h, i, 0))) as Uint8Array;
      await store.add(pendingUnbonding(delegator), -cut);
      total += cut;
    }
  }
  const flags = await store.get(CANDIDATE.flags(owner));
  await store.set(CANDIDATE.flags(owner), flags & ~FLAG_ACTIVE);
  if (total > 0n) {
    const staking = new Address(STAKING_ADDRESS);
    const pool = new Address(COMMUNITY_POOL_ADDRESS);
    const from = (await store.state.getAccount(staking)) as Account;
    from.balance -= total;
    await store.state.putAccount(staking, from);
    const to = (await store.state.getAccount(pool)) ?? new Account(1n, 0n); // nonce 1: never deleted as empty
    to.balance += total;
    await store.state.putAccount(pool, to);
    await store.add(TOTAL_SLASHED, total);
  }
  const index = await store.add(slashCount(owner), 1n) - 1n;
  await store.set(slashField(owner, index, 0), height);
  await store.set(slashField(owner, index, 1), reason);
  await store.set(slashField(owner, index, 2), total);
  return total;
}

/** Double-sign evidence the block commits: each new piece slashes and deactivates its validator. */
export async function slashDoubleSigns(store: StakingStore, params: StakingParams, evidence: readonly DoubleSign[], height: bigint): Promise<void> {
  for (const e of evidence) {
    const owner = await store.address(consensusOwner(e.validator));
    if (owner === undefined) continue;
    const seen = evidenceSeen(owner, e.height, e.round, e.voteType);
    if ((await store.get(seen)) !== 0n) continue;
    await store.set(seen, 1n);
    await slash(store, params, owner, height, SLASH_DOUBLE_SIGN);
  }
}

/**
 * Counts each validator's consecutive missed blocks from the previous block's signers. Only members that
 * have been in the set long enough to be in the set that signed (changes take two heights) are counted.
 */
export async function trackAbsence(store: StakingStore, params: StakingParams, signers: readonly Uint8Array[], height: bigint): Promise<void> {
  const signed = new Set<string>();
  for (const s of signers) {
    const owner = await store.address(consensusOwner(s));
    if (owner !== undefined) signed.add(bytesToHex(owner));
  }
  for (const owner of await store.listAll(LISTS.validators)) {
    if (height - (await store.get(memberSince(owner))) <= 2n) continue;
    if (signed.has(bytesToHex(owner))) {
      await store.set(missedBlocks(owner), 0n);
      continue;
    }
    const missed = await store.add(missedBlocks(owner), 1n);
    if (missed < params.maxMissedBlocks) continue;
    await store.set(missedBlocks(owner), 0n);
    if (params.slashAbsence) await slash(store, params, owner, height, SLASH_ABSENCE);
    else {
      const flags = await store.get(CANDIDATE.flags(owner));
      await store.set(CANDIDATE.flags(owner), flags & ~FLAG_ACTIVE);
      const index = await store.add(slashCount(owner), 1n) - 1n;
      await store.set(slashField(owner, index, 0), height);
      await store.set(slashField(owner, index, 1), SLASH_ABSENCE);
    }
  }
}
