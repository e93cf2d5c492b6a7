import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MerklePatriciaTrie } from '@ethereumjs/mpt';
import fc from 'fast-check';
import { OrderedTrie, orderedTrieRoot, trieRoot } from '../../../src/execution/index.ts';
import { RLP } from '../../../src/encoding/index.ts';
import { bytesToHex } from '../../../src/primitives/index.ts';

/** The reference path: @ethereumjs/mpt inserting one key at a time. */
async function referenceRoot(items: Array<{ key: Uint8Array; value: Uint8Array }>): Promise<Uint8Array> {
  const trie = new MerklePatriciaTrie();
  for (const { key, value } of items) await trie.put(key, value);
  return trie.root();
}

describe('trieRoot (bottom-up) equals @ethereumjs/mpt', () => {
  test('known vectors: empty trie, one item, ordered indices across the RLP(127)/RLP(128) boundary', async () => {
    assert.equal(bytesToHex(orderedTrieRoot([])), '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421');
    for (const n of [1, 2, 16, 17, 127, 128, 129, 300]) {
      const values = Array.from({ length: n }, (_, i) => new Uint8Array([1, i & 0xff, (i >> 8) & 0xff]));
      const expected = await referenceRoot(values.map((value, i) => ({ key: RLP.encode(i), value })));
      assert.equal(bytesToHex(orderedTrieRoot(values)), bytesToHex(expected), `n=${n}`);
    }
  });

  test('random keys and values (property, seeded)', async () => {
    const item = fc.record({ key: fc.uint8Array({ minLength: 0, maxLength: 6 }), value: fc.uint8Array({ minLength: 1, maxLength: 70 }) });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(item, { selector: (i) => Buffer.from(i.key).toString('hex'), maxLength: 40 }), async (items) => {
        assert.equal(bytesToHex(trieRoot(items)), bytesToHex(await referenceRoot(items)));
      }),
      { numRuns: 300, seed: 20261127 },
    );
  });

  test('an OrderedTrie asked for its root while it grows gives the root of what it holds (property, seeded)', async () => {
    // sizes cross RLP(0)/RLP(127)/RLP(128)/RLP(255)/RLP(256), and roots are asked at random points, so
    // memoised subtrees are reused across appends that fall into them and beside them
    const value = fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.uint8Array({ minLength: 33, maxLength: 90 }));
    const step = fc.record({ values: fc.array(value, { minLength: 1, maxLength: 90 }), ask: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        const trie = new OrderedTrie();
        const all: Uint8Array[] = [];
        for (const { values, ask } of steps) {
          for (const v of values) {
            trie.push(v);
            all.push(v);
          }
          if (ask) assert.equal(bytesToHex(trie.root()), bytesToHex(orderedTrieRoot(all)), `after ${all.length}`);
        }
        assert.equal(bytesToHex(trie.root()), bytesToHex(await referenceRoot(all.map((v, i) => ({ key: RLP.encode(i), value: v })))), `${all.length} items`);
        assert.equal(trie.length, all.length);
      }),
      { numRuns: 150, seed: 20261128 },
    );
  });
});
