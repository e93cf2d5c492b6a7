/**
 * The transaction pool: an index by hash over one lane per sender (lane.ts). Pure and deterministic: no
 * clock, no I/O; the caller passes account state and the base fee in, and an arrival counter stands in
 * for time wherever order matters.
 */
import { checkAccountLimits, checkFunds, checkKnown, checkNonce, checkPrice, checkReplacement, checkSize } from './admission.ts';
import { chooseVictim } from './eviction.ts';
import { effectiveTip, txCost } from './fees.ts';
import { createLane, insertEntry, isPending, nextNonce, pendingAt, pendingEntries, queuedEntries, reconcile, removeEntry, replaceEntry } from './lane.ts';
import type { Entry, Lane } from './lane.ts';
import { defaultMempoolOptions, validateMempoolOptions } from './options.ts';
import type { MempoolOptions } from './options.ts';
import { mergeCursors } from './ordering.ts';
import { createSponsorLedger } from './sponsored.ts';
import type { Cursor } from './ordering.ts';
import type { AccountState, AddResult, Mempool, PoolTx, UpdateResult } from './types.ts';

/** Options not given take `defaultMempoolOptions`; only the chain's minimum gas price is required. */
export type MempoolInit = Partial<MempoolOptions> & Pick<MempoolOptions, 'minGasPrice'>;

export function createMempool<T>(init: MempoolInit): Mempool<T> {
  const opts = validateMempoolOptions({ ...defaultMempoolOptions, ...init });
  const lanes = new Map<string, Lane<T>>();
  const byHash = new Map<string, Entry<T>>();
  const sponsors = createSponsorLedger();
  let seq = 0;

  /** Every transaction leaves the pool through here, so its claim on a sponsor goes with it. */
  function forget(entry: Entry<T>): void {
    byHash.delete(entry.tx.hash);
    sponsors.release(entry.tx);
  }

  /** The sender's lane brought to `account` (the freshest state), or a new one not yet registered. */
  function laneFor(sender: string, account: AccountState): Lane<T> {
    const lane = lanes.get(sender);
    if (lane === undefined) return createLane(sender, account);
    const { stale, unpayable } = reconcile(lane, account);
    for (const e of [...stale, ...unpayable]) forget(e);
    return lane;
  }

  function dropEntry(lane: Lane<T>, entry: Entry<T>): void {
    removeEntry(lane, entry);
    forget(entry);
    if (lane.byNonce.size === 0) lanes.delete(lane.sender);
  }

  /** Evicts one cheaper transaction of another sender if the pool is full; returns its hash. */
  function makeRoom(lane: Lane<T>, tx: PoolTx<T>, baseFee: bigint): string | undefined {
    if (byHash.size < opts.maxTotal) return undefined;
    const victim = chooseVictim(lanes.values(), tx, tx.nonce > nextNonce(lane), baseFee, opts.maxTotal);
    dropEntry(lanes.get(victim.tx.sender) as Lane<T>, victim);
    return victim.tx.hash;
  }

  function admit(lane: Lane<T>, tx: PoolTx<T>, baseFee: bigint): AddResult {
    const old = lane.byNonce.get(tx.nonce);
    if (old !== undefined) checkReplacement(old.tx, tx, opts.priceBumpPercent);
    checkFunds(lane, tx, old);
    sponsors.check(tx, old?.tx, baseFee);
    if (old === undefined) checkAccountLimits(lane, tx, opts);
    const evicted = old === undefined ? makeRoom(lane, tx, baseFee) : undefined;
    const entry: Entry<T> = { tx, seq: seq++, cost: txCost(tx) };
    byHash.set(tx.hash, entry);
    sponsors.reserve(tx);
    lanes.set(lane.sender, lane);
    if (old !== undefined) {
      forget(old);
      replaceEntry(lane, old, entry);
      return { status: 'replaced', replaced: old.tx.hash, executable: isPending(lane, tx.nonce) };
    }
    insertEntry(lane, entry);
    const status = isPending(lane, tx.nonce) ? 'pending' : 'queued';
    return evicted === undefined ? { status } : { status, evicted };
  }

  return {
    add(tx, account, baseFee) {
      checkKnown(tx, byHash.has(tx.hash));
      checkSize(tx, opts.maxTxSizeBytes);
      checkPrice(tx, opts.minGasPrice, baseFee);
      checkNonce(tx, account);
      const lane = laneFor(tx.sender, account);
      try {
        return admit(lane, tx, baseFee);
      } finally {
        // Refreshing the lane may have emptied it even when the transaction was rejected.
        if (lane.byNonce.size === 0) lanes.delete(lane.sender);
      }
    },

    pending(baseFee, limit = Number.POSITIVE_INFINITY) {
      const cursors = [...lanes.values()].map((lane) => payableCursor(lane, baseFee));
      const before = (a: Entry<T>, b: Entry<T>): boolean => {
        const ta = effectiveTip(a.tx, baseFee);
        const tb = effectiveTip(b.tx, baseFee);
        return ta > tb || (ta === tb && a.seq < b.seq);
      };
      return mergeCursors(cursors, before, limit).map((e) => e.tx);
    },

    // baseFee is not needed here: a transaction under the base fee stays (the base fee can fall again),
    // pending() leaves it out meanwhile, as geth does.
    update(getAccount): UpdateResult {
      const result: UpdateResult = { stale: [], unpayable: [] };
      for (const lane of [...lanes.values()]) {
        const { stale, unpayable } = reconcile(lane, getAccount(lane.sender));
        for (const e of stale) result.stale.push(e.tx.hash);
        for (const e of unpayable) result.unpayable.push(e.tx.hash);
        for (const e of [...stale, ...unpayable]) forget(e);
        if (lane.byNonce.size === 0) lanes.delete(lane.sender);
      }
      return result;
    },

    senders: () => [...lanes.keys()],

    remove(hash) {
      const entry = byHash.get(hash);
      if (entry === undefined) return false;
      dropEntry(lanes.get(entry.tx.sender) as Lane<T>, entry);
      return true;
    },

    get: (hash) => byHash.get(hash)?.tx,
    has: (hash) => byHash.has(hash),

    pendingNonce(sender, accountNonce) {
      const lane = lanes.get(sender);
      const next = lane === undefined ? accountNonce : nextNonce(lane);
      return next > accountNonce ? next : accountNonce;
    },

    content() {
      const pending = new Map<string, PoolTx<T>[]>();
      const queued = new Map<string, PoolTx<T>[]>();
      for (const [sender, lane] of lanes) {
        const p = pendingEntries(lane);
        const q = queuedEntries(lane);
        if (p.length > 0) pending.set(sender, p.map((e) => e.tx));
        if (q.length > 0) queued.set(sender, q.map((e) => e.tx));
      }
      return { pending, queued };
    },

    stats() {
      let pending = 0;
      for (const lane of lanes.values()) pending += lane.pendingCount;
      return { pending, queued: byHash.size - pending };
    },

    get size() {
      return byHash.size;
    },
  };
}

/**
 * The lane's pending run, cut at the first transaction whose fee cap no longer covers the base fee (a
 * sponsored one's gas is its sponsor's to pay).
 */
function payableCursor<T>(lane: Lane<T>, baseFee: bigint): Cursor<Entry<T>> {
  let i = 0;
  const head = (): Entry<T> | undefined => {
    if (i >= lane.pendingCount) return undefined;
    const e = pendingAt(lane, lane.account.nonce + BigInt(i));
    return e.tx.maxFeePerGas >= baseFee || e.tx.sponsor !== undefined ? e : undefined;
  };
  return { head, advance: () => void i++ };
}
