/** Mempool limits and the price floor, with defaults, small test values and validation. */
import { MempoolErrorCode, mempoolError } from './errors.ts';

export interface MempoolOptions {
  /** Largest encoded transaction admitted. */
  maxTxSizeBytes: number;
  /** Transactions one sender may have in the pool, pending and queued together. */
  maxPerAccount: number;
  /** Future-nonce (queued) transactions one sender may have: bounds what a nonce gap can pin. */
  maxQueuedPerAccount: number;
  /** Transactions in the whole pool. */
  maxTotal: number;
  /** How much both fee caps must rise for a transaction to replace another with the same nonce. */
  priceBumpPercent: number;
  /** The chain's minimum gas price in wei; no default because it is a chain parameter. */
  minGasPrice: bigint;
}

/** geth's txpool defaults, except maxTotal: CyberMiles' mempool size. */
export const defaultMempoolOptions: Readonly<Omit<MempoolOptions, 'minGasPrice'>> = {
  maxTxSizeBytes: 131_072,
  maxPerAccount: 1024,
  maxQueuedPerAccount: 256,
  maxTotal: 100_000,
  priceBumpPercent: 10,
};

/** Small limits so tests can reach them in a few steps. */
export const testMempoolOptions: Readonly<MempoolOptions> = {
  maxTxSizeBytes: 1024,
  maxPerAccount: 8,
  maxQueuedPerAccount: 4,
  maxTotal: 16,
  priceBumpPercent: 10,
  minGasPrice: 1n,
};

export function validateMempoolOptions(o: MempoolOptions): MempoolOptions {
  const positive: Array<keyof MempoolOptions> = ['maxTxSizeBytes', 'maxPerAccount', 'maxQueuedPerAccount', 'maxTotal'];
  for (const field of positive) {
    const v = o[field];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) bad(field, `${String(v)} is not an integer >= 1`);
  }
  if (!Number.isSafeInteger(o.priceBumpPercent) || o.priceBumpPercent < 0) {
    bad('priceBumpPercent', `${o.priceBumpPercent} is not an integer >= 0`);
  }
  if (typeof o.minGasPrice !== 'bigint' || o.minGasPrice < 0n) bad('minGasPrice', `${String(o.minGasPrice)} is not a bigint >= 0`);
  return o;
}

function bad(field: string, why: string): never {
  throw mempoolError(MempoolErrorCode.BAD_OPTION, `invalid mempool option ${field}: ${why}`, { field });
}
