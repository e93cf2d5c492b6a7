import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPacerState, stepPacer } from '../../../src/consensus/index.ts';
import type { PacerEffect, PacerInput, PacerState } from '../../../src/consensus/index.ts';

/** Runs inputs in order and returns the effects of each step and the final state. */
function run(blockTimeMs: number, inputs: PacerInput[]): { effects: PacerEffect['kind'][][]; state: PacerState } {
  let state = createPacerState(blockTimeMs);
  const effects: PacerEffect['kind'][][] = [];
  for (const input of inputs) {
    const out = stepPacer(state, input);
    state = out.state;
    effects.push(out.effects.map((e) => e.kind));
  }
  return { effects, state };
}

const start = (nowMs = 1000): PacerInput => ({ kind: 'start', height: 1n, lastBlockTimeMs: nowMs, nowMs });
const committed = (nowMs: number): PacerInput => ({ kind: 'committed', height: 1n, nowMs });

describe('single-validator pacer (step table)', () => {
  const table: Array<{ name: string; blockTimeMs: number; inputs: PacerInput[]; effects: PacerEffect['kind'][][]; height: bigint; step: PacerState['step'] }> = [
    {
      name: 'interval mining waits for the block time, starts the height, then waits again',
      blockTimeMs: 1000,
      inputs: [start(), { kind: 'timeout', height: 1n, nowMs: 2000 }, committed(2300)],
      effects: [['scheduleTimeout'], ['startHeight'], ['scheduleTimeout']],
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
      name: 'automine starts a height only when transactions arrive',
      blockTimeMs: 0,
      inputs: [start(), { kind: 'txsAvailable', nowMs: 1001 }, committed(1002)],
      effects: [[], ['startHeight'], []],
      height: 2n,
      step: 'idle',
    },
    {
      name: 'automine: transactions arriving while a height runs get the next one',
      blockTimeMs: 0,
      inputs: [start(), { kind: 'txsAvailable', nowMs: 1001 }, { kind: 'txsAvailable', nowMs: 1001 }, committed(1002)],
      effects: [[], ['startHeight'], [], ['startHeight']],
      height: 2n,
      step: 'running',
    },
    {
      name: 'automine: a height with nothing to propose is skipped and the pacer goes idle',
      blockTimeMs: 0,
      inputs: [start(), { kind: 'txsAvailable', nowMs: 1001 }, { kind: 'skipped', height: 1n }],
      effects: [[], ['startHeight'], []],
      height: 1n,
      step: 'idle',
    },
    {
      name: 'manual mining (infinite block time) starts heights only on request',
      blockTimeMs: Number.POSITIVE_INFINITY,
      inputs: [start(), { kind: 'txsAvailable', nowMs: 1001 }, { kind: 'mineNow', nowMs: 1002 }],
      effects: [[], [], ['startHeight']],
      height: 1n,
      step: 'running',
    },
    {
      name: 'a commit of another height is ignored',
      blockTimeMs: 0,
      inputs: [start(), { kind: 'txsAvailable', nowMs: 1001 }, { kind: 'committed', height: 9n, nowMs: 1002 }],
      effects: [[], ['startHeight'], []],
      height: 1n,
      step: 'running',
    },
    {
      name: 'setBlockTime while idle in automine switches to interval mining',
      blockTimeMs: 0,
      inputs: [start(), { kind: 'setBlockTime', blockTimeMs: 500, nowMs: 1001 }],
      effects: [[], ['scheduleTimeout']],
      height: 1n,
      step: 'waiting',
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

  test('fixed cadence: the next height is due blockTime after the previous one started, not after its commit', () => {
    let state = createPacerState(1000);
    for (const input of [start(0), { kind: 'timeout', height: 1n, nowMs: 1000 } as const]) state = stepPacer(state, input).state;
    const out = stepPacer(state, committed(1400));
    assert.deepEqual(out.effects, [{ kind: 'scheduleTimeout', height: 2n, atMs: 2000 }]);
  });

  test('only mineNow and automine with transactions start a height at once; empty automine says allowEmpty false', () => {
    const auto = stepPacer(stepPacer(createPacerState(0), start()).state, { kind: 'txsAvailable', nowMs: 1001 });
    assert.deepEqual(auto.effects, [{ kind: 'startHeight', height: 1n, allowEmpty: false }]);
    const manual = stepPacer(stepPacer(createPacerState(Number.POSITIVE_INFINITY), start()).state, { kind: 'mineNow', nowMs: 1001 });
    assert.deepEqual(manual.effects, [{ kind: 'startHeight', height: 1n, allowEmpty: true }]);
  });
});
