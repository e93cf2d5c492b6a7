/**
 * storage: the KVStore boundary (lmdb on disk, memory twin), the chain key schema, and typed reads of
 * blocks, receipts, commits and the tx index. It owns no chain logic: callers decide what to write and
 * write it atomically.
 */
export { createChainStore, STATE_PREFIX } from './chainStore.ts';
export type { ChainStore, TxLocation } from './chainStore.ts';
export { createMemoryStore } from './kvStore.ts';
export type { KVStore, KVWrite } from './kvStore.ts';
export { createLmdbStore } from './lmdbStore.ts';
export { MAX_WAL_RECORD_BYTES, openWriteAheadLog } from './wal.ts';
export type { OpenedLog, WriteAheadLog } from './wal.ts';
export { replaceFileDurably } from './durableFile.ts';
