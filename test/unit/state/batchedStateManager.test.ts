/**
 * createWorldState's state manager (one sorted trie pass per flush) against @ethereumjs's MerkleStateManager
 * (one put per change), both with caches over their own node store, through the same random blocks:
 * accounts created, updated and deleted, storage written, zeroed and cleared, code set, transactions
 * committed or reverted inside a block checkpoint, mid-block flushes (BlockBuilder.flushState), blocks
 * accepted or aborted (revert + setStateRoot, as BlockBuilder.abort). Same root at every seal; every node
 * the batched side stored is byte for byte the reference's under the same key (or, a reverted block's node only
 * it stored, is stored under its own hash); a cache-less state opened
 * at the batched root over the batched side's own nodes reads back every account, slot and code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MerklePatriciaTrie } from '@ethereumjs/mpt';
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager';
import { Account, Address, ValueEncoding } from '@ethereumjs/util';
import fc from 'fast-check';
import { createChainCommon } from '../../../src/evm/index.ts';
import { keccak256 } from '../../../src/crypto/index.ts';
import { TrieNodeStore, createWorldState } from '../../../src/state/index.ts';
import type { WorldState } from '../../../src/state/index.ts';
import { createMemoryStore } from '../../../src/storage/index.ts';
import type { KVStore } from '../../../src/storage/index.ts';

const common = createChainCommon(1234n, 'osaka');
const ADDRESSES = Array.from({ length: 7 }, (_, i) => new Address(Uint8Array.from({ length: 20 }, (_, j) => (j === 19 ? i + 1 : j === 0 ? 0xaa : 0))));
const SLOTS = Array.from({ length: 5 }, (_, i) => Uint8Array.from({ length: 32 }, (_, j) => (j === 31 ? i : 0)));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

type Op =
  | { kind: 'account'; a: number; nonce: number; balance: bigint }
  | { kind: 'delete'; a: number }
  | { kind: 'storage'; a: number; slot: number; value: Uint8Array }
  | { kind: 'clear'; a: number }
  | { kind: 'code'; a: number; code: Uint8Array };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('account' as const), a: fc.nat(6), nonce: fc.nat(3), balance: fc.bigInt({ min: 0n, max: 10n ** 20n }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), a: fc.nat(6) }) },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('storage' as const), a: fc.nat(6), slot: fc.nat(4), value: fc.oneof(fc.constant(new Uint8Array(32)), fc.uint8Array({ minLength: 1, maxLength: 2 }), fc.uint8Array({ minLength: 32, maxLength: 32 })) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const), a: fc.nat(6) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('code' as const), a: fc.nat(6), code: fc.uint8Array({ minLength: 1, maxLength: 40 }) }) },
);
const txArb = fc.record({ ops: fc.array(opArb, { minLength: 1, maxLength: 6 }), revert: fc.boolean() });
const blockArb = fc.record({ txs: fc.array(txArb, { minLength: 0, maxLength: 6 }), flushAfter: fc.option(fc.nat(5), { nil: undefined }), abort: fc.nat(5) });

interface Side {
  kv: KVStore;
  nodes: TrieNodeStore;
  state: WorldState;
  written: Map<string, Uint8Array>;
  reads: string[];
}

function side(reference: boolean): Side {
  const kv = createMemoryStore();
  const nodes = new TrieNodeStore(kv);
  const state = reference
    ? new MerkleStateManager({ trie: new MerklePatriciaTrie({ db: nodes, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common }), common, prefixStorageTrieKeys: true, caches: new Caches() })
    : createWorldState(nodes, common, undefined, { caches: true });
  return { kv, nodes, state, written: new Map(), reads: [] };
}

/** Runs `op`; a storage write first reads every slot of its account into `reads` (both sides must see the same). */
async function apply(state: WorldState, op: Op, reads: string[]): Promise<void> {
  const address = ADDRESSES[op.a] as Address;
  switch (op.kind) {
    case 'account':
      await state.putAccount(address, new Account(BigInt(op.nonce), op.balance, (await state.getAccount(address))?.storageRoot, (await state.getAccount(address))?.codeHash));
      return;
    case 'delete':
      await state.deleteAccount(address);
      return;
    case 'storage':
      if ((await state.getAccount(address)) === undefined) return;
      for (const slot of SLOTS) reads.push(hex(await state.getStorage(address, slot)));
      await state.putStorage(address, SLOTS[op.slot] as Uint8Array, op.value);
      return;
    case 'clear':
      if ((await state.getAccount(address)) !== undefined) await state.clearStorage(address);
      return;
    case 'code':
      await state.putCode(address, op.code);
      return;
  }
}

async function persist(s: Side): Promise<void> {
  const writes = s.nodes.takeWrites();
  await s.kv.write(writes);
  s.nodes.writesDurable();
  for (const w of writes) if (w.value !== null) s.written.set(hex(w.key), w.value);
}

describe('batched state manager', () => {
  it('gives MerkleStateManager roots and nodes on random blocks', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(blockArb, { minLength: 1, maxLength: 6 }), async (blocks) => {
        const sides = [side(true), side(false)] as const;
        for (const block of blocks) {
          const roots: string[] = [];
          for (const s of sides) {
            const { state } = s;
            const parent = await state.getStateRoot();
            await state.checkpoint();
            for (const [i, tx] of block.txs.entries()) {
              await state.checkpoint();
              for (const op of tx.ops) await apply(state, op, s.reads);
              if (tx.revert) await state.revert();
              else await state.commit();
              if (block.flushAfter === i) await state.flush(); // BlockBuilder.flushState
            }
            roots.push(hex(await state.getStateRoot()));
            if (block.abort === 0) {
              await state.revert();
              await state.setStateRoot(parent); // as BlockBuilder.abort after a flush (the seal flushed)
            } else {
              await state.commit();
            }
            roots.push(hex(await state.getStateRoot()));
            await persist(s);
          }
          assert.deepEqual(roots.slice(2), roots.slice(0, 2), 'same roots at the seal and after accept/abort');
        }
        const [reference, batched] = sides;
        assert.deepEqual(batched.reads, reference.reads, 'the same storage values read inside blocks');
        for (const [key, value] of batched.written) {
          const want = reference.written.get(key);
          if (want !== undefined) assert.deepEqual(value, want, `node ${key}`);
          // one only this side wrote is a reverted block's node (they skip the checkpoint layers): still content-addressed
          else assert.ok(key.endsWith(hex(keccak256(value))), `node ${key} is stored under its hash`);
        }
        // a cache-less state over the batched side's nodes only, at its root
        const root = await batched.state.getStateRoot();
        const fresh = new MerkleStateManager({ trie: new MerklePatriciaTrie({ db: new TrieNodeStore(batched.kv), useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common, root }), common, prefixStorageTrieKeys: true });
        for (const address of ADDRESSES) {
          const want = await reference.state.getAccount(address);
          const got = await fresh.getAccount(address);
          assert.deepEqual(got?.serialize(), want?.serialize());
          assert.deepEqual(await fresh.getCode(address), await reference.state.getCode(address));
          for (const slot of SLOTS) assert.deepEqual(await fresh.getStorage(address, slot), await reference.state.getStorage(address, slot));
        }
      }),
      { seed: 20261128, numRuns: 100 },
    );
  });
});
