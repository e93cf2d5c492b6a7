/**
 * The validator set as consensus sees it: each member's voting power and CometBFT's proposer priority,
 * sorted by power (descending) then address (ascending), as CometBFT sorts it. A set is a value: every
 * change returns a new set. Voting power is bigint throughout.
 */
import { bytesToHex } from '../../primitives/index.ts';
import { hashValidatorSet } from '../../types/index.ts';
import type { Validator } from '../../types/index.ts';
import { consensusError } from '../errors.ts';
import { centerPriorities, compareAddresses, incrementProposerPriority, indexOfMaxPriority, rescalePriorities } from './proposerSelection.ts';

export interface ConsensusValidator {
  readonly address: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly power: bigint;
  readonly proposerPriority: bigint;
}

export interface ValidatorSet {
  readonly validators: readonly ConsensusValidator[];
  readonly totalPower: bigint;
  /** proposer(h, 0): the member the last priority increment elected. */
  readonly proposer: ConsensusValidator;
}

/** CometBFT's cap (MaxInt64 / 8): keeps the same priorities computable in int64 by other implementations. */
export const MAX_TOTAL_VOTING_POWER = (2n ** 63n - 1n) / 8n;

function byPowerThenAddress(a: ConsensusValidator, b: ConsensusValidator): number {
  if (a.power !== b.power) return a.power > b.power ? -1 : 1;
  return compareAddresses(a.address, b.address);
}

function sumPower(validators: readonly ConsensusValidator[]): bigint {
  return validators.reduce((sum, v) => sum + v.power, 0n);
}

function checkTotal(total: bigint): void {
  if (total > MAX_TOTAL_VOTING_POWER) {
    throw consensusError('BAD_VOTING_POWER', `total voting power ${total} exceeds the maximum ${MAX_TOTAL_VOTING_POWER}`, { total: total.toString() });
  }
}

/**
 * The genesis rule (CometBFT NewValidatorSet): priorities start at 0 and are incremented once, so the
 * returned set's `proposer` proposes round 0 of the first height.
 */
export function createValidatorSet(members: readonly Validator[]): ValidatorSet {
  if (members.length === 0) throw consensusError('EMPTY_VALIDATOR_SET', 'a validator set needs at least one member');
  const seen = new Set<string>();
  for (const m of members) {
    const key = bytesToHex(m.address);
    if (seen.has(key)) throw consensusError('DUPLICATE_VALIDATOR', `validator ${key} appears twice`, { address: key });
    seen.add(key);
    if (m.power <= 0n) throw consensusError('BAD_VOTING_POWER', `validator ${key} has voting power ${m.power}; members need power > 0`, { address: key });
  }
  const validators = members.map((m) => ({ address: m.address, publicKey: m.publicKey, power: m.power, proposerPriority: 0n })).sort(byPowerThenAddress);
  const totalPower = sumPower(validators);
  checkTotal(totalPower);
  return incrementProposerPriority({ validators, totalPower, proposer: validators[0] as ConsensusValidator }, 1);
}

const hashes = new WeakMap<ValidatorSet, Uint8Array>();

/**
 * What a header's validatorsHash commits to: the members (address, key, power) in the set's order. Proposer
 * priorities are left out: they change every height while the membership does not.
 */
export function validatorSetHash(set: ValidatorSet): Uint8Array {
  let hash = hashes.get(set);
  if (hash === undefined) {
    hash = hashValidatorSet(set.validators);
    hashes.set(set, hash);
  }
  return hash;
}

const indexes = new WeakMap<ValidatorSet, Map<string, ConsensusValidator>>();

/** The member with this address (0x-hex key), or undefined. Indexed once per set. */
export function findValidator(set: ValidatorSet, addressKey: string): ConsensusValidator | undefined {
  let index = indexes.get(set);
  if (index === undefined) {
    index = new Map(set.validators.map((v) => [bytesToHex(v.address), v]));
    indexes.set(set, index);
  }
  return index.get(addressKey);
}

/**
 * Applies changes from the execution layer (power 0 removes a member), with CometBFT's rules
 * (UpdateWithChangeSet): a member keeps its priority across a power change; a new member starts at
 * -1.125 x the total power after the updates (before removals), so leaving and re-joining cannot jump the
 * queue; then priorities are rescaled and centred. Follow it with `nextHeightValidatorSet` (CometBFT's
 * updateState increments once after updating) to get the next height's proposer.
 */
export function updateValidatorSet(set: ValidatorSet, changes: readonly Validator[]): ValidatorSet {
  if (changes.length === 0) return set;
  const seen = new Set<string>();
  let updatedTotal = set.totalPower; // after updates, before removals
  let removedPower = 0n;
  const byKey = new Map(set.validators.map((v) => [bytesToHex(v.address), v]));
  const updates: Validator[] = [];
  for (const c of changes) {
    const key = bytesToHex(c.address);
    if (seen.has(key)) throw consensusError('DUPLICATE_VALIDATOR', `validator ${key} appears twice in one update`, { address: key });
    seen.add(key);
    if (c.power < 0n || c.power > MAX_TOTAL_VOTING_POWER) throw consensusError('BAD_VOTING_POWER', `validator ${key}: voting power ${c.power} out of range`, { address: key });
    const existing = byKey.get(key);
    if (c.power === 0n) {
      if (existing === undefined) throw consensusError('UNKNOWN_VALIDATOR', `cannot remove ${key}: not in the validator set`, { address: key });
      removedPower += existing.power;
    } else {
      updatedTotal += c.power - (existing?.power ?? 0n);
      updates.push(c);
    }
  }
  checkTotal(updatedTotal - removedPower);
  const newcomerPriority = -(updatedTotal + (updatedTotal >> 3n));
  for (const u of updates) {
    const key = bytesToHex(u.address);
    const existing = byKey.get(key);
    byKey.set(key, { address: u.address, publicKey: u.publicKey, power: u.power, proposerPriority: existing?.proposerPriority ?? newcomerPriority });
  }
  for (const c of changes) if (c.power === 0n) byKey.delete(bytesToHex(c.address));
  const members = [...byKey.values()];
  if (members.length === 0) throw consensusError('EMPTY_VALIDATOR_SET', 'the changes would remove every validator');
  const totalPower = sumPower(members);
  const priorities = members.map((v) => v.proposerPriority);
  rescalePriorities(priorities, totalPower);
  centerPriorities(priorities);
  const validators = members.map((v, i) => ({ ...v, proposerPriority: priorities[i] as bigint })).sort(byPowerThenAddress);
  return { validators, totalPower, proposer: validators[indexOfMaxPriority(validators.map((v) => v.proposerPriority), validators)] as ConsensusValidator };
}
