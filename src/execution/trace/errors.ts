/** Tracing errors. Each becomes a JSON-RPC error through its code (rpc/errors.ts). */
import { ChainError } from '../../primitives/index.ts';

export const TraceErrorCode = {
  /** The hash names no committed transaction: the caller should check it (geth: "transaction not found"). */
  TX_NOT_FOUND: 'TX_NOT_FOUND',
  /** No committed block has that number or hash (shares the code the RPC layer maps to "not found"). */
  BLOCK_NOT_FOUND: 'UNKNOWN_BLOCK',
  /** A committed transaction could not run again on its parent state: stored chain data is inconsistent. */
  REPLAY_FAILED: 'TRACE_REPLAY_FAILED',
} as const;
export type TraceErrorCode = (typeof TraceErrorCode)[keyof typeof TraceErrorCode];

export function txNotFound(hash: string): ChainError<TraceErrorCode> {
  return new ChainError(TraceErrorCode.TX_NOT_FOUND, 'transaction not found', { hash });
}

export function blockNotFound(what: string): ChainError<TraceErrorCode> {
  return new ChainError(TraceErrorCode.BLOCK_NOT_FOUND, `block ${what} not found`, { block: what });
}

export function replayFailed(message: string, context: Record<string, unknown>): ChainError<TraceErrorCode> {
  return new ChainError(TraceErrorCode.REPLAY_FAILED, message, context, 'internal');
}
