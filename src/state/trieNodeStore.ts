/**
 * The bridge between @ethereumjs/mpt and our KVStore. Trie writes land in an in-memory overlay; the node
 * takes them with `takeWrites()` and commits them in the same transaction as the block, so the state a
 * header's root names is on disk exactly when the header is. Nodes are content-addressed and never
 * deleted: keeping them is what makes reads at historical blocks work.
 *
 * PERF: recently written and read nodes stay in memory (two generations of at most NODE_CACHE_GENERATION
 * nodes each). Every block rewrites the paths from the root to the accounts it touches, and the next block
 * walks the same paths again: without the cache each step was an lmdb read, a hex key conversion and a
 * copy (~15% of a network validator's execution thread). A node's key is its hash, so a cached node can
 * never be stale.
 *
 * The state manager writes a block's new nodes here directly (`putNode`), not into the trie's checkpoint
 * layers: a node is content-addressed, so one a reverted block wrote is only an unreferenced extra, and
 * reverting restores the root, which is all that undo needs (batchedStateManager.ts).
 */
import type { BatchDBOp, DB } from '@ethereumjs/util';
import { concatBytes } from '../primitives/index.ts';
import type { KVStore, KVWrite } from '../storage/index.ts';
import { STATE_PREFIX } from '../storage/index.ts';

export const NODE_CACHE_GENERATION = 50_000;

export class TrieNodeStore implements DB<string, string | Uint8Array> {
  private pending = new Map<string, Uint8Array>();
  /** The pending nodes as the KV writes that store them (keys made once, when the node is put). */
  private pendingWrites: KVWrite[] = [];
  private inFlight = new Map<string, Uint8Array>();
  private hot = new Map<string, Uint8Array>();
  private warm = new Map<string, Uint8Array>();
  private readonly kv: KVStore;

  constructor(kv: KVStore) {
    this.kv = kv;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const known = this.pending.get(key) ?? this.inFlight.get(key) ?? this.hot.get(key);
    if (known !== undefined) return known;
    const value = this.warm.get(key) ?? this.kv.get(this.diskKey(key));
    if (value !== undefined) this.remember(key, value);
    return value;
  }

  async put(key: string, value: string | Uint8Array): Promise<void> {
    this.add(key, toBytes(value));
  }

  /** A node the state manager made, under its trie's db key (`hexKey` is the same key in hex). */
  putNode(hexKey: string, dbKey: Uint8Array, value: Uint8Array): void {
    if (this.pending.has(hexKey)) return;
    this.pending.set(hexKey, value);
    this.pendingWrites.push({ key: concatBytes(STATE_PREFIX, dbKey), value });
  }

  /**
   * PERF: @ethereumjs's CheckpointDB copies every node it reads into the open checkpoint and writes them all
   * back when the checkpoint commits; one this store already holds on disk (its caches hold only such
   * nodes) needs no second write.
   */
  private add(key: string, value: Uint8Array): void {
    if (this.pending.has(key) || this.hot.has(key) || this.warm.has(key)) return;
    this.pending.set(key, value);
    this.pendingWrites.push({ key: this.diskKey(key), value });
  }

  /** Pruning is off: a node may still be referenced by an older root that history reads use. */
  async del(): Promise<void> {}

  async batch(ops: BatchDBOp<string, string | Uint8Array>[]): Promise<void> {
    for (const op of ops) {
      if (op.type === 'put') this.add(op.key, toBytes(op.value));
    }
  }

  shallowCopy(): DB<string, string | Uint8Array> {
    return this;
  }

  async open(): Promise<void> {}

  /**
   * Moves the overlay into the "in flight" set and returns its writes. Reads still see in-flight nodes
   * until `writesDurable()` is called after the KV transaction resolved.
   */
  takeWrites(): KVWrite[] {
    if (this.inFlight.size === 0) this.inFlight = this.pending;
    else for (const [k, v] of this.pending) this.inFlight.set(k, v);
    const writes = this.pendingWrites;
    this.pending = new Map();
    this.pendingWrites = [];
    return writes;
  }

  writesDurable(): void {
    for (const [k, v] of this.inFlight) this.remember(k, v);
    this.inFlight = new Map();
  }

  private remember(key: string, value: Uint8Array): void {
    if (this.hot.size >= NODE_CACHE_GENERATION) {
      this.warm = this.hot;
      this.hot = new Map();
    }
    this.hot.set(key, value);
  }

  /** Forget unflushed nodes (after a failed block, or a dev-mode revert). */
  discardPending(): void {
    this.pending = new Map();
    this.pendingWrites = [];
  }

  private diskKey(hexKey: string): Uint8Array {
    return concatBytes(STATE_PREFIX, new Uint8Array(Buffer.from(hexKey, 'hex')));
  }
}

function toBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? new Uint8Array(Buffer.from(value, 'hex')) : value;
}
