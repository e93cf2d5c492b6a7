/**
 * @ethereumjs's StorageCache (statemanager 10.1.3, cache/storage.js) with the same checkpoint semantics, on
 * hash maps with flat string keys, and bounded: the storage twin of accountCache.ts. Its ordered map kept
 * every slot the process ever touched (an ERC-20 transfer to a new holder adds one), and looked addresses up
 * by comparing ropes.
 *
 * The journal is the parent's: `_diffCache[k]` maps an address to, for each slot changed at checkpoint depth
 * k, its value from before the first change there (undefined: not cached), which `revert` puts back and
 * `commit` hands down. `clearStorage` is not journaled, as in the parent. Values are RLP-encoded slot values
 * (0x80 for zero), as the parent keeps them. test/unit/state/batchedStateManager.test.ts compares the state
 * manager that uses it against @ethereumjs's MerkleStateManager with its own caches.
 */
import type { StorageCache } from '@ethereumjs/statemanager';
import type { Address } from '@ethereumjs/util';
import { bareHex } from '../primitives/index.ts';
import { JournaledCache } from './journaledCache.ts';

type Slots = Map<string, Uint8Array | undefined>;

/** Slots kept in memory while clean; dirty ones always stay until they are flushed. */
const STORAGE_CACHE_LIMIT = 200_000;
const RLP_ZERO = Uint8Array.of(0x80);

export class FlatStorageCache extends JournaledCache<Slots> {
  private readonly entries = new Map<string, Slots>();
  private readonly limit: number;

  constructor(limit = STORAGE_CACHE_LIMIT) {
    super();
    this.limit = limit;
  }

  /** Installs one in place of `caches.storage` (structurally the same object to every caller). */
  static install(caches: { storage?: StorageCache }): void {
    caches.storage = new FlatStorageCache() as unknown as StorageCache;
  }

  private saveCachePreState(addressHex: string, keyHex: string): void {
    let slots = this.diff.get(addressHex);
    if (slots === undefined) this.diff.set(addressHex, (slots = new Map()));
    if (!slots.has(keyHex)) slots.set(keyHex, this.entries.get(addressHex)?.get(keyHex));
  }

  private slotsOf(addressHex: string): Slots {
    let slots = this.entries.get(addressHex);
    if (slots === undefined) this.entries.set(addressHex, (slots = new Map()));
    return slots;
  }

  put(address: Address, key: Uint8Array, value: Uint8Array): void {
    const addressHex = bareHex(address.bytes);
    const keyHex = bareHex(key);
    this.saveCachePreState(addressHex, keyHex);
    this.slotsOf(addressHex).set(keyHex, value);
    this._stats.writes += 1;
  }

  get(address: Address, key: Uint8Array): Uint8Array | undefined {
    const slots = this.entries.get(bareHex(address.bytes));
    this._stats.reads += 1;
    if (slots === undefined) return undefined;
    this._stats.hits += 1;
    return slots.get(bareHex(key));
  }

  del(address: Address, key: Uint8Array): void {
    const addressHex = bareHex(address.bytes);
    const keyHex = bareHex(key);
    this.saveCachePreState(addressHex, keyHex);
    this.slotsOf(addressHex).set(keyHex, RLP_ZERO);
    this._stats.deletions += 1;
  }

  clearStorage(address: Address): void {
    this.entries.set(bareHex(address.bytes), new Map());
  }

  /** The slots changed at the current depth, which then count as written to the trie. */
  flush(): Array<[string, string, Uint8Array | undefined]> {
    const diff = this.diff;
    const items: Array<[string, string, Uint8Array | undefined]> = [];
    for (const [addressHex, changed] of diff) {
      const slots = this.entries.get(addressHex);
      if (slots === undefined) throw new Error('internal error: storage cache map for account should be defined');
      for (const keyHex of changed.keys()) items.push([addressHex, keyHex, slots.get(keyHex)]);
    }
    this.takeDiff(); // after the loop: an internal error above leaves the journal as it was, as the parent's does
    if (this._checkpoints === 0) this.evictClean(diff);
    return items;
  }

  /** At depth 0 every slot but those just flushed equals the trie: the oldest go first, address by address. */
  private evictClean(flushing: Map<string, Slots>): void {
    let excess = -this.limit;
    for (const slots of this.entries.values()) excess += slots.size;
    if (excess <= 0) return;
    for (const [addressHex, slots] of this.entries) {
      const keep = flushing.get(addressHex);
      for (const keyHex of slots.keys()) {
        if (excess <= 0) return;
        if (keep?.has(keyHex)) continue;
        slots.delete(keyHex);
        excess--;
      }
      if (slots.size === 0) this.entries.delete(addressHex);
    }
  }

  revert(): void {
    const diff = this.popDiff();
    for (const [addressHex, changed] of diff) {
      const slots = this.slotsOf(addressHex);
      for (const [keyHex, value] of changed) {
        if (value === undefined) slots.delete(keyHex);
        else slots.set(keyHex, value);
      }
    }
  }

  commit(): void {
    const diff = this.popDiff();
    const below = this.diff;
    for (const [addressHex, changed] of diff) {
      let lower = below.get(addressHex);
      if (lower === undefined) below.set(addressHex, (lower = new Map()));
      for (const [keyHex, value] of changed) if (!lower.has(keyHex)) lower.set(keyHex, value);
    }
  }

  /** Addresses with cached storage, as the parent counts. */
  size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  dump(address: Address): Slots | undefined {
    return this.entries.get(bareHex(address.bytes));
  }
}
