/**
 * Block production with a validator set of one: the degenerate Tendermint round where the proposer's own
 * precommit is already +2/3 of the power, so every proposal is decided in round 0. Pure:
 * `stepSolo(state, input) -> { state, effects }`.
 *
 * Timing: with blockTimeMs > 0 a block is proposed every blockTimeMs after the previous one, empty or
 * not (CyberMiles ran with empty blocks on). With blockTimeMs = 0 ("automine") a block is proposed as
 * soon as transactions are available, and only then. With blockTimeMs = Infinity blocks are mined only
 * on request ('mineNow', dev mode's manual mining).
 */
import type { ConsensusEffect, ConsensusInput } from './types.ts';

export type SoloStep = 'idle' | 'waiting' | 'proposing' | 'signing' | 'committing';

export interface SoloState {
  height: bigint; // the height being decided
  step: SoloStep;
  blockTimeMs: number;
  lastBlockTimeMs: number;
  /** When the block being decided was proposed: the next one is due blockTimeMs after it (fixed cadence). */
  proposedAtMs: number;
  txsPending: boolean;
  mineRequested: boolean;
}

export interface SoloOutput {
  state: SoloState;
  effects: ConsensusEffect[];
}

export function createSoloState(blockTimeMs: number): SoloState {
  return { height: 0n, step: 'idle', blockTimeMs, lastBlockTimeMs: 0, proposedAtMs: 0, txsPending: false, mineRequested: false };
}

function propose(state: SoloState, allowEmpty: boolean, nowMs: number): SoloOutput {
  return {
    state: { ...state, step: 'proposing', txsPending: false, mineRequested: false, proposedAtMs: nowMs },
    effects: [{ kind: 'buildProposal', height: state.height, round: 0, allowEmpty }],
  };
}

/** What to do when nothing is in progress: propose now, wait for a timeout, or wait for txs. */
function next(state: SoloState, nowMs: number): SoloOutput {
  if (state.mineRequested) return propose(state, true, nowMs);
  if (!Number.isFinite(state.blockTimeMs)) return { state: { ...state, step: 'idle' }, effects: [] }; // manual mining
  if (state.blockTimeMs === 0) {
    return state.txsPending ? propose(state, false, nowMs) : { state: { ...state, step: 'idle' }, effects: [] };
  }
  const atMs = state.lastBlockTimeMs + state.blockTimeMs;
  if (atMs <= nowMs) return propose(state, true, nowMs);
  return { state: { ...state, step: 'waiting' }, effects: [{ kind: 'scheduleTimeout', height: state.height, atMs }] };
}

export function stepSolo(state: SoloState, input: ConsensusInput): SoloOutput {
  const busy = state.step === 'proposing' || state.step === 'signing' || state.step === 'committing';
  switch (input.kind) {
    case 'start':
      return next({ ...state, height: input.height, lastBlockTimeMs: input.lastBlockTimeMs }, input.nowMs);
    case 'timeout':
      // a stale timeout (for a height already decided, or while busy) changes nothing
      if (input.height !== state.height || state.step !== 'waiting') return { state, effects: [] };
      return propose(state, true, input.nowMs);
    case 'txsAvailable': {
      const s = { ...state, txsPending: true };
      return busy || state.step === 'waiting' ? { state: s, effects: [] } : next(s, input.nowMs);
    }
    case 'mineNow': {
      const s = { ...state, mineRequested: true };
      return busy ? { state: s, effects: [] } : propose(s, true, input.nowMs);
    }
    case 'setBlockTime':
      return busy ? { state: { ...state, blockTimeMs: input.blockTimeMs }, effects: [] } : next({ ...state, blockTimeMs: input.blockTimeMs }, input.nowMs);
    case 'proposalReady':
      if (input.height !== state.height || state.step !== 'proposing') return { state, effects: [] };
      return {
        state: { ...state, step: 'signing' },
        effects: [{ kind: 'signPrecommit', height: input.height, round: input.round, blockHash: input.blockHash }],
      };
    case 'proposalSkipped':
      if (input.height !== state.height || state.step !== 'proposing') return { state, effects: [] };
      // a transaction may have arrived while the empty proposal was being considered
      return state.txsPending ? propose(state, false, state.proposedAtMs) : { state: { ...state, step: 'idle' }, effects: [] };
    case 'precommitSigned':
      if (input.height !== state.height || state.step !== 'signing') return { state, effects: [] };
      // one validator holds all the power: its precommit alone is the commit certificate
      return {
        state: { ...state, step: 'committing' },
        effects: [
          {
            kind: 'decide',
            height: input.height,
            round: input.round,
            blockHash: input.blockHash,
            commit: { height: input.height, round: input.round, blockHash: input.blockHash, signatures: [input.signature] },
          },
        ],
      };
    case 'committed':
      if (input.height !== state.height) return { state, effects: [] };
      return next({ ...state, height: state.height + 1n, lastBlockTimeMs: state.proposedAtMs, step: 'idle' }, input.nowMs);
  }
}
