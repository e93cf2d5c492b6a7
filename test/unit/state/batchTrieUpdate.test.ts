/**
 * The one-pass trie update must be invisible: random histories of puts, updates and deletes, applied one at
 * a time by @ethereumjs/mpt (the reference) and block by block by applyTrieChanges, give the same root after
 * every block, every node the batch stored is byte for byte the node the reference stored under that hash,
 * and a fresh MPT opened at the batch root over the batch's own nodes reads back exactly the expected keys.
 * Keys share long prefixes (so leaves sit deep, nodes under 32 bytes stay inline, extensions split and
 * merge), tries go down to one key and to empty. Seeded (fast-check): a failure prints its seed and replays.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MerklePatriciaTrie } from '@ethereumjs/mpt';
import { MapDB, ValueEncoding } from '@ethereumjs/util';
import fc from 'fast-check';
import { EMPTY_ROOT, applyTrieChanges, lookupTrie } from '../../../src/state/batchTrieUpdate.ts';
import type { TrieChange } from '../../../src/state/batchTrieUpdate.ts';
import { keccak256 } from '../../../src/crypto/index.ts';

const SEED = 20261127;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

type Op = { key: number; value: Uint8Array | null };

/**
 * A pool of 32-byte keys: a few random bases, each varied at one position (the last byte, the last two, a
 * middle byte, the first byte), so keys share prefixes of 0 to 63 nibbles.
 */
const keyPoolArb = fc
  .record({
    bases: fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 3 }),
    variants: fc.array(fc.record({ base: fc.nat(2), at: fc.constantFrom(31, 31, 31, 30, 16, 0), byte: fc.constantFrom(0x00, 0x01, 0x10, 0x11, 0x1f, 0xf1, 0x80, 0xff, 0x7e) }), { minLength: 1, maxLength: 14 }),
  })
  .map(({ bases, variants }) => {
    const keys = new Map<string, Uint8Array>();
    for (const v of variants) {
      const key = Uint8Array.from(bases[v.base % bases.length] as Uint8Array);
      key[v.at] = v.byte;
      keys.set(hex(key), key);
    }
    return [...keys.values()];
  });

/** Short values keep deep leaves under 32 bytes (inline); long ones force hashing. */
const valueArb = fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 3 }), fc.uint8Array({ minLength: 1, maxLength: 12 }), fc.uint8Array({ minLength: 33, maxLength: 70 }));

const opArb = fc.record({ key: fc.nat(13), value: fc.option(valueArb, { freq: 3, nil: null }) });
/** A block: some ops, or (1 in 8) a delete of every key in the pool, which empties the trie. */
const blockArb = fc.oneof({ weight: 7, arbitrary: fc.array(opArb, { minLength: 0, maxLength: 25 }) }, { weight: 1, arbitrary: fc.constant('clear' as const) });

function referenceTrie(): MerklePatriciaTrie {
  return new MerklePatriciaTrie({ useKeyHashing: false });
}
function dbMap(trie: MerklePatriciaTrie): Map<string, Uint8Array> {
  return (trie.database().db as MapDB<string, Uint8Array>)._database;
}

describe('batch trie update', () => {
  it('gives @ethereumjs/mpt roots and nodes on random histories', async () => {
    await fc.assert(
      fc.asyncProperty(keyPoolArb, fc.array(blockArb, { minLength: 1, maxLength: 8 }), async (keys, blocks) => {
        const reference = referenceTrie();
        const batchNodes = new Map<string, Uint8Array>(); // the batch path's node store: only what it wrote
        const expected = new Map<string, Uint8Array>();
        let root = EMPTY_ROOT;
        for (const block of blocks) {
          const ops: Op[] = block === 'clear' ? keys.map((_, key) => ({ key, value: null })) : block;
          const changes: TrieChange[] = [];
          for (const op of ops) {
            const key = keys[op.key % keys.length] as Uint8Array;
            if (op.value === null) {
              await reference.del(key);
              expected.delete(hex(key));
            } else {
              await reference.put(key, op.value);
              expected.set(hex(key), op.value);
            }
            changes.push({ key, value: op.value });
          }
          const update = await applyTrieChanges(root, async (h) => batchNodes.get(hex(h)), changes);
          const stored = new Set<string>();
          for (const node of update.nodes) {
            const k = hex(node.hash);
            assert.equal(k, hex(keccak256(node.encoded)), 'a node is stored under its hash');
            assert.ok(!stored.has(k) || update.nodes.length === 0, 'each node is stored once');
            stored.add(k);
            assert.deepEqual(dbMap(reference).get(k), node.encoded, 'the reference holds the same bytes under that hash');
            batchNodes.set(k, node.encoded);
          }
          root = update.root;
          assert.equal(hex(root), hex(reference.root()), 'same root as one put at a time');
          // a fresh trie over the batch's own nodes reads back every key of the pool (deleted ones as missing)
          const fresh = new MerklePatriciaTrie({ useKeyHashing: false, db: new MapDB(new Map(batchNodes)), valueEncoding: ValueEncoding.Bytes, root });
          const empty = hex(root) === hex(EMPTY_ROOT);
          for (const key of keys) {
            const got = await fresh.get(key, !empty); // a missing node throws
            const want = expected.get(hex(key));
            assert.deepEqual(got === null ? undefined : got, want, `key ${hex(key)}`);
            // the state manager's read path walks the same nodes to the same answer
            assert.deepEqual(await lookupTrie(root, key, async (h) => batchNodes.get(hex(h))), want, `lookupTrie ${hex(key)}`);
          }
          const absent = Uint8Array.from(keys[0] as Uint8Array);
          absent[31] = (absent[31] as number) ^ 0x5a; // shares 62 nibbles with a key of the pool
          if (!expected.has(hex(absent))) assert.equal(await lookupTrie(root, absent, async (h) => batchNodes.get(hex(h))), undefined);
        }
      }),
      { seed: SEED, numRuns: 120 },
    );
  });

  it('reaches @ethereumjs roots with hashed keys from a trie the MPT built', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(400), { minLength: 1, maxLength: 60 }), fc.array(fc.record({ id: fc.nat(500), value: fc.option(valueArb, { nil: null }) }), { minLength: 1, maxLength: 120 }), async (initial, ops) => {
        const keyOf = (id: number): Uint8Array => keccak256(Uint8Array.of(id >> 8, id & 0xff));
        const reference = referenceTrie();
        for (const id of initial) await reference.put(keyOf(id), Uint8Array.of(1, id & 0xff));
        const before = reference.root();
        const snapshot = new Map(dbMap(reference));
        for (const op of ops) {
          if (op.value === null) await reference.del(keyOf(op.id));
          else await reference.put(keyOf(op.id), op.value);
        }
        const update = await applyTrieChanges(before, async (h) => snapshot.get(hex(h)), ops.map((op) => ({ key: keyOf(op.id), value: op.value })));
        assert.equal(hex(update.root), hex(reference.root()));
        for (const node of update.nodes) assert.deepEqual(dbMap(reference).get(hex(node.hash)), node.encoded);
      }),
      { seed: SEED + 1, numRuns: 60 },
    );
  });

  it('handles the small cases: no change, a delete of a missing key, one key, back to empty', async () => {
    const read = async (): Promise<undefined> => undefined;
    assert.deepEqual(await applyTrieChanges(EMPTY_ROOT, read, []), { root: EMPTY_ROOT, nodes: [] });
    assert.equal(hex((await applyTrieChanges(EMPTY_ROOT, read, [{ key: new Uint8Array(32), value: null }])).root), hex(EMPTY_ROOT));
    const reference = referenceTrie();
    const key = new Uint8Array(32).fill(7);
    await reference.put(key, Uint8Array.of(1));
    const one = await applyTrieChanges(EMPTY_ROOT, read, [{ key, value: Uint8Array.of(1) }]);
    assert.equal(hex(one.root), hex(reference.root()));
    assert.equal(one.nodes.length, 1, 'a root under 32 bytes is still stored by hash');
    const nodes = new Map(one.nodes.map((n) => [hex(n.hash), n.encoded]));
    const gone = await applyTrieChanges(one.root, async (h) => nodes.get(hex(h)), [{ key, value: null }]);
    assert.deepEqual(gone, { root: EMPTY_ROOT, nodes: [] });
    await assert.rejects(applyTrieChanges(one.root, read, [{ key, value: null }]), /Missing node/);
    await assert.rejects(applyTrieChanges(EMPTY_ROOT, read, [{ key, value: Uint8Array.of(1) }, { key: new Uint8Array(31), value: Uint8Array.of(1) }]), /one length/);
  });
});
