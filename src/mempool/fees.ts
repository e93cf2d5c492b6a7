/** Fee arithmetic shared by admission, eviction and ordering. All amounts are wei. */
import type { PoolTx } from './types.ts';

/** What the block producer earns per gas: the tip, capped by what the fee cap leaves above the base fee. */
export function effectiveTip(tx: Pick<PoolTx, 'maxFeePerGas' | 'maxPriorityFeePerGas'>, baseFee: bigint): bigint {
  const room = tx.maxFeePerGas - baseFee;
  return room < tx.maxPriorityFeePerGas ? room : tx.maxPriorityFeePerGas;
}

/** The most the transaction can take from its sender: value plus gas at the fee cap. */
export function txCost(tx: Pick<PoolTx, 'value' | 'gasLimit' | 'maxFeePerGas'>): bigint {
  return tx.value + tx.gasLimit * tx.maxFeePerGas;
}

/**
 * The least a replacement must offer: `old` raised by `percent`, rounded up so that the bump is really at
 * least `percent` (geth rounds down), and always strictly more than `old` so equal prices never churn.
 */
export function bumpedPrice(old: bigint, percent: number): bigint {
  const scaled = old * BigInt(100 + percent);
  const ceil = (scaled + 99n) / 100n;
  return ceil > old ? ceil : old + 1n;
}
