/**
 * The election (reference/cybermiles.md §3.4): active candidates ranked by stake (ties: owner address
 * ascending); among the top max_vals + backup_vals, a candidate's stake counts only up to
 * validator_size_threshold (12%) of their total; ranked again by that capped stake, the first max_vals
 * are the validators, the next backup_vals the backups.
 *
 * Unlike CyberMiles, which gave every validator the same consensus weight while governance counted stake
 * (§12.5), the consensus voting power IS the capped stake (in whole CMT), so who decides blocks and who
 * decides proposals agree (ADR 0014). The changes against the set consensus has are what endBlock returns.
 */
import { bytesToHex } from '../primitives/index.ts';
import { LISTS, memberSince, missedBlocks, validatorKey, validatorPower } from './layout.ts';
import { POWER_UNIT_WEI } from './params.ts';
import type { StakingParams } from './params.ts';
import { actingAs, readCandidate } from './rules.ts';
import type { StakingStore } from './store.ts';

export interface ElectedValidator {
  owner: Uint8Array;
  pubKey: Uint8Array;
  /** Capped stake, wei. */
  votingPower: bigint;
  /** Consensus voting power: the capped stake in whole CMT. */
  power: bigint;
}

export interface Election {
  validators: ElectedValidator[];
  backups: ElectedValidator[];
}

/** A change for consensus: power 0 removes the key. */
export interface SetChange {
  pubKey: Uint8Array;
  power: bigint;
}

function byStakeThenOwner(a: { stake: bigint; owner: Uint8Array }, b: { stake: bigint; owner: Uint8Array }): number {
  if (a.stake !== b.stake) return a.stake > b.stake ? -1 : 1;
  return Buffer.compare(a.owner, b.owner);
}

export async function elect(store: StakingStore, params: StakingParams): Promise<Election> {
  const ranked: Array<{ owner: Uint8Array; pubKey: Uint8Array; stake: bigint }> = [];
  for (const owner of await store.listAll(LISTS.candidates)) {
    const c = await readCandidate(store, owner);
    if (c === undefined || !c.active || c.withdrawn || c.bonded === 0n) continue;
    ranked.push({ owner, pubKey: c.pubKey, stake: c.bonded });
  }
  ranked.sort(byStakeThenOwner);
  const top = ranked.slice(0, params.maxValidators + params.backupValidators);
  const total = top.reduce((sum, c) => sum + c.stake, 0n);
  const cap = (total * params.sizeThreshold.num) / params.sizeThreshold.den;
  const capped = top.map((c) => ({ ...c, stake: c.stake < cap ? c.stake : cap })).sort(byStakeThenOwner);
  const elected = capped
    .map((c) => ({ owner: c.owner, pubKey: c.pubKey, votingPower: c.stake, power: c.stake / POWER_UNIT_WEI }))
    .filter((c) => c.power > 0n);
  return { validators: elected.slice(0, params.maxValidators), backups: elected.slice(params.maxValidators) };
}

/**
 * Stores `validators` as the set consensus has and returns the changes from the previous one (a member
 * whose key changed leaves with its old key and joins with the new one). An empty election changes
 * nothing: consensus cannot run without validators, so the last set stays.
 */
export async function applyElection(store: StakingStore, validators: readonly ElectedValidator[], height: bigint): Promise<SetChange[]> {
  if (validators.length === 0) return [];
  const previous = await store.listAll(LISTS.validators);
  const changes: SetChange[] = [];
  const next = new Set(validators.map((v) => bytesToHex(v.owner)));
  for (const owner of previous) {
    if (next.has(bytesToHex(owner))) continue;
    changes.push({ pubKey: await storedKey(store, owner), power: 0n });
    await store.set(validatorPower(owner), 0n);
    await store.set(validatorKey(owner), 0n);
    await store.set(memberSince(owner), 0n);
    await store.set(missedBlocks(owner), 0n);
  }
  const previousKeys = new Set(previous.map((o) => bytesToHex(o)));
  for (const v of validators) if (!previousKeys.has(bytesToHex(v.owner))) await store.set(memberSince(v.owner), height);
  for (const v of validators) {
    const oldPower = await store.get(validatorPower(v.owner));
    const oldKey = oldPower === 0n ? undefined : await storedKey(store, v.owner);
    if (oldKey !== undefined && bytesToHex(oldKey) !== bytesToHex(v.pubKey)) changes.push({ pubKey: oldKey, power: 0n });
    if (oldPower !== v.power || oldKey === undefined || bytesToHex(oldKey) !== bytesToHex(v.pubKey)) {
      changes.push({ pubKey: v.pubKey, power: v.power });
      await store.set(validatorPower(v.owner), v.power);
      await store.set(validatorKey(v.owner), BigInt(bytesToHex(v.pubKey)));
    }
  }
  await store.listReplace(LISTS.validators, [], validators.map((v) => v.owner));
  return changes;
}

function storedKey(store: StakingStore, owner: Uint8Array): Promise<Uint8Array> {
  return store.fixed(validatorKey(owner), 32);
}

/**
 * Whether the candidate `account` controls (owners.ts) holds a seat now: a member of the set consensus has,
 * or a backup of the current election.
 */
export async function seatOf(store: StakingStore, params: StakingParams, account: Uint8Array): Promise<{ validator: boolean; backup: boolean }> {
  const owner = await actingAs(store, account);
  if (owner === undefined) return { validator: false, backup: false };
  const key = bytesToHex(owner);
  const validator = (await store.listAll(LISTS.validators)).some((o) => bytesToHex(o) === key);
  const backup = !validator && (await elect(store, params)).backups.some((b) => bytesToHex(b.owner) === key);
  return { validator, backup };
}
