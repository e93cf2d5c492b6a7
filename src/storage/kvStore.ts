/**
 * The storage boundary. Reads are synchronous because the chosen backend (lmdb, memory-mapped) answers
 * in microseconds and the EVM makes many small reads; writes are applied as one atomic, durable batch,
 * which is how a block, its receipts and its state become visible together or not at all.
 */
import { bytesKey, keyBytes } from '../primitives/index.ts';

export interface KVWrite {
  key: Uint8Array;
  value: Uint8Array | null; // null deletes
}

export interface KVStore {
  get(key: Uint8Array): Uint8Array | undefined;
  /** Applies every write in one atomic transaction; resolves once it is durable. */
  write(writes: KVWrite[]): Promise<void>;
  /** Keys and values with the given prefix, in key order. */
  entries(prefix: Uint8Array): Iterable<[Uint8Array, Uint8Array]>;
  /**
   * Makes the next reads see what other writers (another thread's handle on the same database) have
   * committed. Reads otherwise may keep a snapshot for the rest of the event-loop turn.
   */
  refresh(): void;
  close(): Promise<void>;
}

const keyOf = bytesKey;

/** The in-memory twin, for unit tests and simulations. */
export function createMemoryStore(): KVStore {
  const map = new Map<string, Uint8Array>();
  return {
    get: (key) => map.get(keyOf(key)),
    async write(writes) {
      for (const w of writes) {
        if (w.value === null) map.delete(keyOf(w.key));
        else map.set(keyOf(w.key), w.value);
      }
    },
    *entries(prefix) {
      const p = keyOf(prefix);
      const keys = [...map.keys()].filter((k) => k.startsWith(p)).sort();
      for (const k of keys) yield [keyBytes(k), map.get(k) as Uint8Array];
    },
    refresh() {}, // one map, no snapshots
    async close() {},
  };
}
