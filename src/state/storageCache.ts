/**
 * @ethereumjs's StorageCache (statemanager 10.1.3, cache/storage.js) with the same checkpoint semantics, on
 * hash maps with flat string keys (`bytesKey` of the address and the slot), and bounded: the storage twin of accountCache.ts. Its ordered map kept
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
import { bytesKey } from '../primitives/index.ts';
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

  private saveCachePreState(addressKey: string, slotKey: string): void {
    let slots = this.diff.get(addressKey);
    if (slots === undefined) this.diff.set(addressKey, (slots = new Map()));
    if (!slots.has(slotKey)) slots.set(slotKey, this.entries.get(addressKey)?.get(slotKey));
  }

  private slotsOf(addressKey: string): Slots {
    let slots = this.entries.get(addressKey);
    if (slots === undefined) this.entries.set(addressKey, (slots = new Map()));
    return slots;
  }

  put(address: Address, key: Uint8Array, value: Uint8Array): void {
    const addressKey = bytesKey(address.bytes);
    const slotKey = bytesKey(key);
    this.saveCachePreState(addressKey, slotKey);
    this.slotsOf(addressKey).set(slotKey, value);
    this._stats.writes += 1;
  }

  get(address: Address, key: Uint8Array): Uint8Array | undefined {
    const slots = this.entries.get(bytesKey(address.bytes));
    this._stats.reads += 1;
    if (slots === undefined) return undefined;
    this._stats.hits += 1;
    return slots.get(bytesKey(key));
  }

  del(address: Address, key: Uint8Array): void {
    const addressKey = bytesKey(address.bytes);
    const slotKey = bytesKey(key);
    this.saveCachePreState(addressKey, slotKey);
    this.slotsOf(addressKey).set(slotKey, RLP_ZERO);
    this._stats.deletions += 1;
  }

  clearStorage(address: Address): void {
    this.entries.set(bytesKey(address.bytes), new Map());
  }

  /** The slots changed at the current depth (address and slot as `bytesKey`), which then count as written to the trie. */
  flush(): Array<[string, string, Uint8Array | undefined]> {
    const diff = this.diff;
    const items: Array<[string, string, Uint8Array | undefined]> = [];
    for (const [addressKey, changed] of diff) {
      const slots = this.entries.get(addressKey);
      if (slots === undefined) throw new Error('internal error: storage cache map for account should be defined');
      for (const slotKey of changed.keys()) items.push([addressKey, slotKey, slots.get(slotKey)]);
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
    for (const [addressKey, slots] of this.entries) {
      const keep = flushing.get(addressKey);
      for (const slotKey of slots.keys()) {
        if (excess <= 0) return;
        if (keep?.has(slotKey)) continue;
        slots.delete(slotKey);
        excess--;
      }
      if (slots.size === 0) this.entries.delete(addressKey);
    }
  }

  revert(): void {
    const diff = this.popDiff();
    for (const [addressKey, changed] of diff) {
      const slots = this.slotsOf(addressKey);
      for (const [slotKey, value] of changed) {
        if (value === undefined) slots.delete(slotKey);
        else slots.set(slotKey, value);
      }
    }
  }

  commit(): void {
    const diff = this.popDiff();
    const below = this.diff;
    for (const [addressKey, changed] of diff) {
      let lower = below.get(addressKey);
      if (lower === undefined) below.set(addressKey, (lower = new Map()));
      for (const [slotKey, value] of changed) if (!lower.has(slotKey)) lower.set(slotKey, value);
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
    return this.entries.get(bytesKey(address.bytes));
  }
}
