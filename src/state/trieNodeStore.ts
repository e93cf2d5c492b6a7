/**
 * The bridge between @ethereumjs/mpt and our KVStore. Trie writes land in an in-memory overlay; the node
 * takes them with `takeWrites()` and commits them in the same transaction as the block, so the state a
 * header's root names is on disk no later than the header. Nodes are content-addressed and never deleted:
 * keeping them is what makes reads at historical blocks work.
 *
 * PERF: recently written and read nodes stay in memory (at most NODE_CACHE_LIMIT, the oldest dropped first).
 * Every block rewrites the paths from the root to the accounts it touches, and the next block walks the same
 * paths again: without the cache each step was an lmdb read, a hex key conversion and a copy (~15% of a
 * network validator's execution thread). A node's key is its hash, so a cached node can never be stale. One
 * map, not generations: a lookup walking 30 maps cost ~20 µs of each ERC-20 transfer. Nodes written ahead join
 * it when their write resolves, while transactions still arrive, so that the block's commit moves only its own.
 *
 * The state manager writes a block's new nodes here directly (`putNode`), not into the trie's checkpoint
 * layers: a node is content-addressed, so one a reverted block wrote is only an unreferenced extra, and
 * reverting restores the root, which is all that undo needs (batchedStateManager.ts). For the same reason
 * an open block's nodes may be written before the block is decided (`writeAhead`).
 */
import type { BatchDBOp, DB } from '@ethereumjs/util';
import { concatBytes } from '../primitives/index.ts';
import type { KVStore, KVWrite } from '../storage/index.ts';
import { STATE_PREFIX } from '../storage/index.ts';

/** Nodes kept in memory after they are durable (a 3,000-transaction block writes ~8,000). */
const NODE_CACHE_LIMIT = 100_000;

/** Slots of the by-hash table (a power of two): one node per slot, the last one seen. */
const BY_HASH_SLOTS = 2 ** 17;

export class TrieNodeStore implements DB<string, string | Uint8Array> {
  private pending = new Map<string, Uint8Array>();
  /** The pending nodes as the KV writes that store them (keys made once, when the node is put). */
  private pendingWrites: KVWrite[] = [];
  /** Taken or written ahead, not yet known durable: still read from here (a few layers). */
  private inFlight: Array<Map<string, Uint8Array>> = [];
  /** Durable nodes kept in memory, in the order they came (a Map iterates in insertion order). */
  private durable = new Map<string, Uint8Array>();
  /** Writes started by writeAhead; the first failure is kept for `aheadWritten`. */
  private ahead: Promise<void> = Promise.resolve();
  private aheadFailure: unknown;
  private readonly kv: KVStore;
  /**
   * Recently made or read nodes by their hash alone, in a table indexed by the hash's first 17 bits. PERF: the
   * string-keyed path above turns each hash into its trie's db key and then into hex, and looks that up in
   * a few maps: ~1.5 µs a node, and the lookups and flushes of a block read ~100,000 nodes. A node is its
   * hash's preimage, so a slot whose hash equals the one asked for holds the right bytes, under whatever
   * prefix its trie stores it; any other slot content is a miss, never a wrong answer.
   */
  private readonly byHashKeys = new Uint8Array(BY_HASH_SLOTS * 32); // one hash per slot, side by side: one memory read to compare
  private readonly byHashValues: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(BY_HASH_SLOTS).fill(undefined);

  constructor(kv: KVStore) {
    this.kv = kv;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const known = this.pending.get(key) ?? this.cachedOrInFlight(key);
    if (known !== undefined) return known;
    const value = this.kv.get(this.diskKey(key));
    if (value !== undefined) this.remember(key, value);
    return value;
  }

  private cachedOrInFlight(key: string): Uint8Array | undefined {
    const v = this.durable.get(key);
    if (v !== undefined) return v;
    for (const layer of this.inFlight) {
      const w = layer.get(key);
      if (w !== undefined) return w;
    }
    return undefined;
  }

  async put(key: string, value: string | Uint8Array): Promise<void> {
    this.add(key, toBytes(value));
  }

  /** The node whose hash is `hash`, if the by-hash table holds it (undefined says nothing about the store). */
  nodeByHash(hash: Uint8Array): Uint8Array | undefined {
    if (hash.length !== 32) return undefined;
    const slot = byHashSlot(hash);
    const value = this.byHashValues[slot];
    if (value === undefined) return undefined;
    const keys = this.byHashKeys;
    const at = slot * 32;
    for (let i = 0; i < 32; i++) if (keys[at + i] !== hash[i]) return undefined;
    return value;
  }

  /** Remembers `node`, whose keccak-256 is `hash` (the caller knows it: it hashed it, or read it by that hash). */
  knowByHash(hash: Uint8Array, node: Uint8Array): void {
    if (hash.length !== 32) return;
    const slot = byHashSlot(hash);
    this.byHashKeys.set(hash, slot * 32);
    this.byHashValues[slot] = node;
  }

  /** A node the state manager made, under its trie's db key (`hexKey` is the same key in hex). */
  putNode(hexKey: string, dbKey: Uint8Array, value: Uint8Array): void {
    if (this.pending.has(hexKey)) return;
    this.pending.set(hexKey, value);
    this.pendingWrites.push({ key: concatBytes(STATE_PREFIX, dbKey), value });
  }

  /**
   * PERF: @ethereumjs's CheckpointDB copies every node it reads into the open checkpoint and writes them all
   * back when the checkpoint commits; one this store already holds (or is writing) needs no second write.
   */
  private add(key: string, value: Uint8Array): void {
    if (this.pending.has(key) || this.cachedOrInFlight(key) !== undefined) return;
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
   * Moves the overlay into the "in flight" set and returns its writes, for the caller's transaction. Reads
   * still see in-flight nodes until `writesDurable()` is called after that transaction resolved.
   */
  takeWrites(): KVWrite[] {
    const writes = this.pendingWrites;
    if (this.pending.size > 0) this.inFlight.push(this.pending);
    this.pending = new Map();
    this.pendingWrites = [];
    return writes;
  }

  /**
   * Starts writing the overlay now, in a transaction of its own. PERF: an execution worker with nothing
   * else to do writes an open block's nodes while transactions arrive, so the block's own write after its
   * tick carries fewer (ADR 0018). Harmless if the block is dropped: the nodes are only unreferenced.
   */
  writeAhead(): void {
    const layer = this.pending;
    const writes = this.takeWrites();
    if (writes.length === 0) return;
    const written = this.kv.write(writes).then(
      () => this.settle(layer),
      (err: unknown) => {
        this.aheadFailure ??= err;
      },
    );
    this.ahead = this.ahead.then(() => written);
  }

  /** Resolves when every write started by writeAhead is durable; rejects if one failed. */
  async aheadWritten(): Promise<void> {
    await this.ahead;
    if (this.aheadFailure !== undefined) throw this.aheadFailure;
  }

  /** Everything taken so far is durable (the caller's transaction and every earlier one resolved). */
  writesDurable(): void {
    for (const layer of [...this.inFlight]) this.settle(layer);
  }

  /** A layer whose write resolved: its nodes move to the durable cache. */
  private settle(layer: Map<string, Uint8Array>): void {
    const at = this.inFlight.indexOf(layer);
    if (at < 0) return; // already settled by writesDurable
    this.inFlight.splice(at, 1);
    for (const [k, v] of layer) this.remember(k, v);
  }

  /** Keeps a durable node in memory, dropping the oldest beyond NODE_CACHE_LIMIT. */
  private remember(key: string, value: Uint8Array): void {
    this.durable.set(key, value);
    if (this.durable.size <= NODE_CACHE_LIMIT) return;
    // a tenth at a time, so that the eviction is paid once per ~10,000 insertions
    let drop = NODE_CACHE_LIMIT / 10;
    for (const k of this.durable.keys()) {
      this.durable.delete(k);
      if (--drop === 0) break;
    }
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

function byHashSlot(hash: Uint8Array): number {
  return (((hash[0] as number) << 9) | ((hash[1] as number) << 1) | ((hash[2] as number) >> 7)) & (BY_HASH_SLOTS - 1);
}

function toBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? new Uint8Array(Buffer.from(value, 'hex')) : value;
}
