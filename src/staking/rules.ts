/**
 * The staking rules of CyberMiles (reference/cybermiles.md §3.3, §3.6), as operations on the staking
 * state: declare, activate, deactivate, verify and withdraw a candidacy; delegate; withdraw a delegation
 * into unbonding. Amounts are wei (bigint); a refusal throws a StakingError before anything is written.
 */
import { bytesToHex, equalBytes } from '../primitives/index.ts';
import { refuse } from './errors.ts';
import { ed25519Address } from '../crypto/index.ts';
import { settle } from './rewards.ts';
import { CANDIDATE, consensusOwner, rewardBalance, FLAG_ACTIVE, FLAG_EXISTS, FLAG_VERIFIED, FLAG_WITHDRAWN, LISTS, delegationAmount, delegatorIndex, pendingUnbonding, pubKeyOwner, unbondingField } from './layout.ts';
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

/** Adds `amount` to a delegation (creating it) and to the candidate's bonded stake. */
async function bond(store: StakingStore, candidate: Uint8Array, delegator: Uint8Array, amount: bigint): Promise<void> {
  await settle(store, candidate, delegator); // rewards so far were earned by the old stake
  if ((await store.get(delegatorIndex(candidate, delegator))) === 0n) {
    const index = await store.listPush(LISTS.delegators(candidate)[0], [candidate], delegator);
    await store.set(delegatorIndex(candidate, delegator), index + 1n);
  }
  await store.add(delegationAmount(candidate, delegator), amount);
  await store.add(CANDIDATE.bonded(candidate), amount);
}

/** Takes `amount` out of a delegation into the unbonding queue, paid at height + unbondingBlocks. */
async function unbond(ctx: CallContext, candidate: Uint8Array, delegator: Uint8Array, amount: bigint, events: StakingEvent[]): Promise<void> {
  const { store } = ctx;
  await settle(store, candidate, delegator);
  await store.add(delegationAmount(candidate, delegator), -amount);
  await store.add(CANDIDATE.bonded(candidate), -amount);
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
  if ((await readCandidate(store, sender)) !== undefined) refuse('AlreadyCandidate', [bytesToHex(sender)], `${bytesToHex(sender)} is already a candidate`);
  if (pubKey.length !== 32 || pubKey.every((b) => b === 0)) refuse('BadPubKey', [bytesToHex(pubKey)], 'the consensus key must be a 32-byte ed25519 public key');
  if ((await store.get(pubKeyOwner(pubKey))) !== 0n) refuse('PubKeyInUse', [bytesToHex(pubKey)], 'this consensus key belongs to another candidate');
  if (maxStake === 0n) refuse('ZeroAmount', [], 'the declared maximum stake must be above 0');
  if (commission <= 0n || commission >= RATE_ONE) refuse('BadCommission', [commission], 'the commission rate must be in (0, 1) (1e18 = 1)');
  const selfStake = selfStakeFor(ctx.params, maxStake);
  if (ctx.value !== selfStake) refuse('WrongSelfStake', [selfStake, ctx.value], `the self-stake is ${selfStake} wei (${ctx.params.selfStakeRatio.num}/${ctx.params.selfStakeRatio.den} of the maximum), ${ctx.value} sent`);
  await writeCandidate(store, sender, pubKey, maxStake, commission, ctx.height, description);
  await bond(store, sender, sender, selfStake);
  return [{ name: 'CandidateDeclared', args: [bytesToHex(sender), bytesToHex(pubKey), maxStake, commission] }, { name: 'Delegated', args: [bytesToHex(sender), bytesToHex(sender), selfStake] }];
}

/**
 * Changes a candidacy (CyberMiles' updateCandidacy, reference §3.3); a zero argument keeps the field.
 * Raising the maximum takes the extra self-stake it requires as the call's value; lowering it refunds
 * nothing and cannot go below the stake already bonded. A new consensus key takes effect with the next set
 * change (the election sees it at the end of this block; consensus two heights later). Changing the
 * description clears verification. The commission applies to every delegation from the next block (not only
 * to new ones, as in CyberMiles: delegations have no commission of their own here).
 */
export async function updateCandidacy(ctx: CallContext, pubKey: Uint8Array, maxStake: bigint, commission: bigint, description: string): Promise<StakingEvent[]> {
  const { store, sender } = ctx;
  const c = await candidateOf(store, sender);
  if (c.withdrawn) refuse('CandidateWithdrawn', [bytesToHex(sender)], 'the candidacy is withdrawn');
  let extra = 0n;
  if (maxStake !== 0n && maxStake !== c.maxStake) {
    if (maxStake < c.bonded) refuse('AboveMaxStake', [maxStake, c.bonded], `${c.bonded} wei is already bonded`);
    const required = selfStakeFor(ctx.params, maxStake);
    const self = await store.get(delegationAmount(sender, sender));
    if (maxStake > c.maxStake && required > self) extra = required - self;
  }
  if (ctx.value !== extra) refuse('WrongSelfStake', [extra, ctx.value], `the new maximum needs ${extra} wei more self-stake, ${ctx.value} sent`);
  if (commission !== 0n && commission >= RATE_ONE) refuse('BadCommission', [commission], 'the commission rate must be in (0, 1) (1e18 = 1)');
  const keyChanges = pubKey.some((b) => b !== 0) && bytesToHex(pubKey) !== bytesToHex(c.pubKey);
  if (keyChanges && (await store.get(pubKeyOwner(pubKey))) !== 0n) refuse('PubKeyInUse', [bytesToHex(pubKey)], 'this consensus key belongs to another candidate');
  if (maxStake !== 0n) await store.set(CANDIDATE.maxStake(sender), maxStake);
  if (extra > 0n) await bond(store, sender, sender, extra);
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
  if (extra > 0n) events.push({ name: 'Delegated', args: [bytesToHex(sender), bytesToHex(sender), extra] });
  return events;
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
export async function bondAtGenesis(store: StakingStore, owner: Uint8Array, amount: bigint): Promise<void> {
  await bond(store, owner, owner, amount);
}

export async function delegate(ctx: CallContext, candidate: Uint8Array): Promise<StakingEvent[]> {
  const c = await candidateOf(ctx.store, candidate);
  if (ctx.value === 0n) refuse('ZeroAmount', [], 'send the CMT to delegate as the call value');
  if (c.withdrawn) refuse('CandidateWithdrawn', [bytesToHex(candidate)], 'the candidate has withdrawn');
  if (c.bonded + ctx.value > c.maxStake) refuse('AboveMaxStake', [c.maxStake, c.bonded + ctx.value], `the candidate takes at most ${c.maxStake} wei of stake`);
  await bond(ctx.store, candidate, ctx.sender, ctx.value);
  return [{ name: 'Delegated', args: [bytesToHex(candidate), bytesToHex(ctx.sender), ctx.value] }];
}

export async function withdraw(ctx: CallContext, candidate: Uint8Array, amount: bigint): Promise<StakingEvent[]> {
  noValue(ctx);
  const c = await candidateOf(ctx.store, candidate);
  if (amount === 0n) refuse('ZeroAmount', [], 'the amount to withdraw must be above 0');
  const have = await ctx.store.get(delegationAmount(candidate, ctx.sender));
  if (amount > have) refuse('InsufficientDelegation', [have, amount], `the delegation holds ${have} wei`);
  if (equalBytes(ctx.sender, candidate) && !c.withdrawn) {
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
  await bond(ctx.store, candidate, ctx.sender, amount);
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
