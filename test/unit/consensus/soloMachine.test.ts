import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSoloState, stepSolo } from '../../../src/consensus/index.ts';
import type { ConsensusEffect, ConsensusInput, SoloState } from '../../../src/consensus/index.ts';

const HASH = new Uint8Array(32).fill(7);
const SIG = { validatorAddress: new Uint8Array(20), timestampMs: 5n, signature: new Uint8Array(64) };

/** Runs inputs in order and returns the effects of each step and the final state. */
function run(blockTimeMs: number, inputs: ConsensusInput[]): { effects: ConsensusEffect['kind'][][]; state: SoloState } {
  let state = createSoloState(blockTimeMs);
  const effects: ConsensusEffect['kind'][][] = [];
  for (const input of inputs) {
    const out = stepSolo(state, input);
    state = out.state;
    effects.push(out.effects.map((e) => e.kind));
  }
  return { effects, state };
}

const start = (nowMs = 1000): ConsensusInput => ({ kind: 'start', height: 1n, lastBlockTimeMs: nowMs, nowMs });
const ready: ConsensusInput = { kind: 'proposalReady', height: 1n, round: 0, blockHash: HASH };
const signed: ConsensusInput = { kind: 'precommitSigned', height: 1n, round: 0, blockHash: HASH, signature: SIG };

describe('single-validator consensus machine (step table)', () => {
  const table: Array<{ name: string; blockTimeMs: number; inputs: ConsensusInput[]; effects: ConsensusEffect['kind'][][]; height: bigint; step: SoloState['step'] }> = [
    {
      name: 'interval mining waits for the block time, then proposes, signs and decides',
      blockTimeMs: 1000,
      inputs: [start(), { kind: 'timeout', height: 1n, nowMs: 2000 }, ready, signed, { kind: 'committed', height: 1n, nowMs: 2300 }],
      effects: [['scheduleTimeout'], ['buildProposal'], ['signPrecommit'], ['decide'], ['scheduleTimeout']],
      height: 2n,
      step: 'waiting',
    },
    {
      name: 'a stale timeout for an old height changes nothing',
      blockTimeMs: 1000,
      inputs: [start(), { kind: 'timeout', height: 7n, nowMs: 2000 }],
      effects: [['scheduleTimeout'], []],
      height: 1n,
      step: 'waiting',
    },
    {
      name: 'automine proposes only when transactions arrive',
      blockTimeMs: 0,
      inputs: [start(), { kind: 'txsAvailable', nowMs: 1001 }, ready, signed, { kind: 'committed', height: 1n, nowMs: 1002 }],
      effects: [[], ['buildProposal'], ['signPrecommit'], ['decide'], []],
      height: 2n,
      step: 'idle',
    },
    {
      name: 'automine: transactions arriving while a block is in flight get the next block',
      blockTimeMs: 0,
      inputs: [start(), { kind: 'txsAvailable', nowMs: 1001 }, { kind: 'txsAvailable', nowMs: 1001 }, ready, signed, { kind: 'committed', height: 1n, nowMs: 1002 }],
      effects: [[], ['buildProposal'], [], ['signPrecommit'], ['decide'], ['buildProposal']],
      height: 2n,
      step: 'proposing',
    },
    {
      name: 'automine: an empty proposal is skipped and the machine goes idle',
      blockTimeMs: 0,
      inputs: [start(), { kind: 'txsAvailable', nowMs: 1001 }, { kind: 'proposalSkipped', height: 1n }],
      effects: [[], ['buildProposal'], []],
      height: 1n,
      step: 'idle',
    },
    {
      name: 'manual mining (infinite block time) mines only on request',
      blockTimeMs: Number.POSITIVE_INFINITY,
      inputs: [start(), { kind: 'txsAvailable', nowMs: 1001 }, { kind: 'mineNow', nowMs: 1002 }],
      effects: [[], [], ['buildProposal']],
      height: 1n,
      step: 'proposing',
    },
    {
      name: 'a proposal for another height is ignored',
      blockTimeMs: 0,
      inputs: [start(), { kind: 'txsAvailable', nowMs: 1001 }, { ...ready, height: 9n }],
      effects: [[], ['buildProposal'], []],
      height: 1n,
      step: 'proposing',
    },
  ];
  for (const row of table) {
    test(row.name, () => {
      const { effects, state } = run(row.blockTimeMs, row.inputs);
      assert.deepEqual(effects, row.effects);
      assert.equal(state.height, row.height);
      assert.equal(state.step, row.step);
    });
  }

  test('fixed cadence: the next block is due blockTime after the previous proposal, not after its commit', () => {
    let state = createSoloState(1000);
    for (const input of [start(0), { kind: 'timeout', height: 1n, nowMs: 1000 } as const, ready, signed]) state = stepSolo(state, input).state;
    const out = stepSolo(state, { kind: 'committed', height: 1n, nowMs: 1400 });
    assert.deepEqual(out.effects, [{ kind: 'scheduleTimeout', height: 2n, atMs: 2000 }]);
  });

  test('the decided commit certificate carries the validator signature for the proposed hash', () => {
    let state = createSoloState(0);
    for (const input of [start(), { kind: 'txsAvailable', nowMs: 1 } as const, ready]) state = stepSolo(state, input).state;
    const out = stepSolo(state, signed);
    const decide = out.effects[0];
    assert.equal(decide?.kind, 'decide');
    if (decide?.kind === 'decide') {
      assert.deepEqual(decide.commit.blockHash, HASH);
      assert.equal(decide.commit.signatures.length, 1);
      assert.equal(decide.commit.height, 1n);
    }
  });
});
