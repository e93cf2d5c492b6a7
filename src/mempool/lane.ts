/**
 * One sender's transactions. The pending ones are exactly the nonces
 * [account.nonce, account.nonce + pendingCount): all present, payable one after the other from the balance
 * (cumulative cost <= balance), and as many as that allows. Every other transaction is queued: behind a
 * nonce gap, or not yet payable. Keeping the split as a count makes promotion and demotion walk only the
 * transactions that move.
 */
import { invariant } from '../primitives/index.ts';
import type { AccountState, PoolTx } from './types.ts';

export interface Entry<T> {
  readonly tx: PoolTx<T>;
  /** Arrival order, the deterministic tie-break between equal tips (never wall-clock time). */
  readonly seq: number;
  readonly cost: bigint;
}

export interface Lane<T> {
  readonly sender: string;
  account: AccountState;
  readonly byNonce: Map<bigint, Entry<T>>;
  pendingCount: number;
  pendingCost: bigint;
  /** The highest nonce: the only transaction eviction may take without opening a gap. */
  tail: Entry<T> | undefined;
}

export function createLane<T>(sender: string, account: AccountState): Lane<T> {
  return { sender, account, byNonce: new Map(), pendingCount: 0, pendingCost: 0n, tail: undefined };
}

/** The nonce that would extend the pending run. */
export function nextNonce<T>(lane: Lane<T>): bigint {
  return lane.account.nonce + BigInt(lane.pendingCount);
}

export function isPending<T>(lane: Lane<T>, nonce: bigint): boolean {
  return nonce >= lane.account.nonce && nonce < nextNonce(lane);
}

export function queuedCount<T>(lane: Lane<T>): number {
  return lane.byNonce.size - lane.pendingCount;
}

/** The transaction at a nonce the pending run covers; its absence means the bookkeeping is broken. */
export function pendingAt<T>(lane: Lane<T>, nonce: bigint): Entry<T> {
  const e = lane.byNonce.get(nonce);
  invariant(e !== undefined && isPending(lane, nonce), `mempool lane ${lane.sender} has no pending nonce ${nonce}`);
  return e;
}

export function pendingEntries<T>(lane: Lane<T>): Entry<T>[] {
  return Array.from({ length: lane.pendingCount }, (_, i) => pendingAt(lane, lane.account.nonce + BigInt(i)));
}

export function queuedEntries<T>(lane: Lane<T>): Entry<T>[] {
  const next = nextNonce(lane);
  return [...lane.byNonce.values()].filter((e) => e.tx.nonce >= next).sort((a, b) => (a.tx.nonce < b.tx.nonce ? -1 : 1));
}

/** Adds a transaction at a free nonce, then promotes whatever it makes executable. */
export function insertEntry<T>(lane: Lane<T>, entry: Entry<T>): void {
  lane.byNonce.set(entry.tx.nonce, entry);
  if (lane.tail === undefined || entry.tx.nonce > lane.tail.tx.nonce) lane.tail = entry;
  extendPending(lane);
}

/** Swaps the transaction at `old`'s nonce; the new cost may let queued ones follow (a lower value). */
export function replaceEntry<T>(lane: Lane<T>, old: Entry<T>, fresh: Entry<T>): void {
  lane.byNonce.set(fresh.tx.nonce, fresh);
  if (lane.tail === old) lane.tail = fresh;
  if (isPending(lane, old.tx.nonce)) lane.pendingCost += fresh.cost - old.cost;
  extendPending(lane);
}

/** Removes one transaction; removing a pending one opens a gap, so the pending ones after it are demoted. */
export function removeEntry<T>(lane: Lane<T>, entry: Entry<T>): void {
  if (isPending(lane, entry.tx.nonce)) truncatePending(lane, entry.tx.nonce);
  forget(lane, entry);
}

/**
 * Brings the lane to a newer account state: drops nonces the account has used, keeps pending what is
 * still payable, drops a pending transaction that alone costs more than the balance (it can never be paid
 * until funds arrive, as geth does), demotes the ones after a drop or after the balance runs out, and
 * promotes queued ones that became executable. Returns what it dropped.
 */
export function reconcile<T>(lane: Lane<T>, account: AccountState): { stale: Entry<T>[]; unpayable: Entry<T>[] } {
  const old = lane.account;
  const unpayable: Entry<T>[] = [];
  if (account.nonce === old.nonce && account.balance === old.balance) return { stale: [], unpayable };
  const oldNext = nextNonce(lane);
  const stale = dropBelow(lane, account.nonce);
  const minedCost = stale.reduce((sum, e) => (e.tx.nonce < oldNext ? sum + e.cost : sum), 0n);
  lane.account = account;
  // Usual case after a block: a prefix of the pending run was mined and the rest is still payable.
  const keptCost = lane.pendingCost - minedCost;
  if (account.nonce >= old.nonce && account.nonce <= oldNext && keptCost <= account.balance) {
    lane.pendingCount = Number(oldNext - account.nonce);
    lane.pendingCost = keptCost;
    extendPending(lane);
    return { stale, unpayable };
  }
  lane.pendingCount = 0;
  lane.pendingCost = 0n;
  const dropped = extendPending(lane, (e) => e.cost > account.balance && e.tx.nonce >= old.nonce && e.tx.nonce < oldNext);
  if (dropped !== undefined) unpayable.push(dropped);
  return { stale, unpayable };
}

/**
 * Grows the pending run while the next nonce is present and payable. When it stops at a transaction that
 * `drop` selects, that transaction is removed (leaving a gap) and returned.
 */
function extendPending<T>(lane: Lane<T>, drop?: (e: Entry<T>) => boolean): Entry<T> | undefined {
  for (;;) {
    const e = lane.byNonce.get(nextNonce(lane));
    if (e === undefined) return undefined;
    if (lane.pendingCost + e.cost > lane.account.balance) {
      if (drop === undefined || !drop(e)) return undefined;
      forget(lane, e);
      return e;
    }
    lane.pendingCount++;
    lane.pendingCost += e.cost;
  }
}

/** Makes `nonce` the end of the pending run. */
function truncatePending<T>(lane: Lane<T>, nonce: bigint): void {
  for (let n = nonce; n < nextNonce(lane); n++) lane.pendingCost -= pendingAt(lane, n).cost;
  lane.pendingCount = Number(nonce - lane.account.nonce);
}

/** Deletes nonces below `nonce`, walking the nonces or the map, whichever is shorter. */
function dropBelow<T>(lane: Lane<T>, nonce: bigint): Entry<T>[] {
  const dropped: Entry<T>[] = [];
  const span = nonce - lane.account.nonce;
  if (span <= 0n) return dropped;
  const candidates =
    span <= BigInt(lane.byNonce.size)
      ? Array.from({ length: Number(span) }, (_, i) => lane.byNonce.get(lane.account.nonce + BigInt(i)))
      : [...lane.byNonce.values()].filter((e) => e.tx.nonce < nonce);
  for (const e of candidates) if (e !== undefined) dropped.push(e);
  for (const e of dropped) forget(lane, e);
  return dropped;
}

/** Deletes without touching the pending bookkeeping; callers adjust it first. */
function forget<T>(lane: Lane<T>, entry: Entry<T>): void {
  lane.byNonce.delete(entry.tx.nonce);
  if (lane.tail !== entry) return;
  lane.tail = undefined;
  for (const e of lane.byNonce.values()) if (lane.tail === undefined || e.tx.nonce > lane.tail.tx.nonce) lane.tail = e;
}
