/**
 * mempool: transactions waiting for a block.
 *
 * Owns admission (duplicate, size, price floor, nonce, replacement bump, funds, sponsored transactions'
 * claims on their sponsor's deposit, per-account and pool-wide limits with eviction of cheaper
 * transactions), the split of each sender's transactions into pending (executable now: contiguous from
 * the account nonce and payable in order) and queued (behind a nonce gap or the balance), block order by
 * effective tip across senders and nonce within one, and re-validation after each block.
 *
 * Does not own decoding, signature, chain id or intrinsic gas checks (execution.validateRawTx, before
 * `add`), reading state (the caller passes AccountState in, and a sponsored transaction's Sponsorship),
 * gossip, or persistence. Pure and deterministic: no clock, no timers, no I/O.
 *
 * Flow: `add(tx, account, baseFee)` per incoming transaction -> `pending(baseFee, limit)` to build a block
 * -> after the block, prefetch the state of `senders()` and call `update(getAccount, baseFee)`.
 */
export { MempoolErrorCode } from './errors.ts';
export { bumpedPrice, effectiveTip, txCost } from './fees.ts';
export { defaultMempoolOptions, testMempoolOptions, validateMempoolOptions } from './options.ts';
export type { MempoolOptions } from './options.ts';
export { createMempool } from './pool.ts';
export type { MempoolInit } from './pool.ts';
export type { AccountState, AddResult, Mempool, PoolTx, Sponsorship, UpdateResult } from './types.ts';
