/**
 * proposer(h, r): CometBFT's weighted round robin (spec/consensus/proposer-selection.md,
 * types/validator_set.go). Each run adds every member's voting power to its priority, elects the highest
 * priority (ties go to the smaller address) and takes the total power off the winner, so over a window of
 * P runs (P = total power) a member with power p proposes p times. Before the runs, priorities are scaled
 * so that max - min <= 2P, and centred on zero.
 *
 * Rounds: the set handed to a height elects round 0 (`set.proposer`); round r is r more runs from that set
 * in one call (one rescale and centring, then r increments). CometBFT instead increments once per round
 * change (0->1->2 rescales twice, 0->2 once), which can differ in the rare case a rescale bites mid-height;
 * defining proposer(h, r) as a function of (set, r) alone makes it independent of how a node got to r.
 * Heights: the next height's set is this one incremented once (`nextHeightValidatorSet`), whatever round
 * decided, as CometBFT's state.NextValidators.
 */
import { consensusError } from '../errors.ts';
import type { ConsensusValidator, ValidatorSet } from './validatorSet.ts';

/** CometBFT's PriorityWindowSizeFactor: priorities are kept within 2 x total power of each other. */
const PRIORITY_WINDOW_SIZE_FACTOR = 2n;

export function compareAddresses(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** Divides every priority by ceil(diff / 2P) when max - min exceeds 2P (Go's truncating division). */
export function rescalePriorities(priorities: bigint[], totalPower: bigint): void {
  const diffMax = PRIORITY_WINDOW_SIZE_FACTOR * totalPower;
  if (diffMax <= 0n || priorities.length === 0) return;
  let max = priorities[0] as bigint;
  let min = max;
  for (const p of priorities) {
    if (p > max) max = p;
    if (p < min) min = p;
  }
  const diff = max - min;
  if (diff <= diffMax) return;
  const ratio = (diff + diffMax - 1n) / diffMax;
  for (let i = 0; i < priorities.length; i++) priorities[i] = (priorities[i] as bigint) / ratio;
}

/** Subtracts the average (floored, as Go's big.Int Div for a positive divisor) from every priority. */
export function centerPriorities(priorities: bigint[]): void {
  if (priorities.length === 0) return;
  const n = BigInt(priorities.length);
  const sum = priorities.reduce((a, b) => a + b, 0n);
  const avg = sum >= 0n ? sum / n : -((-sum + n - 1n) / n);
  for (let i = 0; i < priorities.length; i++) priorities[i] = (priorities[i] as bigint) - avg;
}

/** Highest priority; on a tie the smaller address (CometBFT CompareProposerPriority). */
export function indexOfMaxPriority(priorities: readonly bigint[], validators: readonly ConsensusValidator[]): number {
  let best = 0;
  for (let i = 1; i < priorities.length; i++) {
    const p = priorities[i] as bigint;
    const q = priorities[best] as bigint;
    if (p > q || (p === q && compareAddresses((validators[i] as ConsensusValidator).address, (validators[best] as ConsensusValidator).address) < 0)) best = i;
  }
  return best;
}

/** One run: everyone moves ahead by its power, the head of the queue is elected and sent back by P. */
function runOnce(priorities: bigint[], validators: readonly ConsensusValidator[], totalPower: bigint): number {
  for (let i = 0; i < priorities.length; i++) priorities[i] = (priorities[i] as bigint) + (validators[i] as ConsensusValidator).power;
  const best = indexOfMaxPriority(priorities, validators);
  priorities[best] = (priorities[best] as bigint) - totalPower;
  return best;
}

/** CometBFT IncrementProposerPriority(times) on a copy: rescale, centre, then `times` runs. */
export function incrementProposerPriority(set: ValidatorSet, times: number): ValidatorSet {
  if (!Number.isSafeInteger(times) || times <= 0) throw consensusError('BAD_OPTION', `incrementProposerPriority needs a positive integer, got ${times}`);
  const priorities = set.validators.map((v) => v.proposerPriority);
  rescalePriorities(priorities, set.totalPower);
  centerPriorities(priorities);
  let elected = 0;
  for (let i = 0; i < times; i++) elected = runOnce(priorities, set.validators, set.totalPower);
  const validators = set.validators.map((v, i) => ({ ...v, proposerPriority: priorities[i] as bigint }));
  return { validators, totalPower: set.totalPower, proposer: validators[elected] as ConsensusValidator };
}

/** The set of height h+1 when no validator changes apply (apply `updateValidatorSet` first otherwise). */
export function nextHeightValidatorSet(set: ValidatorSet): ValidatorSet {
  return incrementProposerPriority(set, 1);
}

/** Proposers of rounds 0, 1, 2… of one set, extended on demand (a pure memo: same set, same answers). */
const schedules = new WeakMap<ValidatorSet, { priorities: bigint[]; proposers: ConsensusValidator[] }>();

/** proposer(h, r) for the set of height h. Cost: r runs once per set, then a lookup. */
export function proposerForRound(set: ValidatorSet, round: number): ConsensusValidator {
  if (round === 0) return set.proposer;
  let schedule = schedules.get(set);
  if (schedule === undefined) {
    const priorities = set.validators.map((v) => v.proposerPriority);
    rescalePriorities(priorities, set.totalPower);
    centerPriorities(priorities);
    schedule = { priorities, proposers: [set.proposer] };
    schedules.set(set, schedule);
  }
  while (schedule.proposers.length <= round) {
    schedule.proposers.push(set.validators[runOnce(schedule.priorities, set.validators, set.totalPower)] as ConsensusValidator);
  }
  return schedule.proposers[round] as ConsensusValidator;
}
