/**
 * mempool: transactions waiting for a block. Admission (duplicates, price floor, nonce, replacement,
 * funds, per-account and global limits with eviction), queueing of nonce gaps, block order by tip and
 * nonce, and re-validation after each block. Pure and deterministic; account state comes from the caller.
 */
export { MempoolErrorCode } from './errors.ts';
export { createMempool, defaultMempoolOptions, effectiveTip, validateMempoolOptions } from './pool.ts';
export type { AccountState, AddResult, Mempool, MempoolOptions, PoolTx } from './pool.ts';
