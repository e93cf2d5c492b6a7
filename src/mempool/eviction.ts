/**
 * Making room in a full pool. Only a sender's highest nonce may go, so eviction never opens a gap in
 * anyone's pending run. Queued transactions go first (they cannot be mined now anyway), and only for a
 * newcomer with a strictly higher effective tip, so a full pool never trades a better payer for a worse
 * one. A newcomer that would itself be queued never evicts a pending transaction (geth's rule against
 * future transactions churning executable ones), and nobody evicts their own transactions.
 *
 * PERF: finding the victim scans the senders, O(senders) per admission into a full pool. A full pool is
 * the rare case; a heap of tails would have to follow every promotion and demotion. Revisit with a profile.
 */
import { MempoolErrorCode, mempoolError } from './errors.ts';
import { effectiveTip } from './fees.ts';
import { nextNonce } from './lane.ts';
import type { Entry, Lane } from './lane.ts';
import type { PoolTx } from './types.ts';

/** The tail to evict for `tx`, or a POOL_FULL error when no transaction pays less than it. */
export function chooseVictim<T>(
  lanes: Iterable<Lane<T>>,
  tx: PoolTx<T>,
  newcomerQueued: boolean,
  baseFee: bigint,
  maxTotal: number,
): Entry<T> {
  const tip = effectiveTip(tx, baseFee);
  const all = [...lanes].filter((lane) => lane.sender !== tx.sender);
  const queued = cheapestTail(all, true, baseFee);
  if (queued !== undefined && tip > effectiveTip(queued.tx, baseFee)) return queued;
  const pending = newcomerQueued ? undefined : cheapestTail(all, false, baseFee);
  if (pending !== undefined && tip > effectiveTip(pending.tx, baseFee)) return pending;
  const floors = [queued, pending].filter((e) => e !== undefined).map((e) => effectiveTip(e.tx, baseFee));
  const why =
    floors.length === 0
      ? `no ${newcomerQueued ? 'queued ' : ''}transaction of another sender can be evicted`
      : `effective tip ${tip} wei does not beat ${floors.reduce((a, b) => (a < b ? a : b))} wei, the cheapest evictable ${newcomerQueued ? 'queued ' : ''}transaction`;
  const rule = newcomerQueued ? ' (a future-nonce transaction can only evict queued ones)' : '';
  throw mempoolError(MempoolErrorCode.POOL_FULL, `txpool is full: ${maxTotal} transactions; ${why}${rule}`, { limit: maxTotal, tip });
}

/** Lowest effective tip among queued (or pending) tails; on a tie the latest arrival goes first. */
function cheapestTail<T>(lanes: Lane<T>[], queued: boolean, baseFee: bigint): Entry<T> | undefined {
  let worst: Entry<T> | undefined;
  let worstTip = 0n;
  for (const lane of lanes) {
    const tail = lane.tail;
    if (tail === undefined || tail.tx.nonce >= nextNonce(lane) !== queued) continue;
    const tip = effectiveTip(tail.tx, baseFee);
    if (worst === undefined || tip < worstTip || (tip === worstTip && tail.seq > worst.seq)) {
      worst = tail;
      worstTip = tip;
    }
  }
  return worst;
}
