/**
 * Consensus timeouts. Propose, prevote and precommit grow linearly with the round (init + r x delta) so
 * that after GST some round's timeouts exceed the real message delay (the paper's liveness argument).
 * Commit is CometBFT's wait after a decision before round 0 of the next height: late precommits join the
 * last commit meanwhile, and it sets the block interval.
 */
import { consensusError } from '../errors.ts';
import type { TimeoutStep } from './types.ts';

export interface TimeoutOptions {
  proposeMs: number;
  proposeDeltaMs: number;
  prevoteMs: number;
  prevoteDeltaMs: number;
  precommitMs: number;
  precommitDeltaMs: number;
  commitMs: number;
}

/** CyberMiles mainnet (reference/cybermiles.md §2.5, init-mainnet/config.toml): 10 s blocks. */
export const MAINNET_TIMEOUTS: Readonly<TimeoutOptions> = Object.freeze({
  proposeMs: 3000,
  proposeDeltaMs: 500,
  prevoteMs: 1000,
  prevoteDeltaMs: 500,
  precommitMs: 1000,
  precommitDeltaMs: 500,
  commitMs: 10_000,
});

/**
 * Local networks on one machine: messages take well under a millisecond, so rounds fail only when a
 * node is down; propose still leaves a second for building and gossiping a full block under load.
 */
export const DEV_TIMEOUTS: Readonly<TimeoutOptions> = Object.freeze({
  proposeMs: 1000,
  proposeDeltaMs: 200,
  prevoteMs: 300,
  prevoteDeltaMs: 100,
  precommitMs: 300,
  precommitDeltaMs: 100,
  commitMs: 100,
});

export const TIMEOUT_PRESETS = { mainnet: MAINNET_TIMEOUTS, dev: DEV_TIMEOUTS } as const;
export type TimeoutPreset = keyof typeof TIMEOUT_PRESETS;

export function validateTimeoutOptions(opts: TimeoutOptions): void {
  for (const [name, value] of Object.entries(opts)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw consensusError('BAD_OPTION', `timeout ${name} must be a non-negative integer of milliseconds, got ${String(value)}`, { name });
    }
  }
}

export function timeoutDurationMs(opts: TimeoutOptions, step: TimeoutStep, round: number): number {
  switch (step) {
    case 'propose':
      return opts.proposeMs + round * opts.proposeDeltaMs;
    case 'prevote':
      return opts.prevoteMs + round * opts.prevoteDeltaMs;
    case 'precommit':
      return opts.precommitMs + round * opts.precommitDeltaMs;
    case 'commit':
      return opts.commitMs;
  }
}
