import { open } from 'lmdb';
import { IN_HEAP_MAX } from '../primitives/index.ts';
import type { KVStore } from './kvStore.ts';

/**
 * lmdb backend (ADR 0002): synchronous memory-mapped reads (400k/s on this machine against 32-77k for
 * LevelDB) and ACID write transactions, so a `kill -9` leaves the last committed block intact.
 */
export function createLmdbStore(path: string): KVStore {
  const db = open<Buffer, Buffer>({
    path,
    keyEncoding: 'binary',
    encoding: 'binary',
    compression: false,
  });
  // PERF: a key or node of 64 bytes or less lives in V8's heap, and its `.buffer` would move it out (two mallocs:
  // primitives/bytes.ts, SCRATCH); a copy into node's Buffer pool costs none. A block writes thousands of them.
  const toBuffer = (b: Uint8Array): Buffer => (b.length <= IN_HEAP_MAX ? Buffer.from(b) : Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  return {
    get(key) {
      const value = db.getBinary(toBuffer(key));
      return value === undefined ? undefined : new Uint8Array(value.buffer, value.byteOffset, value.byteLength); // getBinary returns a fresh copy
    },
    async write(writes) {
      // PERF: one atomic batch of asynchronous writes, which lmdb-js applies on its own write thread; the
      // same writes as synchronous puts inside a transaction callback ran on this thread (ADR 0018)
      await db.batch(() => {
        for (const w of writes) {
          if (w.value === null) void db.remove(toBuffer(w.key));
          else void db.put(toBuffer(w.key), toBuffer(w.value));
        }
      });
    },
    *entries(prefix) {
      const start = toBuffer(prefix);
      for (const { key, value } of db.getRange({ start })) {
        const k = key as Buffer;
        if (k.length < start.length || !k.subarray(0, start.length).equals(start)) break;
        yield [new Uint8Array(k), new Uint8Array(value)];
      }
    },
    refresh() {
      // lmdb-js keeps a read transaction until a 0 ms timer resets it: a message from the writer thread
      // can arrive before that timer, and reads would still see the snapshot from before its commit
      db.resetReadTxn();
    },
    async close() {
      await db.close();
    },
  };
}
