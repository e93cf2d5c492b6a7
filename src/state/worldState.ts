/**
 * World state = one Merkle-Patricia trie over accounts, code and storage (later also staking and
 * governance, as storage of system accounts), so the header's state root commits to everything.
 */
import type { Common } from '@ethereumjs/common';
import { MerklePatriciaTrie } from '@ethereumjs/mpt';
import { Caches } from '@ethereumjs/statemanager';
import type { MerkleStateManager } from '@ethereumjs/statemanager';
import { ValueEncoding } from '@ethereumjs/util';
import { invariant } from '../primitives/index.ts';
import { FlatAccountCache } from './accountCache.ts';
import { BatchedStateManager } from './batchedStateManager.ts';
import { FlatStorageCache } from './storageCache.ts';
import type { TrieNodeStore } from './trieNodeStore.ts';

export type WorldState = MerkleStateManager;

export interface WorldStateOptions {
  /** Read/write caches in front of the trie: needed for speed on the block-production path. */
  caches: boolean;
}

export function createWorldState(
  nodes: TrieNodeStore,
  common: Common,
  root: Uint8Array | undefined,
  opts: WorldStateOptions,
): WorldState {
  const trie = new MerklePatriciaTrie({
    db: nodes,
    useKeyHashing: true,
    valueEncoding: ValueEncoding.Bytes,
    common,
    ...(root === undefined ? {} : { root }),
  });
  // the caches are flushed into the tries in one sorted pass per trie (batchedStateManager.ts)
  let caches: Caches | undefined;
  if (opts.caches) {
    caches = new Caches();
    FlatAccountCache.install(caches);
    FlatStorageCache.install(caches);
  }
  return new BatchedStateManager({ trie, common, prefixStorageTrieKeys: true, ...(caches === undefined ? {} : { caches }) });
}

/**
 * A state for eth_call and eth_estimateGas to run on, call after call: cached, with one checkpoint opened at once
 * and never closed. A call's own checkpoint and revert then never bring the depth back to 0, where
 * MerkleStateManager.revert flushes the caches into the trie and the trie's nodes into the node store (on the
 * JSON-RPC thread, which never writes them out, they would pile up). Reads stay cached for the state's life.
 */
export async function createCallState(nodes: TrieNodeStore, common: Common, root: Uint8Array): Promise<WorldState> {
  const state = createWorldState(nodes, common, root, { caches: true });
  await state.checkpoint();
  return state;
}

/**
 * Points a call state at another root, for the next calls: its caches emptied, its standing checkpoint kept
 * (BatchedStateManager.moveTo). PERF: a test suite reads after each transaction it sends, at the block that
 * transaction made, and building a VM for each new head cost ~0.5 ms (ADR 0025's profile). SSTORE's original values need
 * nothing: runTx and our interpreter keep them per call.
 */
export function repointCallState(state: WorldState, root: Uint8Array): void {
  invariant(state instanceof BatchedStateManager, 'only a state made by createCallState can move');
  state.moveTo(root);
}

/** The root of an empty trie (keccak256 of RLP("")). */
export const EMPTY_TRIE_ROOT = new Uint8Array(
  Buffer.from('56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421', 'hex'),
);
