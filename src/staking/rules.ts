/**
 * The staking rules of CyberMiles (reference/cybermiles.md §3.3, §3.6), as operations on the staking
 * state: declare, activate, deactivate, verify and withdraw a candidacy; delegate; withdraw a delegation
 * into unbonding. Amounts are wei (bigint); a refusal throws a StakingError before anything is written.
 */
import { bytesToHex, equalBytes } from '../primitives/index.ts';
import { refuse } from './errors.ts';
import { ed25519Address } from '../crypto/index.ts';
import { setDelegation, settle } from './rewards.ts';
import { CANDIDATE, consensusOwner, rewardBalance, FLAG_ACTIVE, FLAG_EXISTS, FLAG_VERIFIED, FLAG_WITHDRAWN, LISTS, controlledCandidate, controllerAccount, delegationAmount, delegationRate, delegatorIndex, pendingUnbonding, pubKeyOwner, unbondingField } from './layout.ts';
import { RATE_ONE } from './params.ts';
import type { StakingParams } from './params.ts';
import { toWord } from './store.ts';
import type { StakingStore } from './store.ts';

export interface CallContext {
  store: StakingStore;
  params: StakingParams;
  height: bigint;
  sender: Uint8Array;
  value: bigint;
}

export interface StakingEvent {
  name: string;
  args: readonly unknown[];
}

export interface CandidateView {
  owner: Uint8Array;
  pubKey: Uint8Array;
  maxStake: bigint;
  commission: bigint;
  bonded: bigint;
  active: boolean;
  verified: boolean;
  withdrawn: boolean;
  declaredAt: bigint;
  description: string;
}

export function selfStakeFor(params: StakingParams, maxStake: bigint): bigint {
  return (maxStake * params.selfStakeRatio.num) / params.selfStakeRatio.den;
}

export async function readCandidate(store: StakingStore, owner: Uint8Array): Promise<CandidateView | undefined> {
  const flags = await store.get(CANDIDATE.flags(owner));
  if ((flags & FLAG_EXISTS) === 0n) return undefined;
  const pubKey = await store.fixed(CANDIDATE.pubKey(owner), 32);
  return {
    owner,
    pubKey,
    maxStake: await store.get(CANDIDATE.maxStake(owner)),
    commission: await store.get(CANDIDATE.commission(owner)),
    bonded: await store.get(CANDIDATE.bonded(owner)),
    active: (flags & FLAG_ACTIVE) !== 0n,
    verified: (flags & FLAG_VERIFIED) !== 0n,
    withdrawn: (flags & FLAG_WITHDRAWN) !== 0n,
    declaredAt: await store.get(CANDIDATE.declaredAt(owner)),
    description: Buffer.from(await store.bytes(CANDIDATE.description(owner))).toString('utf8'),
  };
}

async function candidateOf(store: StakingStore, owner: Uint8Array): Promise<CandidateView> {
  return (await readCandidate(store, owner)) ?? refuse('NotACandidate', [bytesToHex(owner)], `${bytesToHex(owner)} is not a candidate`);
}

function noValue(ctx: CallContext): void {
  if (ctx.value !== 0n) refuse('ValueNotAccepted', [ctx.value], 'this call takes no CMT');
}

/**
 * Adds `amount` to a delegation (creating it) and to the candidate's bonded stake. A new delegation (or
 * one emptied before) takes the candidate's commission rate of the moment, as in CyberMiles: a later change
 * of the candidate's rate applies to new delegations only, and setCompRate lowers one delegation's rate.
 */
async function bond(store: StakingStore, params: StakingParams, candidate: Uint8Array, delegator: Uint8Array, amount: bigint): Promise<void> {
  await addDelegator(store, candidate, delegator);
  const have = await store.get(delegationAmount(candidate, delegator));
  const rate = await store.get(have === 0n ? CANDIDATE.commission(candidate) : delegationRate(candidate, delegator));
  await setDelegation(store, params.minEarningStake, candidate, delegator, have + amount, rate);
}

/** Lists `delegator` among the candidate's delegators (once). */
export async function addDelegator(store: StakingStore, candidate: Uint8Array, delegator: Uint8Array): Promise<void> {
  if ((await store.get(delegatorIndex(candidate, delegator))) !== 0n) return;
  const index = await store.listPush(LISTS.delegators(candidate)[0], [candidate], delegator);
  await store.set(delegatorIndex(candidate, delegator), index + 1n);
}

/** The account that controls candidate `id`: the declaring address unless it was changed (owners.ts). */
export async function controllerOf(store: StakingStore, id: Uint8Array): Promise<Uint8Array> {
  return (await store.address(controllerAccount(id))) ?? id;
}

/** The candidate `account` controls, if any: one handed to it, or its own if it never handed it over. */
export async function candidateControlledBy(store: StakingStore, account: Uint8Array): Promise<Uint8Array | undefined> {
  const handed = await store.address(controlledCandidate(account));
  if (handed !== undefined) return handed;
  if ((await readCandidate(store, account)) === undefined) return undefined;
  return (await store.address(controllerAccount(account))) === undefined ? account : undefined;
}

/**
 * Who `account` is when it acts as a candidate (its own actions, governance): the candidate it controls;
 * or, controlling none, itself, unless it is the id of a candidate it handed over (then nobody).
 */
export async function actingAs(store: StakingStore, account: Uint8Array): Promise<Uint8Array | undefined> {
  const controlled = await candidateControlledBy(store, account);
  if (controlled !== undefined) return controlled;
  return (await store.address(controllerAccount(account))) === undefined ? account : undefined;
}

/** Takes `amount` out of a delegation into the unbonding queue, paid at height + unbondingBlocks. */
async function unbond(ctx: CallContext, candidate: Uint8Array, delegator: Uint8Array, amount: bigint, events: StakingEvent[]): Promise<void> {
  const { store } = ctx;
  const have = await store.get(delegationAmount(candidate, delegator));
  await setDelegation(store, ctx.params.minEarningStake, candidate, delegator, have - amount, await store.get(delegationRate(candidate, delegator)));
  const maturity = ctx.height + ctx.params.unbondingBlocks;
  const [name, key] = LISTS.unbonding(maturity);
  const index = await store.listLength(name, key);
  await store.set(unbondingField(maturity, index, 0), BigInt(bytesToHex(delegator)));
  await store.set(unbondingField(maturity, index, 1), amount);
  await store.set(unbondingField(maturity, index, 2), BigInt(bytesToHex(candidate)));
  await store.set(store.listSlot(name, key), index + 1n);
  await store.add(pendingUnbonding(delegator), amount);
  // where a slash finds this candidate's unbondings (a height may be listed more than once: cheap to skip)
  const [hName] = LISTS.unbondingHeights(candidate);
  await store.listPush(hName, [candidate], toWord(maturity, 20));
  events.push({ name: 'Unbonding', args: [bytesToHex(candidate), bytesToHex(delegator), amount, maturity] });
}

export async function declareCandidacy(ctx: CallContext, pubKey: Uint8Array, maxStake: bigint, commission: bigint, description: string): Promise<StakingEvent[]> {
  const { store, sender } = ctx;
  if ((await readCandidate(store, sender)) !== undefined || (await candidateControlledBy(store, sender)) !== undefined) refuse('AlreadyCandidate', [bytesToHex(sender)], `${bytesToHex(sender)} is already a candidate`);
  if (pubKey.length !== 32 || pubKey.every((b) => b === 0)) refuse('BadPubKey', [bytesToHex(pubKey)], 'the consensus key must be a 32-byte ed25519 public key');
  if ((await store.get(pubKeyOwner(pubKey))) !== 0n) refuse('PubKeyInUse', [bytesToHex(pubKey)], 'this consensus key belongs to another candidate');
  if (maxStake === 0n) refuse('ZeroAmount', [], 'the declared maximum stake must be above 0');
  if (commission <= 0n || commission >= RATE_ONE) refuse('BadCommission', [commission], 'the commission rate must be in (0, 1) (1e18 = 1)');
  const selfStake = selfStakeFor(ctx.params, maxStake);
  if (ctx.value !== selfStake) refuse('WrongSelfStake', [selfStake, ctx.value], `the self-stake is ${selfStake} wei (${ctx.params.selfStakeRatio.num}/${ctx.params.selfStakeRatio.den} of the maximum), ${ctx.value} sent`);
  await writeCandidate(store, sender, pubKey, maxStake, commission, ctx.height, description);
  await bond(store, ctx.params, sender, sender, selfStake);
  return [{ name: 'CandidateDeclared', args: [bytesToHex(sender), bytesToHex(pubKey), maxStake, commission] }, { name: 'Delegated', args: [bytesToHex(sender), bytesToHex(sender), selfStake] }];
}

/**
 * Changes a candidacy (CyberMiles' updateCandidacy, reference §3.3); a zero argument keeps the field.
 * Raising the maximum takes the extra self-stake it requires as the call's value; lowering it refunds
 * nothing and cannot go below the stake already bonded. A new consensus key takes effect with the next set
 * change (the election sees it at the end of this block; consensus two heights later). Changing the
 * description clears verification. A new commission rate applies to delegations made from now on; existing
 * ones keep theirs (CyberMiles' rule: a delegator agreed to a rate, and only setCompRate may lower it).
 */
export async function updateCandidacy(ctx: CallContext, pubKey: Uint8Array, maxStake: bigint, commission: bigint, description: string): Promise<StakingEvent[]> {
  const { store, sender } = ctx;
  const c = await candidateOf(store, sender);
  if (c.withdrawn) refuse('CandidateWithdrawn', [bytesToHex(sender)], 'the candidacy is withdrawn');
  const owner = await controllerOf(store, sender);
  if (maxStake !== 0n && maxStake !== c.maxStake && maxStake < c.bonded) refuse('AboveMaxStake', [maxStake, c.bonded], `${c.bonded} wei is already bonded`);
  const extra = await extraSelfStake(store, ctx.params, c, owner, maxStake);
  if (ctx.value !== extra) refuse('WrongSelfStake', [extra, ctx.value], `the new maximum needs ${extra} wei more self-stake, ${ctx.value} sent`);
  if (commission !== 0n && commission >= RATE_ONE) refuse('BadCommission', [commission], 'the commission rate must be in (0, 1) (1e18 = 1)');
  const keyChanges = pubKey.some((b) => b !== 0) && bytesToHex(pubKey) !== bytesToHex(c.pubKey);
  if (keyChanges && (await store.get(pubKeyOwner(pubKey))) !== 0n) refuse('PubKeyInUse', [bytesToHex(pubKey)], 'this consensus key belongs to another candidate');
  if (maxStake !== 0n) await store.set(CANDIDATE.maxStake(sender), maxStake);
  if (extra > 0n) await bond(store, ctx.params, sender, owner, extra);
  if (commission !== 0n) await store.set(CANDIDATE.commission(sender), commission);
  if (keyChanges) {
    await store.set(CANDIDATE.pubKey(sender), BigInt(bytesToHex(pubKey)));
    await store.set(pubKeyOwner(pubKey), BigInt(bytesToHex(sender)));
    // the old key keeps mapping to the owner: it still signs the blocks before the change takes effect
    await store.set(consensusOwner(ed25519Address(pubKey)), BigInt(bytesToHex(sender)));
  }
  if (description !== '' && description !== c.description) {
    await store.setText(CANDIDATE.description(sender), description);
    const flags = await store.get(CANDIDATE.flags(sender));
    await store.set(CANDIDATE.flags(sender), flags & ~FLAG_VERIFIED);
  }
  const events: StakingEvent[] = [{ name: 'CandidateUpdated', args: [bytesToHex(sender), bytesToHex(keyChanges ? pubKey : c.pubKey), maxStake === 0n ? c.maxStake : maxStake, commission === 0n ? c.commission : commission] }];
  if (extra > 0n) events.push({ name: 'Delegated', args: [bytesToHex(sender), bytesToHex(owner), extra] });
  return events;
}

/**
 * A candidate lowers the commission it takes from one of its delegations (CyberMiles' setCompRate,
 * reference §3.3): in (0, 1) and at most the candidate's own rate. Rewards up to now are settled at the old
 * rate; the new one applies from this block's rewards on.
 */
export async function setCompRate(ctx: CallContext, delegator: Uint8Array, rate: bigint): Promise<StakingEvent[]> {
  noValue(ctx);
  const { store, sender } = ctx;
  const c = await candidateOf(store, sender);
  if (c.withdrawn) refuse('CandidateWithdrawn', [bytesToHex(sender)], 'the candidacy is withdrawn');
  if (rate <= 0n || rate > c.commission) refuse('BadCommission', [rate], `a delegation's rate must be in (0, ${c.commission}] (the candidate's rate; 1e18 = 1)`);
  const amount = await store.get(delegationAmount(sender, delegator));
  if (amount === 0n) refuse('NotADelegator', [bytesToHex(delegator)], `${bytesToHex(delegator)} has no stake with this candidate`);
  await setDelegation(store, ctx.params.minEarningStake, sender, delegator, amount, rate);
  return [{ name: 'CompRateSet', args: [bytesToHex(sender), bytesToHex(delegator), rate] }];
}

/**
 * The self-stake a raised maximum requires beyond what the candidate's controller already holds (0 when the
 * maximum does not rise): what updateCandidacy must be sent.
 */
export async function extraSelfStake(store: StakingStore, params: StakingParams, c: CandidateView, controller: Uint8Array, maxStake: bigint): Promise<bigint> {
  if (maxStake <= c.maxStake) return 0n;
  const required = selfStakeFor(params, maxStake);
  const self = await store.get(delegationAmount(c.owner, controller));
  return required > self ? required - self : 0n;
}

/** Writes a new candidate (active, unverified); also used for genesis validators. */
export async function writeCandidate(store: StakingStore, owner: Uint8Array, pubKey: Uint8Array, maxStake: bigint, commission: bigint, height: bigint, description: string): Promise<void> {
  await store.set(CANDIDATE.pubKey(owner), BigInt(bytesToHex(pubKey)));
  await store.set(CANDIDATE.maxStake(owner), maxStake);
  await store.set(CANDIDATE.commission(owner), commission);
  await store.set(CANDIDATE.flags(owner), FLAG_EXISTS | FLAG_ACTIVE);
  await store.set(CANDIDATE.declaredAt(owner), height);
  await store.setText(CANDIDATE.description(owner), description);
  await store.set(pubKeyOwner(pubKey), BigInt(bytesToHex(owner)));
  await store.set(consensusOwner(ed25519Address(pubKey)), BigInt(bytesToHex(owner)));
  await store.listPush(LISTS.candidates, [], owner);
}

/** Genesis: a validator of genesis.json becomes a candidate holding its self-stake. */
export async function bondAtGenesis(store: StakingStore, params: StakingParams, owner: Uint8Array, amount: bigint): Promise<void> {
  await bond(store, params, owner, owner, amount);
}

export async function delegate(ctx: CallContext, candidate: Uint8Array): Promise<StakingEvent[]> {
  const c = await candidateOf(ctx.store, candidate);
  if (ctx.value === 0n) refuse('ZeroAmount', [], 'send the CMT to delegate as the call value');
  if (c.withdrawn) refuse('CandidateWithdrawn', [bytesToHex(candidate)], 'the candidate has withdrawn');
  if (c.bonded + ctx.value > c.maxStake) refuse('AboveMaxStake', [c.maxStake, c.bonded + ctx.value], `the candidate takes at most ${c.maxStake} wei of stake`);
  await bond(ctx.store, ctx.params, candidate, ctx.sender, ctx.value);
  return [{ name: 'Delegated', args: [bytesToHex(candidate), bytesToHex(ctx.sender), ctx.value] }];
}

export async function withdraw(ctx: CallContext, candidate: Uint8Array, amount: bigint): Promise<StakingEvent[]> {
  noValue(ctx);
  const c = await candidateOf(ctx.store, candidate);
  if (amount === 0n) refuse('ZeroAmount', [], 'the amount to withdraw must be above 0');
  const have = await ctx.store.get(delegationAmount(candidate, ctx.sender));
  if (amount > have) refuse('InsufficientDelegation', [have, amount], `the delegation holds ${have} wei`);
  if (equalBytes(ctx.sender, await controllerOf(ctx.store, candidate)) && !c.withdrawn) {
    const required = selfStakeFor(ctx.params, c.maxStake);
    if (have - amount < required) refuse('BelowSelfStake', [required, have - amount], `a candidate keeps ${required} wei of self-stake (withdraw the candidacy to take it all)`);
  }
  const events: StakingEvent[] = [];
  await unbond(ctx, candidate, ctx.sender, amount, events);
  return events;
}

export async function withdrawCandidacy(ctx: CallContext): Promise<StakingEvent[]> {
  noValue(ctx);
  const c = await candidateOf(ctx.store, ctx.sender);
  if (c.withdrawn) refuse('CandidateWithdrawn', [bytesToHex(ctx.sender)], 'the candidacy is already withdrawn');
  const events: StakingEvent[] = [];
  const [name] = LISTS.delegators(ctx.sender);
  for (const delegator of await ctx.store.listAll(name, ctx.sender)) {
    const amount = await ctx.store.get(delegationAmount(ctx.sender, delegator));
    if (amount > 0n) await unbond(ctx, ctx.sender, delegator, amount, events);
  }
  const flags = await ctx.store.get(CANDIDATE.flags(ctx.sender));
  await ctx.store.set(CANDIDATE.flags(ctx.sender), (flags | FLAG_WITHDRAWN) & ~FLAG_ACTIVE);
  events.push({ name: 'CandidacyWithdrawn', args: [bytesToHex(ctx.sender)] });
  return events;
}

export async function setActive(ctx: CallContext, active: boolean): Promise<StakingEvent[]> {
  noValue(ctx);
  const c = await candidateOf(ctx.store, ctx.sender);
  if (c.withdrawn) refuse('CandidateWithdrawn', [bytesToHex(ctx.sender)], 'the candidacy is withdrawn');
  const flags = await ctx.store.get(CANDIDATE.flags(ctx.sender));
  await ctx.store.set(CANDIDATE.flags(ctx.sender), active ? flags | FLAG_ACTIVE : flags & ~FLAG_ACTIVE);
  return [{ name: active ? 'CandidateActivated' : 'CandidateDeactivated', args: [bytesToHex(ctx.sender)] }];
}

export async function verifyCandidacy(ctx: CallContext, candidate: Uint8Array, verified: boolean): Promise<StakingEvent[]> {
  noValue(ctx);
  if (!equalBytes(ctx.sender, ctx.params.foundation)) refuse('NotFoundation', [bytesToHex(ctx.sender)], 'only the foundation address verifies candidates');
  await candidateOf(ctx.store, candidate);
  const flags = await ctx.store.get(CANDIDATE.flags(candidate));
  await ctx.store.set(CANDIDATE.flags(candidate), verified ? flags | FLAG_VERIFIED : flags & ~FLAG_VERIFIED);
  return [{ name: 'CandidateVerified', args: [bytesToHex(candidate), verified] }];
}

/** Pays the caller's rewards: those of its delegation to `candidate` (if not the zero address) and any settled before. */
export async function claimRewards(ctx: CallContext, candidate: Uint8Array): Promise<StakingEvent[]> {
  noValue(ctx);
  if (candidate.some((b) => b !== 0)) await settle(ctx.store, candidate, ctx.sender);
  const amount = await ctx.store.get(rewardBalance(ctx.sender));
  await ctx.store.set(rewardBalance(ctx.sender), 0n);
  await ctx.store.pay(ctx.sender, amount);
  return [{ name: 'RewardsClaimed', args: [bytesToHex(ctx.sender), amount] }];
}

/** Bonds the caller's rewards (its delegation's to `candidate` and any settled before) to `candidate`, up to its maximum. */
export async function restake(ctx: CallContext, candidate: Uint8Array): Promise<StakingEvent[]> {
  noValue(ctx);
  const c = await candidateOf(ctx.store, candidate);
  if (c.withdrawn) refuse('CandidateWithdrawn', [bytesToHex(candidate)], 'the candidate has withdrawn');
  await settle(ctx.store, candidate, ctx.sender);
  const amount = await ctx.store.get(rewardBalance(ctx.sender));
  if (amount === 0n) refuse('ZeroAmount', [], 'there are no rewards to re-stake');
  // CyberMiles compounded rewards past the declared maximum (reference §12.4): not here
  if (c.bonded + amount > c.maxStake) refuse('AboveMaxStake', [c.maxStake, c.bonded + amount], `the candidate takes at most ${c.maxStake} wei of stake`);
  await ctx.store.set(rewardBalance(ctx.sender), 0n);
  await bond(ctx.store, ctx.params, candidate, ctx.sender, amount);
  return [{ name: 'Delegated', args: [bytesToHex(candidate), bytesToHex(ctx.sender), amount] }];
}

/** Pays the unbondings that mature at `height` (end of block). */
export async function payMatured(store: StakingStore, height: bigint): Promise<StakingEvent[]> {
  const [name, key] = LISTS.unbonding(height);
  const count = await store.listLength(name, key);
  const events: StakingEvent[] = [];
  for (let i = 0n; i < count; i++) {
    const delegator = (await store.address(unbondingField(height, i, 0))) as Uint8Array;
    const amount = await store.get(unbondingField(height, i, 1));
    await store.pay(delegator, amount);
    await store.add(pendingUnbonding(delegator), -amount);
    for (const f of [0, 1, 2] as const) await store.set(unbondingField(height, i, f), 0n);
    events.push({ name: 'Unbonded', args: [bytesToHex(delegator), amount] });
  }
  if (count > 0n) await store.set(store.listSlot(name, key), 0n);
  return events;
}
