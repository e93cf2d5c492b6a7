/**
 * The simulated network: every send is delivered after a random delay (so messages reorder), or lost, or
 * cut by a partition. Conditions change over a run (chaos, then heal); all randomness is the run's Prng.
 */
import type { Proposal, Vote } from '../../src/consensus/index.ts';
import type { EventQueue } from './eventQueue.ts';
import type { Prng } from './prng.ts';

export type SimMessage = { kind: 'proposal'; proposal: Proposal } | { kind: 'vote'; vote: Vote };

export interface LinkConditions {
  minDelayMs: number;
  maxDelayMs: number;
  lossRate: number;
  /** Node indexes per side of a partition; null when everyone reaches everyone. */
  groups: number[][] | null;
}

export const HEALED: LinkConditions = { minDelayMs: 1, maxDelayMs: 30, lossRate: 0, groups: null };

export class SimNetwork {
  conditions: LinkConditions = HEALED;
  /** Nodes cut off from everyone until the given virtual time (a node losing its connections). */
  readonly isolatedUntilMs = new Map<number, number>();
  readonly stats = { sent: 0, lost: 0, cut: 0 };

  constructor(
    private readonly rng: Prng,
    private readonly queue: EventQueue,
    private readonly deliver: (to: number, message: SimMessage) => void,
  ) {}

  connected(from: number, to: number): boolean {
    const now = this.queue.nowMs;
    if ((this.isolatedUntilMs.get(from) ?? 0) > now || (this.isolatedUntilMs.get(to) ?? 0) > now) return false;
    const groups = this.conditions.groups;
    if (groups === null) return true;
    return groups.some((g) => g.includes(from) && g.includes(to));
  }

  send(from: number, to: number, message: SimMessage): void {
    this.stats.sent++;
    if (!this.connected(from, to)) {
      this.stats.cut++;
      return;
    }
    if (this.rng.chance(this.conditions.lossRate)) {
      this.stats.lost++;
      return;
    }
    const { minDelayMs, maxDelayMs } = this.conditions;
    // a link cut while the message is in flight loses it, as a dropped connection does
    this.queue.after(this.rng.int(minDelayMs, maxDelayMs), () => {
      if (this.connected(from, to)) this.deliver(to, message);
      else this.stats.cut++;
    });
  }
}
