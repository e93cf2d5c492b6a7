/** Mempool rejection codes. Each rejection becomes a JSON-RPC error carrying its message. */
export const MempoolErrorCode = {
  ALREADY_KNOWN: 'ALREADY_KNOWN',
  NONCE_TOO_LOW: 'NONCE_TOO_LOW',
  UNDERPRICED: 'UNDERPRICED',
  REPLACEMENT_UNDERPRICED: 'REPLACEMENT_UNDERPRICED',
  INSUFFICIENT_FUNDS: 'INSUFFICIENT_FUNDS',
  OVERSIZED: 'OVERSIZED',
  ACCOUNT_LIMIT: 'ACCOUNT_LIMIT',
  POOL_FULL: 'POOL_FULL',
} as const;
export type MempoolErrorCode = (typeof MempoolErrorCode)[keyof typeof MempoolErrorCode];
