/**
 * One simulated run from one seed: the seed picks the network (4-7 validators, honest powers 1-3, one
 * byzantine double-signer with the most power below 1/3 of the total), a chaos phase (random delays up to seconds, loss up to 30%,
 * partitions, reordering, a node cut off right after it decides) with one honest validator crashed and
 * restarted from its write-ahead log, then
 * the network heals. Safety is checked throughout (cluster.ts); liveness after the heal: every honest node
 * must decide `heightsAfterHeal` more heights within `livenessBoundMs` of virtual time.
 */
import { DEV_TIMEOUTS, MAINNET_TIMEOUTS } from '../../src/consensus/index.ts';
import type { TimeoutOptions } from '../../src/consensus/index.ts';
import { Cluster } from './cluster.ts';
import { HEALED } from './network.ts';
import type { LinkConditions } from './network.ts';
import { Prng } from './prng.ts';

export interface SimulationOptions {
  heightsAfterHeal: number;
  livenessBoundMs: number;
  /** Null: the seed picks the mainnet or the dev preset (short timeouts against long delays: many rounds). */
  timeouts: TimeoutOptions | null;
  /** Guard against a run that never ends: a failure, not a hang. */
  maxEvents: number;
}

export const DEFAULT_SIMULATION: SimulationOptions = {
  heightsAfterHeal: 3,
  livenessBoundMs: 300_000,
  timeouts: null,
  maxEvents: 2_000_000,
};

export interface SimulationReport {
  seed: number;
  preset: string;
  powers: string;
  byzantine: number;
  chaosMs: number;
  crash: string;
  heights: number;
  /** Decisions (counted per node) taken in a round above 0. */
  decidedAfterRound0: number;
  maxRound: number;
  relocks: number;
  evidence: number;
  events: number;
  virtualMs: number;
  healToLivenessMs: number;
  messages: { sent: number; lost: number; cut: number };
  /** The decided block hashes in height order: two runs of one seed must give the same list. */
  chain: string[];
}

function randomConditions(rng: Prng, n: number): LinkConditions {
  const minDelayMs = rng.int(1, 20);
  let groups: number[][] | null = null;
  if (rng.chance(0.35)) {
    const order = rng.shuffle([...Array(n).keys()]);
    const cut = rng.int(1, n - 1);
    groups = [order.slice(0, cut), order.slice(cut)];
  }
  return { minDelayMs, maxDelayMs: minDelayMs + rng.int(20, 2500), lossRate: rng.chance(0.5) ? rng.float() * 0.3 : 0, groups };
}

export function runSimulation(seed: number, options: SimulationOptions = DEFAULT_SIMULATION): SimulationReport {
  const rng = new Prng(seed);
  const n = rng.int(4, 7);
  const powers = Array.from({ length: n }, () => BigInt(rng.int(1, 3)));
  const byzantine = rng.int(0, n - 1);
  // the strongest adversary the protocol tolerates: the most power that stays below 1/3 of the total
  const others = powers.reduce((a, b) => a + b, 0n) - (powers[byzantine] as bigint);
  powers[byzantine] = (others - 1n) / 2n;
  const preset = options.timeouts ?? (rng.chance(0.5) ? MAINNET_TIMEOUTS : DEV_TIMEOUTS);
  let chaos = true;
  const cluster = new Cluster(rng, { powers, byzantine, timeouts: preset, gossipIntervalMs: 500, isolateDeciderChance: () => (chaos ? 0.3 : 0) });
  const q = cluster.queue;

  const chaosMs = rng.int(30_000, 90_000);
  for (let t = 0; t < chaosMs; t += rng.int(500, 6_000)) {
    const conditions = randomConditions(rng, n);
    q.at(t, () => {
      cluster.network.conditions = conditions;
    });
  }
  q.at(chaosMs, () => {
    chaos = false;
    cluster.network.conditions = HEALED;
    cluster.network.isolatedUntilMs.clear();
  });
  const honest = [...Array(n).keys()].filter((i) => i !== byzantine);
  const victim = rng.pick(honest);
  const crashAt = rng.int(2_000, chaosMs - 1_000);
  const restartAt = Math.min(crashAt + rng.int(1_000, 40_000), chaosMs + 10_000);
  q.at(crashAt, () => cluster.crash(victim));
  q.at(restartAt, () => cluster.restart(victim));

  cluster.start();
  const liveFromMs = Math.max(chaosMs, restartAt);
  let target: bigint | null = null;
  let events = 0;
  const reached = (): boolean => target !== null && honest.every((i) => cluster.nodes[i]?.store.has(target as bigint));
  while (!reached()) {
    if (!q.runNext()) cluster.fail('event queue ran dry');
    events++;
    if (events > options.maxEvents) cluster.fail(`more than ${options.maxEvents} events`);
    if (target === null && q.nowMs >= liveFromMs) target = BigInt(cluster.decided.size) + BigInt(options.heightsAfterHeal);
    if (q.nowMs > liveFromMs + options.livenessBoundMs) {
      const heights = honest.map((i) => `node ${i}: height ${cluster.nodes[i]?.state.height} round ${cluster.nodes[i]?.state.round} ${cluster.nodes[i]?.state.step}`);
      cluster.fail(`liveness: not every honest node reached height ${target} within ${options.livenessBoundMs} ms after the heal (${heights.join('; ')})`);
    }
  }
  return {
    seed,
    preset: preset === MAINNET_TIMEOUTS ? 'mainnet' : preset === DEV_TIMEOUTS ? 'dev' : 'custom',
    powers: powers.join(','),
    byzantine,
    chaosMs,
    crash: `node ${victim} ${crashAt}-${restartAt} ms`,
    heights: cluster.decided.size,
    decidedAfterRound0: cluster.stats.decidedAfterRound0,
    maxRound: cluster.stats.maxRound,
    relocks: cluster.stats.relocks,
    evidence: cluster.stats.evidence,
    events,
    virtualMs: q.nowMs,
    healToLivenessMs: q.nowMs - liveFromMs,
    messages: { ...cluster.network.stats },
    chain: [...cluster.decided.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, h]) => h.slice(0, 10)),
  };
}
