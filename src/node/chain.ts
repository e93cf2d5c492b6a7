/**
 * The chain as the node holds it: the committed head, the head world state (with caches, used to build
 * the next block), and read access to any committed block and the state at it. Committing a block writes
 * the block, its receipts, its commit, its tx index and its new state nodes in one transaction.
 *
 * Dev mode adds two things (ADR 0009): state edits that no block has committed yet, which reads at the
 * head see at once (the head gets an "edited root": its own state root with the edits applied, stored
 * with its trie nodes; reads at that block keep seeing it later, as on Hardhat), and runs of empty blocks
 * stored as one record each.
 */
import { createChainCommon, createExecutionVM, createTxCommon } from '../evm/index.ts';
import type { Common, VM } from '../evm/index.ts';
import { BlockBuilder, applyGenesis, executeBlock, isCallOutcome, nativeContractsOf, systemHooksOf } from '../execution/index.ts';
import type { BlockContext, BlockHooks, ExecutedBlock, ValidatedTx } from '../execution/index.ts';
import { EVM_HARDFORK } from '../params/index.ts';
import { ChainError, bytesToHex, equalBytes, hexToBytes, invariant } from '../primitives/index.ts';
import { keccak256 } from '../crypto/index.ts';
import { TrieNodeStore, createCallState, createWorldState, repointCallState } from '../state/index.ts';
import type { WorldState } from '../state/index.ts';
import { createChainStore, createMemoryStore } from '../storage/index.ts';
import type { ChainStore, KVStore, KVWrite } from '../storage/index.ts';
import { createBlock } from '../types/index.ts';
import type { Block, Commit, EmptyRange, Genesis } from '../types/index.ts';
import type { DevEdit } from '../rpc/index.ts';
import { applyDevEdits } from './devEdits.ts';

export interface ChainOptions {
  allowUnlimitedContractSize: boolean;
  /**
   * The chain's own block logic, run in every block it builds or applies; by default what genesis says
   * (staking's end of block, execution/chainSystem.ts). Per-call hooks (dev edits) run after
   * `system.beginBlock`.
   */
  system?: BlockHooks;
}

export interface Chain {
  readonly common: Common;
  readonly txCommon: Common;
  readonly store: ChainStore;
  readonly genesis: Genesis;
  head(): Block;
  /** Executes candidate txs on the head state; the result becomes the head only through commitBlock. */
  buildBlock(ctx: BlockContext, candidates: Iterable<ValidatedTx>, hooks?: BlockHooks): Promise<{ block: Block; executed: ExecutedBlock }>;
  /** Opens the next block on the head state for transactions added in batches (see BlockBuilder). */
  openBlock(ctx: BlockContext, hooks?: BlockHooks): Promise<BlockBuilder>;
  /**
   * Starts storing the state nodes an open block has made so far (BlockBuilder.flushState), ahead of its
   * decision: an execution worker with nothing else to do. Harmless if the block is dropped (see TrieNodeStore).
   */
  writeStateAhead(): void;
  /** Stores a decided block with what its execution produced (its receipts' encoding, if made already), and makes it the head. */
  commitBlock(block: Block, executed: Pick<ExecutedBlock, 'receipts' | 'encodedReceipts' | 'transactions' | 'validatorUpdates'>, commit: Commit): Promise<void>;
  /** A fresh, isolated world state at a committed height (never written back). */
  stateAt(height: bigint): WorldState;
  /**
   * Read-only state at a committed height. For the head it is one shared, cached view (rebuilt when the
   * head moves), which is what makes mempool admission cheap; callers must never write to it.
   */
  readState(height: bigint): WorldState;
  vmAt(height: bigint, state?: WorldState): Promise<VM>;
  /**
   * Runs `fn` alone on a VM over the state at `height`, kept for the next caller at the same height and root
   * (eth_call, eth_estimateGas). `fn` must leave the state as it found it (runCall checkpoints and reverts);
   * callers queue, so one call's changes are never seen by another.
   */
  withCallVM<T>(height: bigint, fn: (vm: VM) => Promise<T>): Promise<T>;
  blockHash(height: bigint): Uint8Array | undefined;
  /**
   * Makes the block at `height` the head, forgetting every block and empty range above it (evm_revert).
   * With a height above the head it adopts blocks another writer stored (an execution worker following
   * a range the main thread reserved).
   */
  rewindTo(height: bigint): Promise<void>;
  /**
   * Dev mode: `count` empty blocks on top of the head, stored as one range record; the last becomes the
   * head. O(1) whatever the count (hardhat_mine).
   */
  reserveEmptyBlocks(count: bigint, intervalSec: bigint, gasLimit: bigint): Promise<EmptyRange>;
  /**
   * Dev mode: applies edits on top of the head's state without a block, storing the result as the head's
   * edited root (with `alsoWrite`, in the same transaction). Reads at the head (readState/stateAt) see it
   * at once and keep seeing it at this height after later blocks; the next block is expected to apply the
   * same edits in its beginBlock, so it starts from this state. Callers serialise this with blocks.
   */
  applyPendingEdits(edits: readonly DevEdit[], alsoWrite?: KVWrite[]): Promise<void>;
  /** Dev mode (evm_revert): the head's edited root becomes its own root with `edits` (none: no edited root). */
  resetPendingEdits(edits: readonly DevEdit[], alsoWrite?: KVWrite[]): Promise<void>;
  /** Re-reads the head after another thread committed or rewound blocks in the same database (`known`: a block this thread has, if it is the new head). */
  reloadHead(known?: Block): Promise<void>;
  close(): Promise<void>;
}

export async function openChain(kv: KVStore, genesis: Genesis, opts: ChainOptions): Promise<Chain> {
  const common = createChainCommon(genesis.chainId, EVM_HARDFORK);
  const txCommon = createTxCommon(common);
  const store = createChainStore(kv);
  const nodes = new TrieNodeStore(kv);
  const vmOptions = { allowUnlimitedContractSize: opts.allowUnlimitedContractSize, nativeContracts: nativeContractsOf(genesis) };

  const system = opts.system ?? systemHooksOf(genesis);
  const withSystem = (hooks: BlockHooks = {}): BlockHooks => ({
    beginBlock: async (state, env) => {
      await system.beginBlock?.(state, env);
      await hooks.beginBlock?.(state, env);
    },
    ...(system.endBlock === undefined ? {} : { endBlock: system.endBlock }),
  });
  let head = store.headHeight() === undefined ? await initGenesis(store, common, genesis) : loadHead(store);
  await checkGenesis(store, common, genesis);
  const blockHash = (height: bigint): Uint8Array | undefined => store.blockByHeight(height)?.hash;
  /**
   * The VM blocks are built and executed on, over the head's state; made when first needed. PERF: a thread that
   * only follows another's commits (the JSON-RPC thread beside an execution worker) never builds a block, and
   * making a VM for every head it adopted cost it ~0.9 ms a block (an automined transaction waits for that).
   */
  let headVM: Promise<VM> | undefined;
  const vmForHead = (): Promise<VM> =>
    (headVM ??= createExecutionVM(common, createWorldState(nodes, common, head.header.stateRoot, { caches: true }), blockHash, vmOptions).catch((err: unknown) => {
      headVM = undefined; // the next block tries again
      throw err;
    }));
  let headView: WorldState | undefined;
  /** The state root reads at a block see: its own, or the one dev edits made while it was the head. */
  const readRoot = (block: Block): Uint8Array => store.editedRoot(block.header.height) ?? block.header.stateRoot;
  let headRoot = readRoot(head);
  const blockAt = (height: bigint): Block => {
    const block = store.blockByHeight(height);
    if (block === undefined) throw new ChainError('UNKNOWN_BLOCK', `block ${height} not found`);
    return block;
  };
  /**
   * The VMs eth_call and eth_estimateGas run on (withCallVM), the most recently used first. PERF: a VM
   * (@ethereumjs's EVM, opcode table and params cache) and an uncached state were built for each call, and the
   * sender's account writes went through to the trie: ~2.5 ms a call. One VM with a cached state per height and
   * root now serves every call there. Two are kept: calls asked for just before a block are still queued when it
   * commits, and run at the height they named, between calls at the new head.
   */
  const callVMs: Array<{ height: bigint; root: Uint8Array; vm: VM }> = [];
  const CALL_VMS = 2;
  let callQueue: Promise<unknown> = Promise.resolve();
  const callVMAt = async (height: bigint): Promise<VM> => {
    const root = height === head.header.height ? headRoot : readRoot(blockAt(height));
    const at = callVMs.findIndex((c) => c.height === height && equalBytes(c.root, root));
    let kept = at < 0 ? undefined : callVMs.splice(at, 1)[0];
    if (kept === undefined && callVMs.length >= CALL_VMS) {
      // the least recently used VM moves to this root: a VM costs far more to build than a state to re-point
      const reused = callVMs.pop() as (typeof callVMs)[number];
      repointCallState(reused.vm.stateManager as WorldState, root);
      kept = { height, root, vm: reused.vm };
    }
    kept ??= { height, root, vm: await createExecutionVM(common, await createCallState(nodes, common, root), blockHash, vmOptions) };
    callVMs.unshift(kept);
    callVMs.length = Math.min(callVMs.length, CALL_VMS);
    return kept.vm;
  };
  const setHead = (block: Block): void => {
    head = block;
    headRoot = readRoot(block);
    headView = undefined;
  };

  /** Edits applied on `root` over a node layer of its own: its writes are the new nodes and nothing else. */
  const editedState = async (root: Uint8Array, edits: readonly DevEdit[]): Promise<{ root: Uint8Array; writes: KVWrite[] }> => {
    const layer = new TrieNodeStore(kv);
    const state = createWorldState(layer, common, root, { caches: false });
    await applyDevEdits(state, edits);
    return { root: await state.getStateRoot(), writes: layer.takeWrites() };
  };
  const storeEditedRoot = async (root: Uint8Array | null, writes: KVWrite[]): Promise<void> => {
    const base = head;
    await kv.write([...writes, store.editedRootWrite(base.header.height, root)]);
    invariant(head === base, 'dev edits are applied between blocks, never while the head moves');
    headRoot = root ?? head.header.stateRoot;
    headView = undefined;
  };

  const chain: Chain = {
    common,
    txCommon,
    store,
    genesis,
    head: () => head,
    openBlock: async (ctx, hooks) => BlockBuilder.open(await vmForHead(), common, ctx, 'build', withSystem(hooks)),
    async buildBlock(ctx, candidates, hooks) {
      const executed = await executeBlock(await vmForHead(), common, ctx, candidates, 'build', withSystem(hooks));
      const block = createBlock(executed.header, executed.transactions.map((t) => t.raw), ctx.lastCommit, ctx.evidence);
      return { block, executed };
    },
    writeStateAhead() {
      nodes.writeAhead();
    },
    async commitBlock(block, executed, commit) {
      invariant(block.header.height === head.header.height + 1n, 'blocks are committed in order');
      invariant(equalBytes(block.header.parentHash, head.hash), 'committed block extends the head');
      const txHashes = executed.transactions.map((t) => hexToBytes(t.hash));
      await nodes.aheadWritten(); // a block must never be stored without every node its root needs
      const writes: KVWrite[] = [...nodes.takeWrites(), ...store.blockWrites(block, executed.encodedReceipts ?? executed.receipts, commit, txHashes, executed.validatorUpdates)];
      await kv.write(writes);
      nodes.writesDurable();
      setHead(block);
    },
    stateAt(height) {
      if (height === head.header.height) return createWorldState(nodes, common, headRoot, { caches: false });
      return createWorldState(nodes, common, readRoot(blockAt(height)), { caches: false });
    },
    readState(height) {
      if (height !== head.header.height) return chain.stateAt(height);
      headView ??= createWorldState(nodes, common, headRoot, { caches: true });
      return headView;
    },
    async vmAt(height, state) {
      return createExecutionVM(common, state ?? chain.stateAt(height), blockHash, vmOptions);
    },
    withCallVM(height, fn) {
      const run = callQueue.then(async () => {
        const vm = await callVMAt(height);
        try {
          return await fn(vm);
        } catch (err) {
          // a call that failed in the middle may leave the EVM's journal or transient storage open: a VM that
          // threw anything but a finished call's outcome is not used again
          const at = isCallOutcome(err) ? -1 : callVMs.findIndex((c) => c.vm === vm);
          if (at >= 0) callVMs.splice(at, 1);
          throw err;
        }
      });
      callQueue = run.catch(() => undefined);
      return run;
    },
    blockHash,
    async rewindTo(height) {
      kv.refresh(); // another writer may have stored a range above our head
      store.forgetAbove(height);
      const target = store.blockByHeight(height);
      if (target === undefined) throw new ChainError('UNKNOWN_BLOCK', `block ${height} not found`);
      const writes: KVWrite[] = [];
      let h = head.header.height;
      while (h > height) {
        const range = store.emptyRangeAt(h);
        if (range !== undefined) {
          writes.push(...store.truncateEmptyRangeWrites(range, height)); // one write, however many blocks
          h = range.first - 1n;
          continue;
        }
        const block = store.blockByHeight(h);
        if (block !== undefined) writes.push(...store.removeBlockWrites(block, txHashes(block)));
        h--;
      }
      writes.push(store.headWrite(height));
      await kv.write(writes);
      store.forgetAbove(height);
      nodes.discardPending();
      setHead(target);
      headVM = undefined; // made again on the new head when a block is built
    },
    async reserveEmptyBlocks(count, intervalSec, gasLimit) {
      invariant(count > 0n, 'an empty range holds at least one block');
      const anchor = head.header;
      const range: EmptyRange = {
        first: anchor.height + 1n,
        last: anchor.height + count,
        anchorHash: head.hash,
        anchorTimestamp: anchor.timestamp,
        intervalSec,
        stateRoot: anchor.stateRoot,
        gasLimit,
        baseFeePerGas: anchor.baseFeePerGas,
        proposer: anchor.proposer,
        validatorsHash: anchor.validatorsHash,
      };
      await kv.write(store.emptyRangeWrites(range));
      store.forgetAbove(anchor.height);
      // the state is the anchor's, so the head state and its VM stay as they are
      const last = store.blockByHeight(range.last);
      invariant(last !== undefined, 'a stored range answers for its last block');
      setHead(last);
      return range;
    },
    async applyPendingEdits(edits, alsoWrite = []) {
      if (edits.length === 0) return;
      const edited = await editedState(headRoot, edits);
      await storeEditedRoot(edited.root, [...edited.writes, ...alsoWrite]);
    },
    async resetPendingEdits(edits, alsoWrite = []) {
      if (edits.length > 0) {
        const edited = await editedState(head.header.stateRoot, edits);
        await storeEditedRoot(edited.root, [...edited.writes, ...alsoWrite]);
      } else if (store.editedRoot(head.header.height) !== undefined || alsoWrite.length > 0) {
        await storeEditedRoot(null, alsoWrite);
      }
    },
    async reloadHead(known) {
      kv.refresh(); // the execution worker has just written: read past any older snapshot
      if (known !== undefined && store.headHeight() === known.header.height) store.adopt(known);
      const loaded = loadHead(store);
      store.forgetAbove(loaded.header.height); // also re-reads what the worker stored beside the blocks (validator updates)
      setHead(loaded);
      headVM = undefined; // made again on the new head when a block is built
    },
    async close() {
      await kv.close();
    },
  };
  return chain;
}

/** Block 0 and its state nodes, computed in memory so a stored chain can be checked against genesis.json. */
async function genesisBlock(common: Common, genesis: Genesis): Promise<{ block: Block; writes: KVWrite[] }> {
  const nodes = new TrieNodeStore(createMemoryStore());
  const header = await applyGenesis(createWorldState(nodes, common, undefined, { caches: true }), genesis);
  return { block: createBlock(header, [], null), writes: nodes.takeWrites() };
}

async function initGenesis(store: ChainStore, common: Common, genesis: Genesis): Promise<Block> {
  const { block, writes } = await genesisBlock(common, genesis);
  const commit: Commit = { height: 0n, round: 0, blockHash: block.hash, signatures: [] };
  await store.kv.write([...writes, ...store.blockWrites(block, [], commit, [])]);
  return block;
}

function loadHead(store: ChainStore): Block {
  const height = store.headHeight() as bigint;
  const block = store.blockByHeight(height);
  invariant(block !== undefined, `head block ${height} is missing from the database`);
  return block;
}

/** A home whose database was made from another genesis must not start silently on the wrong chain. */
async function checkGenesis(store: ChainStore, common: Common, genesis: Genesis): Promise<void> {
  const stored = store.blockByHeight(0n);
  invariant(stored !== undefined, 'genesis block is missing from the database');
  const expected = (await genesisBlock(common, genesis)).block;
  if (!equalBytes(stored.hash, expected.hash)) {
    throw new ChainError(
      'GENESIS_MISMATCH',
      `the database holds a chain with genesis ${bytesToHex(stored.hash)} but genesis.json gives ${bytesToHex(expected.hash)}; use another --home or remove its data`,
    );
  }
}

function txHashes(block: Block): Uint8Array[] {
  return block.transactions.map((raw) => keccak256(raw));
}
