import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keccak256 } from '../../../src/crypto/index.ts';
import { TrieNodeStore } from '../../../src/state/index.ts';
import { STATE_PREFIX, createMemoryStore } from '../../../src/storage/index.ts';
import type { KVStore, KVWrite } from '../../../src/storage/index.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** A node and its key, as the state manager stores it (content-addressed). */
function node(i: number): { key: string; dbKey: Uint8Array; value: Uint8Array } {
  const value = new Uint8Array([0xc2, 0x80 + (i & 0x3f), i >> 6]);
  const dbKey = keccak256(value);
  return { key: hex(dbKey), dbKey, value };
}
const onDisk = (kv: KVStore, n: ReturnType<typeof node>): Uint8Array | undefined => kv.get(new Uint8Array([...STATE_PREFIX, ...n.dbKey]));

/** A KV store whose writes can be held back or made to fail. */
function controlledStore(): { kv: KVStore; release: () => void; failNext: () => void } {
  const inner = createMemoryStore();
  let held: Array<() => void> = [];
  let fail = false;
  const kv: KVStore = {
    ...inner,
    get: (k) => inner.get(k),
    entries: (p) => inner.entries(p),
    write(writes: KVWrite[]) {
      if (fail) {
        fail = false;
        return Promise.reject(new Error('disk full'));
      }
      return new Promise<void>((resolve) => held.push(() => void inner.write(writes).then(resolve)));
    },
  };
  return {
    kv,
    release: () => {
      const run = held;
      held = [];
      for (const f of run) f();
    },
    failNext: () => (fail = true),
  };
}

describe('TrieNodeStore', () => {
  it('serves nodes written ahead while their write is in flight, and from memory once durable', async () => {
    const { kv, release } = controlledStore();
    const store = new TrieNodeStore(kv);
    const a = node(1);
    const b = node(2);
    store.putNode(a.key, a.dbKey, a.value);
    store.writeAhead();
    assert.deepEqual(await store.get(a.key), a.value, 'readable while its write is held');
    assert.equal(onDisk(kv, a), undefined);
    store.putNode(b.key, b.dbKey, b.value);
    const writes = store.takeWrites();
    assert.deepEqual(writes.map((w) => hex(w.key)), [hex(new Uint8Array([...STATE_PREFIX, ...b.dbKey]))], 'the block write carries only what was not written ahead');
    const ahead = store.aheadWritten();
    release();
    await ahead;
    const durable = (store as unknown as { durable: Map<string, Uint8Array> }).durable;
    assert.ok(durable.has(a.key) && !durable.has(b.key), 'a node written ahead is cached as durable once its own write resolves');
    const blockWrite = kv.write(writes);
    release();
    await blockWrite;
    store.writesDurable();
    assert.deepEqual(onDisk(kv, a), a.value);
    assert.deepEqual(await store.get(b.key), b.value);
  });

  it('reports a failed write ahead, so that no block is stored without its nodes', async () => {
    const { kv, failNext } = controlledStore();
    const store = new TrieNodeStore(kv);
    const a = node(3);
    store.putNode(a.key, a.dbKey, a.value);
    failNext();
    store.writeAhead();
    await assert.rejects(store.aheadWritten(), /disk full/);
  });

  it('does not write again a node it holds (CheckpointDB hands back what it read)', async () => {
    const kv = createMemoryStore();
    const store = new TrieNodeStore(kv);
    const a = node(4);
    store.putNode(a.key, a.dbKey, a.value);
    await kv.write(store.takeWrites());
    store.writesDurable();
    await store.put(a.key, a.value); // a read copy coming back through the MPT's batch
    assert.equal(store.takeWrites().length, 0);
  });

  it('keeps a bounded number of nodes in memory and still reads the rest from disk', async () => {
    const kv = createMemoryStore();
    const store = new TrieNodeStore(kv);
    const nodes = Array.from({ length: 3000 }, (_, i) => node(i));
    for (let block = 0; block < 60; block++) {
      // each block writes 3,000 new nodes (a layer of its own)
      for (const n of nodes) {
        const dbKey = new Uint8Array([...n.dbKey, block]);
        store.putNode(hex(dbKey), dbKey, n.value);
      }
      await kv.write(store.takeWrites());
      store.writesDurable();
    }
    const cached = (store as unknown as { durable: Map<string, Uint8Array> }).durable.size;
    assert.ok(cached <= 100_000 && cached >= 90_000, `${cached} nodes kept`);
    const first = nodes[0] as ReturnType<typeof node>;
    assert.deepEqual(await store.get(hex(new Uint8Array([...first.dbKey, 0]))), first.value, 'an evicted node is read back from disk');
  });
});

describe('TrieNodeStore by-hash table', () => {
  const node = (n: number) => new Uint8Array(40).fill(n);

  it('answers a node for an equal hash held in another array, and nothing for a hash it was not given', () => {
    const store = new TrieNodeStore(createMemoryStore());
    const hash = keccak256(node(1));
    store.knowByHash(hash, node(1));
    assert.deepEqual(store.nodeByHash(hash.slice()), node(1));
    assert.equal(store.nodeByHash(keccak256(node(2))), undefined);
    assert.equal(store.nodeByHash(hash.subarray(0, 20)), undefined, 'not a 32-byte hash');
  });

  it('a hash sharing the slot but not every byte is a miss; the slot keeps the last node it was given', () => {
    const store = new TrieNodeStore(createMemoryStore());
    const first = keccak256(node(3));
    for (const at of [31, 16, 2]) {
      const other = first.slice();
      other[at] = (other[at] as number) ^ (at === 2 ? 0x01 : 0x80); // byte 2's top bit is part of the slot: flip a low one
      store.knowByHash(first, node(3));
      assert.equal(store.nodeByHash(other), undefined, `differs in byte ${at}`);
      store.knowByHash(other, node(4));
      assert.deepEqual(store.nodeByHash(other), node(4));
      assert.equal(store.nodeByHash(first), undefined, 'evicted by the later node of its slot');
    }
  });
});
