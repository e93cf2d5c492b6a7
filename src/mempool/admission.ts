/**
 * Admission rules, one function each, checked in this order by `add`: known, size, price, nonce,
 * replacement, funds, sponsor claims (sponsored.ts), account limits (the pool-wide limit is eviction.ts). Each throws a ChainError
 * whose message gives the numbers, because it goes back to the sender as a JSON-RPC error.
 */
import { MempoolErrorCode, mempoolError } from './errors.ts';
import { bumpedPrice, txCost } from './fees.ts';
import { nextNonce, queuedCount } from './lane.ts';
import type { Entry, Lane } from './lane.ts';
import type { MempoolOptions } from './options.ts';
import type { AccountState, PoolTx } from './types.ts';

export function checkKnown(tx: PoolTx, known: boolean): void {
  if (known) throw mempoolError(MempoolErrorCode.ALREADY_KNOWN, `already known: transaction ${tx.hash} is in the pool`, { hash: tx.hash });
}

export function checkSize(tx: PoolTx, maxTxSizeBytes: number): void {
  if (tx.size <= maxTxSizeBytes) return;
  throw mempoolError(MempoolErrorCode.OVERSIZED, `oversized data: transaction size ${tx.size} bytes, limit ${maxTxSizeBytes}`, {
    size: tx.size,
    limit: maxTxSizeBytes,
  });
}

/**
 * The fee cap must cover both the chain's minimum gas price and the current base fee, unless the
 * transaction is sponsored (fee cap 0 and a sponsor: its target's deposit pays, sponsored.ts).
 */
export function checkPrice(tx: PoolTx, minGasPrice: bigint, baseFee: bigint): void {
  const floor = baseFee > minGasPrice ? baseFee : minGasPrice;
  if (tx.maxFeePerGas >= floor || (tx.maxFeePerGas === 0n && tx.sponsor !== undefined)) return;
  throw mempoolError(
    MempoolErrorCode.UNDERPRICED,
    `transaction underpriced: max fee per gas ${tx.maxFeePerGas} wei is below the minimum ${floor} wei (min gas price ${minGasPrice}, base fee ${baseFee})`,
    { maxFeePerGas: tx.maxFeePerGas, minimum: floor },
  );
}

export function checkNonce(tx: PoolTx, account: AccountState): void {
  if (tx.nonce >= account.nonce) return;
  throw mempoolError(MempoolErrorCode.NONCE_TOO_LOW, `nonce too low: next nonce ${account.nonce}, tx nonce ${tx.nonce}`, {
    next: account.nonce,
    nonce: tx.nonce,
  });
}

/** Both caps must rise by the bump, or a sender could churn the pool (and its peers) for free. */
export function checkReplacement(old: PoolTx, tx: PoolTx, priceBumpPercent: number): void {
  const minFee = bumpedPrice(old.maxFeePerGas, priceBumpPercent);
  const minTip = bumpedPrice(old.maxPriorityFeePerGas, priceBumpPercent);
  if (tx.maxFeePerGas >= minFee && tx.maxPriorityFeePerGas >= minTip) return;
  throw mempoolError(
    MempoolErrorCode.REPLACEMENT_UNDERPRICED,
    `replacement transaction underpriced: nonce ${tx.nonce} of ${tx.sender} is taken by ${old.hash}; a ${priceBumpPercent}% bump needs ` +
      `max fee per gas >= ${minFee} (got ${tx.maxFeePerGas}) and max priority fee per gas >= ${minTip} (got ${tx.maxPriorityFeePerGas})`,
    { replaces: old.hash, minMaxFeePerGas: minFee, minMaxPriorityFeePerGas: minTip },
  );
}

/**
 * A transaction must be payable on its own. One that joins or replaces the pending run must also be
 * payable after the sender's other pending ones, so that the run stays minable in nonce order; a queued
 * one is checked again when it is promoted.
 */
export function checkFunds<T>(lane: Lane<T>, tx: PoolTx<T>, old: Entry<T> | undefined): void {
  const cost = txCost(tx);
  const { balance } = lane.account;
  const prefix = `insufficient funds for gas * price + value: address ${tx.sender} has balance ${balance} wei`;
  if (cost > balance) {
    throw mempoolError(MempoolErrorCode.INSUFFICIENT_FUNDS, `${prefix}, tx cost ${cost} wei`, { balance, cost });
  }
  const next = nextNonce(lane);
  if (tx.nonce > next) return;
  const others = tx.nonce < next && old !== undefined ? lane.pendingCost - old.cost : lane.pendingCost;
  if (others + cost <= balance) return;
  throw mempoolError(
    MempoolErrorCode.INSUFFICIENT_FUNDS,
    `${prefix}, needs ${others + cost} wei: tx cost ${cost} plus ${others} for the sender's other pending transactions`,
    { balance, cost, pendingCost: others },
  );
}

/** Limits for a transaction taking a new nonce (a replacement does not grow the lane). */
export function checkAccountLimits<T>(lane: Lane<T>, tx: PoolTx<T>, opts: MempoolOptions): void {
  if (lane.byNonce.size >= opts.maxPerAccount) {
    throw mempoolError(
      MempoolErrorCode.ACCOUNT_LIMIT,
      `account limit exceeded: ${tx.sender} has ${lane.byNonce.size} transactions in the pool, limit ${opts.maxPerAccount}`,
      { count: lane.byNonce.size, limit: opts.maxPerAccount },
    );
  }
  const next = nextNonce(lane);
  if (tx.nonce <= next || queuedCount(lane) < opts.maxQueuedPerAccount) return;
  throw mempoolError(
    MempoolErrorCode.ACCOUNT_LIMIT,
    `account limit exceeded: ${tx.sender} has ${queuedCount(lane)} queued transactions, limit ${opts.maxQueuedPerAccount}; ` +
      `nonce ${tx.nonce} is beyond the next executable nonce ${next}`,
    { queued: queuedCount(lane), limit: opts.maxQueuedPerAccount, next },
  );
}
