/**
 * Key schema of the chain database and typed reads over it. Writes are returned as KVWrite lists so the
 * caller can put a block, its receipts, its commit, its tx index and its state nodes in one transaction.
 *
 *   b<height:8>   block          r<height:8>  receipts       c<height:8>  commit of that block
 *   h<hash:32>    height         t<txhash:32> height:8|index:4
 *   s<key>        state trie node or contract code (content addressed, never deleted)
 *   m:head        height of the last committed block
 */
import { concatBytes, utf8ToBytes } from '../primitives/index.ts';
import { decodeBlock, decodeCommit, decodeReceipts, encodeBlock, encodeCommit, encodeReceipts } from '../types/index.ts';
import type { Block, Commit, Receipt } from '../types/index.ts';
import type { KVStore, KVWrite } from './kvStore.ts';

const P_BLOCK = utf8ToBytes('b');
const P_RECEIPTS = utf8ToBytes('r');
const P_COMMIT = utf8ToBytes('c');
const P_HASH = utf8ToBytes('h');
const P_TX = utf8ToBytes('t');
export const STATE_PREFIX = utf8ToBytes('s');
const K_HEAD = utf8ToBytes('m:head');

function u64(value: bigint): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(value);
  return new Uint8Array(b);
}

function readU64(bytes: Uint8Array, offset = 0): bigint {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readBigUInt64BE(offset);
}

export interface TxLocation {
  height: bigint;
  index: number;
}

export interface ChainStore {
  readonly kv: KVStore;
  headHeight(): bigint | undefined;
  blockByHeight(height: bigint): Block | undefined;
  heightByHash(hash: Uint8Array): bigint | undefined;
  receipts(height: bigint): Receipt[] | undefined;
  commit(height: bigint): Commit | undefined;
  txLocation(hash: Uint8Array): TxLocation | undefined;
  /** Writes that store a committed block and advance the head to it. */
  blockWrites(block: Block, receipts: Receipt[], commit: Commit, txHashes: Uint8Array[]): KVWrite[];
  /** Drops cached blocks above `height` (another writer rewound the chain). */
  forgetAbove(height: bigint): void;
  /** Writes that delete a block (and its receipts, commit and tx index) and move the head below it. */
  removeBlockWrites(block: Block, txHashes: Uint8Array[]): KVWrite[];
}

/**
 * PERF: RPC clients ask for the same recent blocks over and over (one eth_getTransactionReceipt per
 * transaction decoded the whole block's receipts each time: quadratic in the block size). Decoded
 * blocks and receipts of recent heights are kept; they are immutable once committed.
 */
class RecentCache<V> {
  private readonly map = new Map<bigint, V>();
  private readonly capacity: number;
  constructor(capacity: number) {
    this.capacity = capacity;
  }
  get(key: bigint, load: () => V | undefined): V | undefined {
    const hit = this.map.get(key);
    if (hit !== undefined) return hit;
    const value = load();
    if (value === undefined) return undefined;
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as bigint);
    return value;
  }
  forget(key: bigint): void {
    this.map.delete(key);
  }
  forgetAbove(height: bigint): void {
    for (const key of [...this.map.keys()]) if (key > height) this.map.delete(key);
  }
}

export function createChainStore(kv: KVStore): ChainStore {
  const blocks = new RecentCache<Block>(256);
  const receiptLists = new RecentCache<Receipt[]>(256);
  return {
    kv,
    headHeight() {
      const v = kv.get(K_HEAD);
      return v === undefined ? undefined : readU64(v);
    },
    blockByHeight(height) {
      return blocks.get(height, () => {
        const v = kv.get(concatBytes(P_BLOCK, u64(height)));
        return v === undefined ? undefined : decodeBlock(v);
      });
    },
    heightByHash(hash) {
      const v = kv.get(concatBytes(P_HASH, hash));
      return v === undefined ? undefined : readU64(v);
    },
    receipts(height) {
      return receiptLists.get(height, () => {
        const v = kv.get(concatBytes(P_RECEIPTS, u64(height)));
        return v === undefined ? undefined : decodeReceipts(v);
      });
    },
    commit(height) {
      const v = kv.get(concatBytes(P_COMMIT, u64(height)));
      return v === undefined ? undefined : decodeCommit(v);
    },
    txLocation(hash) {
      const v = kv.get(concatBytes(P_TX, hash));
      if (v === undefined) return undefined;
      return { height: readU64(v), index: Buffer.from(v).readUInt32BE(8) };
    },
    blockWrites(block, receipts, commit, txHashes) {
      const h = u64(block.header.height);
      const writes: KVWrite[] = [
        { key: concatBytes(P_BLOCK, h), value: encodeBlock(block) },
        { key: concatBytes(P_RECEIPTS, h), value: encodeReceipts(receipts) },
        { key: concatBytes(P_COMMIT, h), value: encodeCommit(commit) },
        { key: concatBytes(P_HASH, block.hash), value: h },
        { key: K_HEAD, value: h },
      ];
      txHashes.forEach((txHash, index) => {
        const loc = Buffer.alloc(12);
        loc.writeBigUInt64BE(block.header.height);
        loc.writeUInt32BE(index, 8);
        writes.push({ key: concatBytes(P_TX, txHash), value: new Uint8Array(loc) });
      });
      return writes;
    },
    forgetAbove(height) {
      blocks.forgetAbove(height);
      receiptLists.forgetAbove(height);
    },
    removeBlockWrites(block, txHashes) {
      blocks.forget(block.header.height);
      receiptLists.forget(block.header.height);
      const h = u64(block.header.height);
      return [
        { key: concatBytes(P_BLOCK, h), value: null },
        { key: concatBytes(P_RECEIPTS, h), value: null },
        { key: concatBytes(P_COMMIT, h), value: null },
        { key: concatBytes(P_HASH, block.hash), value: null },
        ...txHashes.map((t) => ({ key: concatBytes(P_TX, t), value: null })),
        { key: K_HEAD, value: u64(block.header.height - 1n) },
      ];
    },
  };
}
