/**
 * Mempool error codes. Rejections of a transaction become JSON-RPC errors carrying the message, so every
 * message states what is wrong with the numbers involved, and starts like geth's where wallets and tools
 * parse it ("nonce too low", "insufficient funds", "replacement transaction underpriced").
 */
import { ChainError } from '../primitives/index.ts';
import type { ErrorAction } from '../primitives/index.ts';

export const MempoolErrorCode = {
  ALREADY_KNOWN: 'ALREADY_KNOWN',
  NONCE_TOO_LOW: 'NONCE_TOO_LOW',
  UNDERPRICED: 'UNDERPRICED',
  REPLACEMENT_UNDERPRICED: 'REPLACEMENT_UNDERPRICED',
  INSUFFICIENT_FUNDS: 'INSUFFICIENT_FUNDS',
  OVERSIZED: 'OVERSIZED',
  ACCOUNT_LIMIT: 'ACCOUNT_LIMIT',
  POOL_FULL: 'POOL_FULL',
  /** A sponsored transaction's sponsor deposit or caller budget is taken by the pool's other ones. */
  SPONSOR_DEPOSIT_RESERVED: 'SPONSOR_DEPOSIT_RESERVED',
  SPONSOR_WINDOW_RESERVED: 'SPONSOR_WINDOW_RESERVED',
  /** Bad MempoolOptions: a configuration error, never caused by a transaction. */
  BAD_OPTION: 'BAD_OPTION',
} as const;
export type MempoolErrorCode = (typeof MempoolErrorCode)[keyof typeof MempoolErrorCode];

/**
 * What to do with the source of each rejection: a duplicate is harmless (ignore, do not penalise a peer
 * that gossips it again); a full pool or account may accept the same transaction later (retry); the rest
 * are wrong as sent (reject).
 */
const ACTION: Record<MempoolErrorCode, ErrorAction> = {
  ALREADY_KNOWN: 'ignore',
  NONCE_TOO_LOW: 'reject',
  UNDERPRICED: 'reject',
  REPLACEMENT_UNDERPRICED: 'reject',
  INSUFFICIENT_FUNDS: 'reject',
  OVERSIZED: 'reject',
  ACCOUNT_LIMIT: 'retry',
  POOL_FULL: 'retry',
  SPONSOR_DEPOSIT_RESERVED: 'retry',
  SPONSOR_WINDOW_RESERVED: 'retry',
  BAD_OPTION: 'reject',
};

/** Context values as JSON-safe strings: bigint does not survive JSON.stringify. */
export function mempoolError(
  code: MempoolErrorCode,
  message: string,
  context: Record<string, bigint | number | string> = {},
): ChainError<MempoolErrorCode> {
  const safe: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(context)) safe[k] = typeof v === 'bigint' ? v.toString() : v;
  return new ChainError(code, message, safe, ACTION[code]);
}
