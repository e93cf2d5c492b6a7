/**
 * @ethereumjs's AccountCache (statemanager 10.1.3, cache/account.js) with the same checkpoint semantics, on
 * a hash map with flat string keys, and bounded. PERF: the default cache is an ordered map (a red-black tree)
 * keyed by hex strings built a character pair at a time: every lookup compared ropes O(log n) times, and n
 * grew with every account the process ever touched, since nothing evicted (a memory leak on a long-running
 * node). Here a lookup hashes one flat string (`bytesKey`: a character per byte, made without a malloc), and
 * clean entries beyond ACCOUNT_CACHE_LIMIT are dropped at the start of a block, when nothing is dirty.
 *
 * The journal is the parent's: `_diffCache[k]` holds, for each address changed at checkpoint depth k, its
 * element from before the first change at that depth (undefined: it was not cached), which `revert` puts
 * back and `commit` hands down. test/unit/state/batchedStateManager.test.ts compares the state manager that
 * uses it against @ethereumjs's MerkleStateManager with its own caches.
 */
import type { AccountCache } from '@ethereumjs/statemanager';
import { Account } from '@ethereumjs/util';
import type { Address } from '@ethereumjs/util';
import { RLP } from '../encoding/index.ts';
import { bytesKey } from '../primitives/index.ts';
import { JournaledCache } from './journaledCache.ts';

export type AccountElement = {
  accountRLP: Uint8Array | undefined;
  /**
   * The same account decoded, a copy of what was put (callers change the objects they put and get). PERF: a
   * transfer reads its sender and recipient again right after writing them, and each read decoded the RLP
   * just made (~2 µs of each plain transfer).
   */
  account?: Account;
};

/** A new Account with `a`'s fields: what a cache read hands out (the cached one must not change). */
export function copyAccount(a: Account): Account {
  return new Account(a.nonce, a.balance, a.storageRoot, a.codeHash);
}

/** Accounts kept in memory while clean (~200 bytes each); dirty ones always stay until they are flushed. */
const ACCOUNT_CACHE_LIMIT = 100_000;

/** Account.serialize(), through our RLP. */
function serialize(account: Account): Uint8Array {
  return RLP.encode(account.raw());
}

export class FlatAccountCache extends JournaledCache<AccountElement | undefined> {
  private readonly entries = new Map<string, AccountElement>();
  private readonly limit: number;

  constructor(limit = ACCOUNT_CACHE_LIMIT) {
    super();
    this.limit = limit;
  }

  /** Installs one in place of `caches.account` (structurally the same object to every caller). */
  static install(caches: { account?: AccountCache }): void {
    caches.account = new FlatAccountCache() as unknown as AccountCache;
  }

  private saveCachePreState(key: string): void {
    if (!this.diff.has(key)) this.diff.set(key, this.entries.get(key));
  }

  put(address: Address, account: Account | undefined, couldBePartialAccount = false): void {
    const key = bytesKey(address.bytes);
    this.saveCachePreState(key);
    if (account === undefined || couldBePartialAccount) {
      this.entries.set(key, { accountRLP: account?.serializeWithPartialInfo() });
    } else {
      this.entries.set(key, { accountRLP: serialize(account), account: copyAccount(account) });
    }
    this._stats.writes += 1;
  }

  get(address: Address): AccountElement | undefined {
    const elem = this.entries.get(bytesKey(address.bytes));
    this._stats.reads += 1;
    if (elem !== undefined) this._stats.hits += 1;
    return elem;
  }

  del(address: Address): void {
    const key = bytesKey(address.bytes);
    this.saveCachePreState(key);
    this.entries.set(key, { accountRLP: undefined });
    this._stats.deletions += 1;
  }

  /** The entries changed at the current depth (by `bytesKey` of the address), which then count as written to the trie. */
  flush(): Array<[string, AccountElement]> {
    const diff = this.takeDiff();
    const items: Array<[string, AccountElement]> = [];
    for (const key of diff.keys()) {
      const elem = this.entries.get(key);
      if (elem !== undefined) items.push([key, elem]);
    }
    if (this._checkpoints === 0) this.evictClean(diff);
    return items;
  }

  /**
   * At depth 0 every entry but those just flushed (which the caller is still writing to the trie) equals the
   * trie: the oldest of those go first (a Map keeps insertion order).
   */
  private evictClean(flushing: Map<string, unknown>): void {
    let excess = this.entries.size - this.limit;
    if (excess <= 0) return;
    for (const key of this.entries.keys()) {
      if (excess <= 0) break;
      if (flushing.has(key)) continue;
      this.entries.delete(key);
      excess--;
    }
  }

  revert(): void {
    const diff = this.popDiff();
    for (const [key, elem] of diff) {
      if (elem === undefined) this.entries.delete(key);
      else this.entries.set(key, elem);
    }
  }

  commit(): void {
    const diff = this.popDiff();
    const below = this.diff;
    for (const [key, elem] of diff) if (!below.has(key)) below.set(key, elem);
  }

  size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
