/**
 * Sponsored transactions' claims on their sponsors (ADR 0016). Each one comes with its target's deposit
 * and the gas its sender may still use of it, as read from the latest state; the pool admits it only if
 * that deposit also covers the gas limit x base fee of every other pooled transaction to the same target,
 * and that budget the gas limits of the sender's others. Claims are counted in gas, so they hold at any
 * base fee; execution checks again against the state of the block (the pool only keeps out what could
 * not all be paid).
 */
import { MempoolErrorCode, mempoolError } from './errors.ts';
import type { PoolTx } from './types.ts';

export interface SponsorLedger {
  /** Throws when `tx` (replacing `old`, if any) would claim more than its sponsor or its budget holds. */
  check(tx: PoolTx, old: PoolTx | undefined, baseFee: bigint): void;
  reserve(tx: PoolTx): void;
  release(tx: PoolTx): void;
}

export function createSponsorLedger(): SponsorLedger {
  const byTarget = new Map<string, bigint>();
  const byCaller = new Map<string, bigint>();
  const callerKey = (tx: PoolTx, target: string) => `${target}/${tx.sender}`;
  const move = (map: Map<string, bigint>, key: string, gas: bigint) => {
    const next = (map.get(key) ?? 0n) + gas;
    if (next === 0n) map.delete(key);
    else map.set(key, next);
  };
  return {
    check(tx, old, baseFee) {
      if (tx.sponsor === undefined) return;
      const { target, deposit, callerGasLeft } = tx.sponsor;
      // a replacement gives up its predecessor's claim (same sender, same nonce)
      const freed = old?.sponsor?.target === target ? old.gasLimit : 0n;
      const claimed = (byTarget.get(target) ?? 0n) - freed;
      if ((claimed + tx.gasLimit) * baseFee > deposit) {
        throw mempoolError(
          MempoolErrorCode.SPONSOR_DEPOSIT_RESERVED,
          `sponsor deposit reserved: ${target} has ${deposit} wei deposited, its pending sponsored transactions may cost ${claimed * baseFee} wei, ` +
            `and this one ${tx.gasLimit * baseFee} wei more (gas limit ${tx.gasLimit} x base fee ${baseFee})`,
          { target, deposit, reserved: claimed * baseFee },
        );
      }
      const mine = (byCaller.get(callerKey(tx, target)) ?? 0n) - freed;
      if (mine + tx.gasLimit > callerGasLeft) {
        throw mempoolError(
          MempoolErrorCode.SPONSOR_WINDOW_RESERVED,
          `sponsored gas budget reserved: ${tx.sender} may use ${callerGasLeft} more gas of ${target}'s sponsorship in its window, ` +
            `its pending sponsored transactions ask ${mine} and this one ${tx.gasLimit}`,
          { target, left: callerGasLeft, reserved: mine },
        );
      }
    },
    reserve(tx) {
      if (tx.sponsor === undefined) return;
      move(byTarget, tx.sponsor.target, tx.gasLimit);
      move(byCaller, callerKey(tx, tx.sponsor.target), tx.gasLimit);
    },
    release(tx) {
      if (tx.sponsor === undefined) return;
      move(byTarget, tx.sponsor.target, -tx.gasLimit);
      move(byCaller, callerKey(tx, tx.sponsor.target), -tx.gasLimit);
    },
  };
}
