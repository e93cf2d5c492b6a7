/**
 * The votes of one (height, round, type) with their voting power tallied per value, so each quorum check
 * is a lookup. Values: a block hash (0x-hex key) or nil.
 *
 * Counting follows the paper: "2f+1 ⟨PREVOTE, h, r, id(v)⟩" counts the distinct validators that sent a
 * prevote for v, and "2f+1 ⟨PREVOTE, h, r, ∗⟩" the distinct validators that sent any. A validator that
 * equivocates therefore counts once in `power` (its first vote) and once for each value it voted; the
 * extra votes are kept in `extras`. Safety does not need more (quorum intersection already allows the
 * byzantine power to vote twice), and liveness needs it: an honest node that first saw the equivocator's
 * other vote must still be able to see a polka that includes this one.
 */
import { bytesToHex } from '../../primitives/index.ts';
import type { Vote } from './types.ts';

export const NIL_KEY = 'nil';

export interface VoteSet {
  /** The first vote of each validator, by address (0x-hex): what `power` counts. */
  readonly votes: ReadonlyMap<string, Vote>;
  /** Further votes of a validator for other values, by `${address}|${value}`. */
  readonly extras: ReadonlyMap<string, Vote>;
  /** By value key (block hash hex or NIL_KEY): power of the distinct validators that voted it. */
  readonly powerByValue: ReadonlyMap<string, bigint>;
  /** Power of the distinct validators in the set, whatever they voted: the paper's ⟨…, ∗⟩. */
  readonly power: bigint;
}

export const EMPTY_VOTE_SET: VoteSet = { votes: new Map(), extras: new Map(), powerByValue: new Map(), power: 0n };

export function valueKey(blockHash: Uint8Array | null): string {
  return blockHash === null ? NIL_KEY : bytesToHex(blockHash);
}

export function powerFor(set: VoteSet, key: string): bigint {
  return set.powerByValue.get(key) ?? 0n;
}

/** Whether the validator has a vote for this value in the set (first or extra). */
export function hasVote(set: VoteSet, validatorKey: string, key: string): boolean {
  const first = set.votes.get(validatorKey);
  return (first !== undefined && valueKey(first.blockHash) === key) || set.extras.has(`${validatorKey}|${key}`);
}

function withPower(set: VoteSet, key: string, delta: bigint): ReadonlyMap<string, bigint> {
  return new Map(set.powerByValue).set(key, powerFor(set, key) + delta);
}

/** The first vote of a validator (the caller checks it has none). */
export function addToVoteSet(set: VoteSet, validatorKey: string, vote: Vote, power: bigint): VoteSet {
  return {
    votes: new Map(set.votes).set(validatorKey, vote),
    extras: set.extras,
    powerByValue: withPower(set, valueKey(vote.blockHash), power),
    power: set.power + power,
  };
}

/** Another value from a validator that already voted (the caller checks it is new for this value). */
export function addExtraToVoteSet(set: VoteSet, validatorKey: string, vote: Vote, power: bigint): VoteSet {
  const key = valueKey(vote.blockHash);
  return { ...set, extras: new Map(set.extras).set(`${validatorKey}|${key}`, vote), powerByValue: withPower(set, key, power) };
}

/** Removes every vote of a validator. */
export function removeFromVoteSet(set: VoteSet, validatorKey: string, power: bigint): VoteSet {
  const first = set.votes.get(validatorKey);
  if (first === undefined) return set;
  const votes = new Map(set.votes);
  votes.delete(validatorKey);
  const powerByValue = new Map(set.powerByValue);
  const drop = (key: string): void => {
    powerByValue.set(key, (powerByValue.get(key) ?? 0n) - power);
  };
  drop(valueKey(first.blockHash));
  const extras = new Map(set.extras);
  for (const [k, v] of set.extras) {
    if (k.startsWith(`${validatorKey}|`)) {
      extras.delete(k);
      drop(valueKey(v.blockHash));
    }
  }
  return { votes, extras, powerByValue, power: set.power - power };
}

/** The votes for one value, ordered by validator address (a commit's signatures in a canonical order). */
export function votesFor(set: VoteSet, key: string): Vote[] {
  const found: Array<[string, Vote]> = [...set.votes.entries()].filter(([, v]) => valueKey(v.blockHash) === key);
  for (const [k, v] of set.extras) if (valueKey(v.blockHash) === key) found.push([k.slice(0, k.indexOf('|')), v]);
  return found.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}
