/**
 * state: the authenticated world state (a Merkle-Patricia trie through @ethereumjs/statemanager) over a
 * KVStore, with a write overlay that the node commits atomically with each block.
 */
export { TrieNodeStore } from './trieNodeStore.ts';
export { EMPTY_TRIE_ROOT, createCallState, createWorldState, repointCallState } from './worldState.ts';
export type { WorldState, WorldStateOptions } from './worldState.ts';
export { getMerkleStateProof as getStateProof } from '@ethereumjs/statemanager';
