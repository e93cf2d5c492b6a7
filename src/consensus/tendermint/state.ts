/**
 * The state of one validator's Tendermint machine: the paper's h_p, round_p, step_p, lockedValue/Round,
 * validValue/Round and decision_p[h_p], the message log of the height, what the execution layer said
 * about proposed blocks, and the "for the first time" guards of the current round. A value: the machine
 * returns a new state and never changes the one it was given.
 */
import { bytesToHex } from '../../primitives/index.ts';
import type { Commit } from '../../types/index.ts';
import { EMPTY_LOG } from './messageLog.ts';
import type { MessageLog } from './messageLog.ts';
import { validateTimeoutOptions } from './timeouts.ts';
import type { TimeoutOptions } from './timeouts.ts';
import type { Step } from './types.ts';
import type { ValidatorSet } from './validatorSet.ts';

/** Rules of the current round that fire only "for the first time" (L34, L36, L47), and our own proposal. */
export interface RoundGuards {
  readonly prevoteTimeoutScheduled: boolean; // L34
  readonly polkaForValueSeen: boolean; // L36
  readonly precommitTimeoutScheduled: boolean; // L47
  readonly proposalSignRequested: boolean; // L19: one proposal per round from us
}

export const FRESH_GUARDS: RoundGuards = {
  prevoteTimeoutScheduled: false,
  polkaForValueSeen: false,
  precommitTimeoutScheduled: false,
  proposalSignRequested: false,
};

export interface Decision {
  readonly round: number;
  readonly blockHash: Uint8Array;
}

export interface TendermintState {
  /** Our validator address; a node outside the set follows the chain and never asks to sign. */
  readonly address: Uint8Array;
  readonly addressKey: string;
  readonly timeouts: TimeoutOptions;
  readonly height: bigint; // h_p
  readonly round: number; // round_p
  readonly step: Step; // step_p
  readonly validators: ValidatorSet | null;
  readonly lockedValue: Uint8Array | null;
  readonly lockedRound: number;
  readonly validValue: Uint8Array | null;
  readonly validRound: number;
  readonly decision: Decision | null; // decision_p[h_p]
  readonly log: MessageLog;
  /** valid(v) by block hash key, as the execution layer answered; absent = not known yet. */
  readonly validity: ReadonlyMap<string, boolean>;
  readonly validationRequested: ReadonlySet<string>;
  readonly guards: RoundGuards;
  /** We decided this height (or the previous one, in newHeight) and the commit timeout has not fired. */
  readonly commitTimeoutPending: boolean;
  /** The certificate of height-1 that our proposals carry; late precommits join it until round 0 starts. */
  readonly lastCommit: Commit | null;
  /** The set that signed lastCommit, when we decided it ourselves (to admit late precommits). */
  readonly lastValidators: ValidatorSet | null;
}

export interface TendermintOptions {
  address: Uint8Array;
  timeouts: TimeoutOptions;
}

export function createTendermintState(opts: TendermintOptions): TendermintState {
  validateTimeoutOptions(opts.timeouts);
  return {
    address: opts.address,
    addressKey: bytesToHex(opts.address),
    timeouts: opts.timeouts,
    height: 0n,
    round: 0,
    step: 'idle',
    validators: null,
    ...freshHeight(),
    commitTimeoutPending: false,
    lastCommit: null,
    lastValidators: null,
  };
}

/** L53: what every height starts from: no lock, no valid value, no decision, an empty message log. */
function freshHeight() {
  return {
    lockedValue: null,
    lockedRound: -1,
    validValue: null,
    validRound: -1,
    decision: null,
    log: EMPTY_LOG,
    validity: new Map(),
    validationRequested: new Set<string>(),
    guards: FRESH_GUARDS,
  };
}

/** L53: a new height starts with no lock, no valid value and an empty message log. */
export function enterHeight(s: TendermintState, height: bigint, validators: ValidatorSet): TendermintState {
  return {
    ...s,
    height,
    round: 0,
    step: 'newHeight',
    validators,
    ...freshHeight(),
  };
}

export function isInRound(s: TendermintState): boolean {
  return s.step === 'propose' || s.step === 'prevote' || s.step === 'precommit';
}
