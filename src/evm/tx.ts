/**
 * Transaction decoding for execution: @ethereumjs/tx objects over a shared, pre-merged Common.
 */
import type { Common } from '@ethereumjs/common';
import { createTxFromRLP, paramsTx } from '@ethereumjs/tx';
import type { TypedTransaction } from '@ethereumjs/tx';

/**
 * PERF: every @ethereumjs tx constructor calls `common.copy()` and `updateParams(paramsTx)`, which deep
 * copies all parameters through JSON: 21% of ETH-transfer time (reference/dependencies.md §3). Tx
 * objects never mutate their Common, so they share one instance that already holds the tx params.
 */
export function createTxCommon(common: Common): Common {
  const txCommon = common.copy();
  txCommon.updateParams(paramsTx);
  txCommon.copy = () => txCommon;
  txCommon.updateParams = () => {};
  return txCommon;
}

/** Decodes a signed transaction (typed envelope or legacy RLP). Throws on malformed bytes. */
export function decodeTransaction(raw: Uint8Array, txCommon: Common): TypedTransaction {
  return createTxFromRLP(raw, { common: txCommon });
}
