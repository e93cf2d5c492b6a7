/**
 * Fixtures for the round-machine step tables: validators V1..Vn with one-byte addresses, named block
 * hashes, message builders, and a compact text form of effects so a table row reads like the paper.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToHex } from '../../../../src/primitives/index.ts';
import { MAINNET_TIMEOUTS, createTendermintState, createValidatorSet, stepTendermint } from '../../../../src/consensus/index.ts';
import type { Proposal, TendermintEffect, TendermintInput, TendermintState, ValidatorSet, Vote, VoteType } from '../../../../src/consensus/index.ts';

export function addr(i: number): Uint8Array {
  const a = new Uint8Array(20);
  a[19] = i;
  return a;
}

/** Validators V1..Vn with the given powers (V1 has powers[0]). */
export function validatorSet(powers: readonly bigint[]): ValidatorSet {
  return createValidatorSet(powers.map((power, i) => ({ address: addr(i + 1), publicKey: new Uint8Array(32).fill(i + 1), power })));
}

const NAMES = ['A', 'B', 'C', 'D'] as const;
export type BlockName = (typeof NAMES)[number];

export function block(name: BlockName): Uint8Array {
  return new Uint8Array(32).fill(0xa0 + NAMES.indexOf(name));
}

function blockName(hash: Uint8Array | null): string {
  if (hash === null) return 'nil';
  const i = NAMES.findIndex((n) => bytesToHex(block(n)) === bytesToHex(hash));
  return i >= 0 ? (NAMES[i] as string) : bytesToHex(hash).slice(0, 10);
}

function who(address: Uint8Array): string {
  return `V${address[19]}`;
}

export function vote(type: VoteType, validator: number, round: number, value: BlockName | null, height = 1n): Vote {
  return {
    type,
    height,
    round,
    blockHash: value === null ? null : block(value),
    validatorAddress: addr(validator),
    timestampMs: BigInt(1000 + validator),
    signature: new Uint8Array(64).fill(validator),
  };
}

export function proposal(proposer: number, round: number, value: BlockName, validRound = -1, height = 1n): Proposal {
  return { height, round, blockHash: block(value), validRound, proposerAddress: addr(proposer), signature: new Uint8Array(64).fill(proposer) };
}

export const input = {
  start: (set: ValidatorSet, height = 1n): TendermintInput => ({ kind: 'startHeight', height, validators: set, lastCommit: null }),
  proposal: (proposer: number, round: number, value: BlockName, validRound = -1): TendermintInput => ({ kind: 'proposal', proposal: proposal(proposer, round, value, validRound) }),
  prevote: (validator: number, round: number, value: BlockName | null): TendermintInput => ({ kind: 'vote', vote: vote('prevote', validator, round, value) }),
  precommit: (validator: number, round: number, value: BlockName | null): TendermintInput => ({ kind: 'vote', vote: vote('precommit', validator, round, value) }),
  valid: (value: BlockName, valid = true, height = 1n): TendermintInput => ({ kind: 'blockValidity', height, blockHash: block(value), valid }),
  timeout: (step: 'propose' | 'prevote' | 'precommit' | 'commit', round: number, height = 1n): TendermintInput => ({ kind: 'timeout', step, height, round }),
  signedPrevote: (validator: number, round: number, value: BlockName | null): TendermintInput => ({ kind: 'voteSigned', vote: vote('prevote', validator, round, value) }),
  signedPrecommit: (validator: number, round: number, value: BlockName | null): TendermintInput => ({ kind: 'voteSigned', vote: vote('precommit', validator, round, value) }),
};

/** One line per effect, e.g. "signVote prevote r0 A", "scheduleTimeout propose r1 3500ms", "decide r0 A sigs=V1,V2,V3". */
export function describeEffect(e: TendermintEffect): string {
  switch (e.kind) {
    case 'buildProposal':
      return `buildProposal h${e.height} r${e.round}${e.lastCommit === null ? '' : ` last=${e.lastCommit.signatures.map((s) => who(s.validatorAddress)).join(',')}`}`;
    case 'signProposal':
      return `signProposal r${e.round} ${blockName(e.blockHash)} vr${e.validRound}`;
    case 'broadcastProposal':
      return `broadcastProposal r${e.proposal.round} ${blockName(e.proposal.blockHash)}`;
    case 'signVote':
      return `signVote ${e.voteType} r${e.round} ${blockName(e.blockHash)}`;
    case 'broadcastVote':
      return `broadcastVote ${e.vote.type} r${e.vote.round} ${blockName(e.vote.blockHash)}`;
    case 'validateBlock':
      return `validateBlock r${e.round} ${blockName(e.blockHash)}`;
    case 'scheduleTimeout':
      return `scheduleTimeout ${e.step} h${e.height} r${e.round} ${e.durationMs}ms`;
    case 'decide':
      return `decide h${e.height} r${e.round} ${blockName(e.blockHash)} sigs=${e.commit.signatures.map((s) => who(s.validatorAddress)).join(',')}`;
    case 'reportEvidence':
      return `reportEvidence ${who(e.evidence.voteA.validatorAddress)} ${e.evidence.voteA.type} r${e.evidence.voteA.round} ${blockName(e.evidence.voteA.blockHash)}/${blockName(e.evidence.voteB.blockHash)}`;
  }
}

/** The parts of the state a table row checks. */
export interface StateView {
  height: bigint;
  round: number;
  step: TendermintState['step'];
  locked: string;
  valid: string;
  decision: string;
}

export function viewState(s: TendermintState): StateView {
  return {
    height: s.height,
    round: s.round,
    step: s.step,
    locked: s.lockedValue === null ? `nil/${s.lockedRound}` : `${blockName(s.lockedValue)}/${s.lockedRound}`,
    valid: s.validValue === null ? `nil/${s.validRound}` : `${blockName(s.validValue)}/${s.validRound}`,
    decision: s.decision === null ? 'none' : `${blockName(s.decision.blockHash)}/r${s.decision.round}`,
  };
}

export function machine(self: number, timeouts = MAINNET_TIMEOUTS): TendermintState {
  return createTendermintState({ address: addr(self), timeouts });
}

/** Steps through inputs; returns the state and the described effects after the last one. */
export function feed(state: TendermintState, inputs: readonly TendermintInput[]): { state: TendermintState; effects: string[] } {
  let s = state;
  let effects: string[] = [];
  for (const i of inputs) {
    const out = stepTendermint(s, i);
    s = out.state;
    effects = out.effects.map(describeEffect);
  }
  return { state: s, effects };
}

export interface Row {
  label: string;
  input: TendermintInput;
  effects: string[];
  state?: Partial<StateView>;
}

export interface Table {
  name: string;
  self: number;
  powers?: bigint[];
  /** Inputs that bring the machine to the point the rows start from (their effects are not checked). */
  given?: (set: ReturnType<typeof validatorSet>) => TendermintInput[];
  rows: (set: ReturnType<typeof validatorSet>) => Row[];
}

export const EQUAL = [1n, 1n, 1n, 1n];

/** Runs a table as one test: each row's input, then its effects and the listed state fields. */
export function runTable(t: Table): void {
  test(t.name, () => {
    const set = validatorSet(t.powers ?? EQUAL);
    let state: TendermintState = feed(machine(t.self), t.given?.(set) ?? []).state;
    for (const [n, row] of t.rows(set).entries()) {
      const out = feed(state, [row.input]);
      assert.deepEqual(out.effects, row.effects, `row ${n} (${row.label}): effects`);
      if (row.state !== undefined) {
        const view = viewState(out.state);
        const picked = Object.fromEntries(Object.keys(row.state).map((k) => [k, view[k as keyof StateView]]));
        assert.deepEqual(picked, row.state, `row ${n} (${row.label}): state`);
      }
      state = out.state;
    }
  });
}

export const built = (round: number, value: 'A' | 'B', height = 1n): TendermintInput => ({ kind: 'proposalBuilt', height, round, blockHash: block(value) });
export const signedProposal = (proposer: number, round: number, value: 'A' | 'B', validRound = -1, height = 1n): TendermintInput => ({
  kind: 'proposalSigned',
  proposal: proposal(proposer, round, value, validRound, height),
});

/** V4 locks A in round 0 (everyone prevotes A, the others precommit nil) and moves to round 1. */
export const lockAInRound0 = (set: ReturnType<typeof validatorSet>): TendermintInput[] => [
  input.start(set),
  input.proposal(1, 0, 'A'),
  input.valid('A'),
  input.signedPrevote(4, 0, 'A'),
  input.prevote(1, 0, 'A'),
  input.prevote(2, 0, 'A'),
  input.signedPrecommit(4, 0, 'A'),
  input.precommit(1, 0, null),
  input.precommit(2, 0, null),
  input.timeout('precommit', 0),
];
