/**
 * The pacer's vocabulary (pacer.ts): when a single-validator chain starts its next height. Inputs in,
 * effects out, no timers or clock inside; the node runs the effects and feeds their results back.
 */

export type PacerInput =
  | { kind: 'start'; height: bigint; lastBlockTimeMs: number; nowMs: number }
  | { kind: 'timeout'; height: bigint; nowMs: number }
  | { kind: 'txsAvailable'; nowMs: number }
  | { kind: 'mineNow'; nowMs: number }
  /** startHeight found no transaction to propose (automine only): the height did not start. */
  | { kind: 'skipped'; height: bigint }
  | { kind: 'committed'; height: bigint; nowMs: number }
  | { kind: 'setBlockTime'; blockTimeMs: number; nowMs: number };

export type PacerEffect =
  | { kind: 'scheduleTimeout'; height: bigint; atMs: number }
  /** Start deciding `height` (Tendermint's startHeight); with allowEmpty false, only if there is a transaction. */
  | { kind: 'startHeight'; height: bigint; allowEmpty: boolean };
