/**
 * When a single-validator chain starts its next height: CometBFT's create_empty_blocks options, made
 * pure. `stepPacer(state, input) -> { state, effects }`. The height itself is then decided by the same
 * Tendermint machine a network runs (the one-validator case: its own votes are +2/3); the pacer only
 * says when round 0 may begin, which a network instead paces by its commit timeout.
 *
 * Modes: with blockTimeMs > 0 a height starts every blockTimeMs after the previous one started, empty or
 * not (CyberMiles ran with empty blocks on). With blockTimeMs = 0 ("automine") a height starts as soon as
 * transactions are available, and only then. With blockTimeMs = Infinity heights start only on request
 * ('mineNow', dev mode's manual mining).
 */
import type { PacerEffect, PacerInput } from './types.ts';

export type PacerStep = 'idle' | 'waiting' | 'running';

export interface PacerState {
  height: bigint; // the next height to start, or the one running
  step: PacerStep;
  blockTimeMs: number;
  lastBlockTimeMs: number;
  /** When the running height started: the next one is due blockTimeMs after it (fixed cadence). */
  startedAtMs: number;
  txsPending: boolean;
  mineRequested: boolean;
}

export interface PacerOutput {
  state: PacerState;
  effects: PacerEffect[];
}

export function createPacerState(blockTimeMs: number): PacerState {
  return { height: 0n, step: 'idle', blockTimeMs, lastBlockTimeMs: 0, startedAtMs: 0, txsPending: false, mineRequested: false };
}

function begin(state: PacerState, allowEmpty: boolean, nowMs: number): PacerOutput {
  return {
    state: { ...state, step: 'running', txsPending: false, mineRequested: false, startedAtMs: nowMs },
    effects: [{ kind: 'startHeight', height: state.height, allowEmpty }],
  };
}

/** What to do when no height is running: start one now, wait for a timeout, or wait for transactions. */
function next(state: PacerState, nowMs: number): PacerOutput {
  if (state.mineRequested) return begin(state, true, nowMs);
  if (!Number.isFinite(state.blockTimeMs)) return { state: { ...state, step: 'idle' }, effects: [] }; // manual mining
  if (state.blockTimeMs === 0) {
    return state.txsPending ? begin(state, false, nowMs) : { state: { ...state, step: 'idle' }, effects: [] };
  }
  const atMs = state.lastBlockTimeMs + state.blockTimeMs;
  if (atMs <= nowMs) return begin(state, true, nowMs);
  return { state: { ...state, step: 'waiting' }, effects: [{ kind: 'scheduleTimeout', height: state.height, atMs }] };
}

export function stepPacer(state: PacerState, input: PacerInput): PacerOutput {
  const running = state.step === 'running';
  switch (input.kind) {
    case 'start':
      return next({ ...state, height: input.height, lastBlockTimeMs: input.lastBlockTimeMs }, input.nowMs);
    case 'timeout':
      // a stale timeout (for a height already decided, or while one runs) changes nothing
      if (input.height !== state.height || state.step !== 'waiting') return { state, effects: [] };
      return begin(state, true, input.nowMs);
    case 'txsAvailable': {
      const s = { ...state, txsPending: true };
      return running || state.step === 'waiting' ? { state: s, effects: [] } : next(s, input.nowMs);
    }
    case 'mineNow': {
      const s = { ...state, mineRequested: true };
      return running ? { state: s, effects: [] } : begin(s, true, input.nowMs);
    }
    case 'setBlockTime':
      return running ? { state: { ...state, blockTimeMs: input.blockTimeMs }, effects: [] } : next({ ...state, blockTimeMs: input.blockTimeMs }, input.nowMs);
    case 'skipped':
      if (input.height !== state.height || !running) return { state, effects: [] };
      // a transaction may have arrived while the empty height was being considered
      return state.txsPending ? begin(state, false, state.startedAtMs) : { state: { ...state, step: 'idle' }, effects: [] };
    case 'committed':
      if (input.height !== state.height) return { state, effects: [] };
      return next({ ...state, height: state.height + 1n, lastBlockTimeMs: state.startedAtMs, step: 'idle' }, input.nowMs);
  }
}
