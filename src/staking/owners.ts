/**
 * Who controls a candidate (CyberMiles' two-step owner-address change, reference §3.3). All of a
 * candidate's state (delegations, reward ratio, seat, slashes) stays keyed by the address that declared it,
 * its id; only the controlling account changes. Step 1: the controller names a new account (a request id).
 * Step 2: that account accepts, sending the old controller's self-stake as the call's value; the old
 * controller gets its self-stake back at once (the stake stays bonded: the new one replaces it) and with it
 * the right to act for the candidate and receive its commission. Nothing else moves, so nothing can be
 * forgotten in a copy, and the validator never leaves the set.
 */
import { bytesToHex, equalBytes } from '../primitives/index.ts';
import { refuse } from './errors.ts';
import { OWNER_REQUESTS, controlledCandidate, controllerAccount, delegationAmount, delegationRate, openOwnerRequest, ownerRequestField } from './layout.ts';
import { setDelegation } from './rewards.ts';
import { addDelegator, candidateControlledBy, controllerOf, readCandidate } from './rules.ts';
import type { CallContext, StakingEvent } from './rules.ts';
import type { StakingStore } from './store.ts';

/** Step 1, by the controller of `id` (ctx.sender is the candidate id): names the account that may take over. */
export async function requestOwnerChange(ctx: CallContext, id: Uint8Array, newOwner: Uint8Array): Promise<{ requestId: bigint; events: StakingEvent[] }> {
  const { store } = ctx;
  if (ctx.value !== 0n) refuse('ValueNotAccepted', [ctx.value], 'this call takes no CMT');
  const c = await readCandidate(store, id);
  if (c === undefined) refuse('NotACandidate', [bytesToHex(id)], `${bytesToHex(id)} is not a candidate`);
  if (c.withdrawn) refuse('CandidateWithdrawn', [bytesToHex(id)], 'the candidacy is withdrawn');
  await requireFree(store, id, newOwner);
  const requestId = (await store.add(OWNER_REQUESTS, 1n)) - 1n;
  await store.set(ownerRequestField(requestId, 0), BigInt(bytesToHex(id)));
  await store.set(ownerRequestField(requestId, 1), BigInt(bytesToHex(newOwner)));
  await store.set(openOwnerRequest(id), requestId + 1n); // a later request replaces this one
  return { requestId, events: [{ name: 'OwnerChangeRequested', args: [bytesToHex(id), bytesToHex(newOwner), requestId] }] };
}

/** The candidate an owner-change request is for, while it is open. */
export async function ownerRequestCandidate(store: StakingStore, requestId: bigint): Promise<Uint8Array | undefined> {
  const id = await store.address(ownerRequestField(requestId, 0));
  return id !== undefined && (await store.get(openOwnerRequest(id))) === requestId + 1n ? id : undefined;
}

/** Step 2, by the new account: takes over the candidate, replacing the old controller's self-stake with its own. */
export async function acceptOwnerChange(ctx: CallContext, requestId: bigint): Promise<StakingEvent[]> {
  const { store, sender } = ctx;
  const id = await ownerRequestCandidate(store, requestId);
  const named = await store.address(ownerRequestField(requestId, 1));
  if (id === undefined || named === undefined) refuse('NoSuchRequest', [requestId], `no open owner-change request ${requestId}`);
  if (!equalBytes(named, sender)) refuse('NotRequested', [bytesToHex(sender)], `request ${requestId} names ${bytesToHex(named)}`);
  const c = await readCandidate(store, id);
  if (c === undefined || c.withdrawn) refuse('CandidateWithdrawn', [bytesToHex(id)], 'the candidacy is withdrawn');
  await requireFree(store, id, sender); // still true now, not only when it was requested
  const old = await controllerOf(store, id);
  const selfStake = await store.get(delegationAmount(id, old));
  if (ctx.value !== selfStake) refuse('WrongSelfStake', [selfStake, ctx.value], `taking over needs the self-stake of ${selfStake} wei, ${ctx.value} sent`);
  const rate = await store.get(delegationRate(id, old));
  await setDelegation(store, ctx.params.minEarningStake, id, old, 0n, rate); // settles the old controller's rewards
  await store.pay(old, selfStake);
  await ctx.store.set(openOwnerRequest(id), 0n);
  if (!equalBytes(old, id)) await store.set(controlledCandidate(old), 0n);
  if (equalBytes(sender, id)) {
    await store.set(controllerAccount(id), 0n); // handed back to the declaring address
  } else {
    await store.set(controllerAccount(id), BigInt(bytesToHex(sender)));
    await store.set(controlledCandidate(sender), BigInt(bytesToHex(id)));
  }
  await addDelegator(store, id, sender);
  await setDelegation(store, ctx.params.minEarningStake, id, sender, selfStake, rate); // the old rate goes on
  return [{ name: 'OwnerChanged', args: [bytesToHex(id), bytesToHex(old), bytesToHex(sender)] }];
}

/** An account can take over a candidate only if it controls none and has no stake with this one to merge. */
async function requireFree(store: StakingStore, id: Uint8Array, account: Uint8Array): Promise<void> {
  const controls = await candidateControlledBy(store, account);
  const handedBack = equalBytes(account, id) && controls === undefined;
  if (controls !== undefined || ((await readCandidate(store, account)) !== undefined && !handedBack)) {
    refuse('AccountInUse', [bytesToHex(account)], `${bytesToHex(account)} already controls or is a candidate`);
  }
  if ((await store.get(delegationAmount(id, account))) !== 0n) refuse('AccountInUse', [bytesToHex(account)], `${bytesToHex(account)} delegates to this candidate`);
}
