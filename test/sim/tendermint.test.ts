/**
 * Deterministic simulation of the Tendermint machine (scenario.ts, cluster.ts): a fixed set of seeds plus
 * a few fresh ones per run. Every failure names its seed; `SIM_SEED=<seed>` reruns exactly that run, and
 * `SIM_SEEDS=<n>` runs n more fresh seeds (a longer soak).
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { describe, test } from 'node:test';
import { runSimulation } from './scenario.ts';
import type { SimulationReport } from './scenario.ts';

/** 1-12 as they come; 21-213 because their runs move locks most (L28 unlock, L36 relock) or reach round 7-8. */
const FIXED_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 21, 52, 133, 144, 150, 157, 213, 4_000_000_007];
const FRESH_SEEDS = Number(process.env.SIM_SEEDS ?? 4);

function summary(r: SimulationReport): string {
  return (
    `seed ${r.seed}: ${r.preset} timeouts, powers [${r.powers}], byzantine ${r.byzantine}, chaos ${r.chaosMs} ms, crash ${r.crash}; ` +
    `${r.heights} heights, max round ${r.maxRound}, ${r.relocks} relocks, ${r.evidence} evidence, heal->liveness ${r.healToLivenessMs} ms, ${r.events} events`
  );
}

function run(seed: number): SimulationReport {
  try {
    return runSimulation(seed);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`simulation failed for seed ${seed}: ${message}\n  replay: SIM_SEED=${seed} node --import tsx --test test/sim/tendermint.test.ts`, { cause: err });
  }
}

describe('Tendermint simulation: agreement, validity, no honest double-sign, liveness after heal', () => {
  const only = process.env.SIM_SEED;
  if (only !== undefined) {
    test(`seed ${only} (SIM_SEED)`, (t) => {
      t.diagnostic(summary(run(Number(only))));
    });
    return;
  }

  const fixed: SimulationReport[] = [];
  for (const seed of FIXED_SEEDS) {
    test(`fixed seed ${seed}`, (t) => {
      const report = run(seed);
      fixed.push(report);
      t.diagnostic(summary(report));
    });
  }

  const fresh = Array.from({ length: FRESH_SEEDS }, () => randomInt(2 ** 31));
  for (const seed of fresh) {
    test(`fresh seed ${seed}`, (t) => {
      t.diagnostic(summary(run(seed)));
    });
  }

  test('over the fixed seeds the faults really happen: rounds fail, locks move, equivocation is caught, messages are lost', () => {
    const reports = fixed;
    assert.equal(reports.length, FIXED_SEEDS.length);
    assert.ok(reports.every((r) => r.evidence > 0), 'every run detects the double-signer');
    assert.ok(reports.some((r) => r.maxRound >= 7), 'some run goes to round 7 or more');
    assert.ok(reports.filter((r) => r.relocks > 0).length >= 5, 'runs move locks to other values');
    assert.ok(reports.some((r) => r.preset === 'dev') && reports.some((r) => r.preset === 'mainnet'));
    assert.ok(reports.every((r) => r.messages.lost + r.messages.cut > 0), 'every run loses or cuts messages');
  });

  test('a seed replays exactly', () => {
    const a = runSimulation(7);
    const b = runSimulation(7);
    assert.deepEqual(a, b);
  });
});
