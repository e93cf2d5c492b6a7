/**
 * The chain's dev-mode parts (ADR 0009) over the memory store: pending state edits seen by reads of the
 * head state only, runs of empty blocks stored as one range, rewinding across them, and reopening.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Account, Address } from '@ethereumjs/util';
import { openChain } from '../../../src/node/index.ts';
import type { Chain } from '../../../src/node/index.ts';
import { applyDevEdits, decodePendingEdits, encodePendingEdits } from '../../../src/node/devEdits.ts';
import type { DevEdit } from '../../../src/rpc/index.ts';
import { createMemoryStore } from '../../../src/storage/index.ts';
import type { KVStore } from '../../../src/storage/index.ts';
import type { Commit } from '../../../src/types/index.ts';
import { ChainError, hexToBytes } from '../../../src/primitives/index.ts';
import { simulateCall } from '../../../src/execution/index.ts';
import type { CallOutcome } from '../../../src/execution/index.ts';
import type { VM } from '@ethereumjs/vm';
import { nextBlockContext, testGenesis } from '../../utils/chain.ts';

const genesis = testGenesis();
const ALICE = new Uint8Array(20).fill(0xa1);

async function mineEmpty(chain: Chain, edits: DevEdit[] = []): Promise<void> {
  const { block, executed } = await chain.buildBlock(nextBlockContext(chain.head()), [], { beginBlock: (state) => applyDevEdits(state, edits) });
  const commit: Commit = { height: block.header.height, round: 0, blockHash: block.hash, signatures: [] };
  await chain.commitBlock(block, executed, commit);
}

async function balanceAt(chain: Chain, height: bigint): Promise<bigint> {
  return (await chain.readState(height).getAccount(new Address(ALICE)))?.balance ?? 0n;
}

async function open(kv: KVStore): Promise<Chain> {
  return openChain(kv, genesis, { allowUnlimitedContractSize: false });
}

describe('pending state edits', () => {
  test('reads at the head see them at once; the block that applies them commits them', async () => {
    const chain = await open(createMemoryStore());
    await mineEmpty(chain);
    const edit: DevEdit = { kind: 'balance', address: ALICE, value: 5n };
    const rootBefore = chain.head().header.stateRoot;
    await chain.applyPendingEdits([edit]);
    assert.equal(chain.head().header.height, 1n, 'no block for an edit');
    assert.deepEqual(chain.head().header.stateRoot, rootBefore, 'the header is what the block committed');
    assert.equal(await balanceAt(chain, 1n), 5n, 'latest reads see the edit');
    assert.equal((await chain.stateAt(1n).getAccount(new Address(ALICE)))?.balance, 5n, 'calls see it too');
    assert.equal(await balanceAt(chain, 0n), 0n, 'older blocks do not');
    await chain.applyPendingEdits([{ kind: 'nonce', address: ALICE, value: 9n }]);
    const account = await chain.readState(1n).getAccount(new Address(ALICE));
    assert.deepEqual([account?.balance, account?.nonce], [5n, 9n], 'edits accumulate');

    await mineEmpty(chain, [edit, { kind: 'nonce', address: ALICE, value: 9n }]);
    assert.equal(await balanceAt(chain, 2n), 5n, 'committed by block 2');
    assert.equal(await balanceAt(chain, 1n), 5n, 'block 1 still reads as it was while it was the head (Hardhat)');
    assert.equal(chain.store.editedRoot(2n), undefined, 'the new head has no edits of its own');
  });

  test('a reset replaces the edits at the head; a rewind forgets those of dropped blocks; a reopen keeps them', async () => {
    const kv = createMemoryStore();
    const chain = await open(kv);
    await chain.applyPendingEdits([{ kind: 'balance', address: ALICE, value: 5n }]);
    await chain.resetPendingEdits([]);
    assert.equal(await balanceAt(chain, 0n), 0n);
    await chain.applyPendingEdits([{ kind: 'balance', address: ALICE, value: 5n }]);
    await chain.resetPendingEdits([{ kind: 'balance', address: ALICE, value: 6n }]);
    assert.equal(await balanceAt(chain, 0n), 6n, 'reset starts from the committed state');
    assert.equal(await balanceAt(await open(kv), 0n), 6n, 'stored');

    await mineEmpty(chain, [{ kind: 'balance', address: ALICE, value: 6n }]);
    await chain.applyPendingEdits([{ kind: 'balance', address: ALICE, value: 7n }]);
    assert.equal(await balanceAt(chain, 1n), 7n);
    await chain.rewindTo(0n);
    await mineEmpty(chain);
    assert.equal(await balanceAt(chain, 1n), 0n, 'a new block 1 does not inherit the dropped one\'s edits');
  });

  test('their stored form round-trips, and is void once the head has moved', () => {
    const edits: DevEdit[] = [
      { kind: 'balance', address: ALICE, value: 10n ** 30n },
      { kind: 'nonce', address: ALICE, value: 0n },
      { kind: 'code', address: ALICE, code: new Uint8Array([0x60, 0x00]) },
      { kind: 'storage', address: ALICE, slot: new Uint8Array(32).fill(1), value: new Uint8Array(32).fill(2) },
    ];
    const head = new Uint8Array(32).fill(3);
    assert.deepEqual(decodePendingEdits(encodePendingEdits(head, edits), head), edits);
    assert.deepEqual(decodePendingEdits(encodePendingEdits(head, edits), new Uint8Array(32)), []);
    assert.deepEqual(decodePendingEdits(undefined, head), []);
  });
});

describe('empty-block ranges', () => {
  test('a million blocks in one write: readable by height and hash, linked, and extended by the next block', async () => {
    const kv = createMemoryStore();
    const chain = await open(kv);
    await mineEmpty(chain);
    const anchor = chain.head();
    const started = performance.now();
    const range = await chain.reserveEmptyBlocks(1_000_000n, 12n, 30_000_000n);
    assert.ok(performance.now() - started < 500, 'constant time');
    assert.deepEqual([range.first, range.last], [2n, 1_000_001n]);
    assert.equal(chain.head().header.height, 1_000_001n);
    assert.equal(chain.head().header.timestamp, anchor.header.timestamp + 12n * 1_000_000n);

    const inside = chain.store.blockByHeight(600_000n);
    assert.ok(inside !== undefined);
    assert.equal(chain.store.heightByHash(inside.hash), 600_000n);
    assert.deepEqual(chain.store.blockByHeight(600_001n)?.header.parentHash, inside.hash);
    assert.deepEqual(chain.store.blockByHeight(2n)?.header.parentHash, anchor.hash);
    assert.equal(chain.store.heightByHash(new Uint8Array(32).fill(9)), undefined);
    assert.deepEqual(chain.blockHash(600_000n), inside.hash, 'BLOCKHASH reads the same hash');

    await mineEmpty(chain);
    assert.deepEqual(chain.head().header.parentHash, chain.store.blockByHeight(1_000_001n)?.hash, 'the next block links to the range');
    assert.equal(await balanceAt(chain, 700_000n), 0n, 'state at a range block is the anchor state');

    const reopened = await open(kv);
    assert.equal(reopened.head().header.height, 1_000_002n);
    assert.deepEqual(reopened.store.blockByHeight(600_000n)?.hash, inside.hash, 'a restart rebuilds the same blocks');
  });

  test('rewinding below a range drops it in one write; into a range cuts it', async () => {
    const chain = await open(createMemoryStore());
    await mineEmpty(chain);
    await chain.reserveEmptyBlocks(100_000n, 1n, 30_000_000n);
    await mineEmpty(chain);
    const kept = chain.store.blockByHeight(50_000n);
    await chain.rewindTo(50_000n);
    assert.equal(chain.head().header.height, 50_000n);
    assert.deepEqual(chain.head().hash, kept?.hash);
    assert.equal(chain.store.blockByHeight(50_001n), undefined);
    await mineEmpty(chain);
    assert.deepEqual(chain.head().header.parentHash, kept?.hash);
    await chain.rewindTo(1n);
    assert.equal(chain.head().header.height, 1n);
    assert.equal(chain.store.blockByHeight(2n), undefined);
    assert.equal(chain.store.heightByHash(kept?.hash as Uint8Array), undefined);
  });
});

describe('the call VM (eth_call, eth_estimateGas)', () => {
  const aliceIn = async (vm: { stateManager: { getAccount(a: Address): Promise<{ balance: bigint } | undefined> } }): Promise<bigint> =>
    (await vm.stateManager.getAccount(new Address(ALICE)))?.balance ?? 0n;

  test('is kept while the head and its root stay, and follows edits, new blocks and older heights', async () => {
    const chain = await open(createMemoryStore());
    const first = await chain.withCallVM(0n, async (vm) => vm);
    assert.equal(await chain.withCallVM(0n, async (vm) => vm), first, 'the same VM for the next call at the same head');
    assert.equal(await chain.withCallVM(0n, aliceIn), 0n);
    await chain.applyPendingEdits([{ kind: 'balance', address: ALICE, value: 5n }]);
    assert.equal(await chain.withCallVM(0n, aliceIn), 5n, 'an edit at the head is seen at once');
    await mineEmpty(chain, [{ kind: 'balance', address: ALICE, value: 5n }]);
    await chain.applyPendingEdits([{ kind: 'balance', address: ALICE, value: 8n }]);
    assert.equal(await chain.withCallVM(1n, aliceIn), 8n, 'the new head, with its edit');
    assert.equal(await chain.withCallVM(0n, aliceIn), 5n, 'block 0 as it read while it was the head');
    assert.equal(await chain.withCallVM(1n, aliceIn), 8n, 'and back');
    await assert.rejects(chain.withCallVM(9n, aliceIn), /block 9 not found/);
    // two are kept, the most recently used: calls queued before a block run between calls at the new head
    const atOne = await chain.withCallVM(1n, async (vm) => vm);
    const atZero = await chain.withCallVM(0n, async (vm) => vm);
    assert.equal(await chain.withCallVM(1n, async (vm) => vm), atOne, 'the head\'s VM survives a call at block 0');
    assert.equal(await chain.withCallVM(0n, async (vm) => vm), atZero, 'and block 0\'s a call at the head');
    await mineEmpty(chain);
    assert.equal(await chain.withCallVM(2n, async (vm) => vm), atOne, 'a third height takes the least recent VM (block 1\'s), moved to its root');
    assert.equal(await chain.withCallVM(1n, aliceIn), 8n, 'block 1 again: the other VM (block 0\'s) moved there');
    assert.equal(await chain.withCallVM(0n, aliceIn), 5n, 'and block 0 again');
    assert.equal(await chain.withCallVM(2n, aliceIn), 5n, 'block 2 was mined without the edit');
  });

  test('a VM moved to another root answers as a new VM there: balances, storage, code, and SSTORE\'s gas', async () => {
    const chain = await open(createMemoryStore());
    const contract = new Uint8Array(20).fill(0xc5);
    const slot0 = new Uint8Array(32);
    // SSTORE(0, 1); RETURN(SLOAD(0)) as read before it: its gas depends on the slot's value at the block (EIP-2200)
    const code = hexToBytes('0x5f54600160005560005260206000f3');
    const call = (vm: VM): Promise<CallOutcome> => {
      const head = chain.head().header;
      const env = { height: head.height, timestamp: head.timestamp, coinbase: new Uint8Array(20), gasLimit: head.gasLimit, baseFeePerGas: 0n, prevRandao: new Uint8Array(32) };
      return simulateCall(vm, chain.txCommon, env, { from: ALICE, to: contract }, 1_000_000n);
    };
    const seen = new Set<unknown>();
    const steps: DevEdit[][] = [
      [{ kind: 'code', address: contract, code }],
      [{ kind: 'storage', address: contract, slot: slot0, value: hexToBytes('0x05') }, { kind: 'balance', address: ALICE, value: 7n }],
      [{ kind: 'storage', address: contract, slot: slot0, value: hexToBytes('0x01') }],
      [{ kind: 'storage', address: contract, slot: slot0, value: new Uint8Array() }, { kind: 'balance', address: ALICE, value: 0n }],
      [{ kind: 'code', address: contract, code: new Uint8Array() }],
    ];
    for (const edits of steps) {
      await mineEmpty(chain, edits);
      const height = chain.head().header.height;
      const kept = await chain.withCallVM(height, async (vm) => {
        seen.add(vm);
        return { out: await call(vm), alice: await aliceIn(vm), code: await vm.stateManager.getCode(new Address(contract)) };
      });
      const fresh = await chain.vmAt(height);
      assert.deepEqual(kept, { out: await call(fresh), alice: await aliceIn(fresh), code: await fresh.stateManager.getCode(new Address(contract)) }, `block ${height}`);
    }
    assert.equal(seen.size, 2, 'two VMs (CALL_VMS) served the five heads: each later root moved the least recent');
  });

  test('calls run one at a time: one never sees another\'s changes, and a failed one does not stop the next', async () => {
    const chain = await open(createMemoryStore());
    await chain.withCallVM(0n, async () => undefined); // made: both calls below get this one VM
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let changed: () => void = () => undefined;
    const written = new Promise<void>((r) => (changed = r));
    const writer = chain.withCallVM(0n, async (vm) => {
      const state = vm.stateManager;
      await state.checkpoint();
      const account = (await state.getAccount(new Address(ALICE))) ?? new Account();
      account.balance = 99n;
      await state.putAccount(new Address(ALICE), account);
      changed();
      await gate; // holds its change while the others are asked for
      const seen = await aliceIn(vm);
      await state.revert();
      return seen;
    });
    await written;
    const failing = chain.withCallVM(0n, async () => {
      throw new Error('boom');
    });
    const reader = chain.withCallVM(0n, aliceIn);
    setTimeout(release, 10);
    assert.equal(await writer, 99n, 'the writer saw its own change');
    await assert.rejects(failing, /boom/);
    assert.equal(await reader, 0n, 'the reader ran after the writer reverted');
  });

  test('a VM a call left in the middle of a run is not used again; one that ended in an outcome is', async () => {
    const chain = await open(createMemoryStore());
    const first = await chain.withCallVM(0n, async (vm) => vm);
    await assert.rejects(chain.withCallVM(0n, async () => Promise.reject(new ChainError('EXECUTION_REVERTED', 'execution reverted'))), /reverted/);
    assert.equal(await chain.withCallVM(0n, async (vm) => vm), first, 'a revert is an outcome: the VM is kept');
    await assert.rejects(chain.withCallVM(0n, async () => Promise.reject(new Error('Missing node in DB'))), /Missing node/);
    assert.notEqual(await chain.withCallVM(0n, async (vm) => vm), first, 'after an error mid-run, a new VM');
  });
});
