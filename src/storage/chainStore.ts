/**
 * Key schema of the chain database and typed reads over it. Writes are returned as KVWrite lists so the
 * caller can put a block, its receipts, its commit, its tx index and its state nodes in one transaction.
 *
 *   b<height:8>   block          r<height:8>  receipts       c<height:8>  commit of that block
 *   h<hash:32>    height         t<txhash:32> height:8|index:4
 *   s<key>        state trie node or contract code (content addressed, never deleted)
 *   e<first:8>    a run of empty blocks first..last stored as one record (dev mode, ADR 0009)
 *   x<evidence>   height of the block that committed this double-sign evidence (key: types evidenceKey)
 *   v<height:8>   validator set changes the execution of that block returned (only when there were any)
 *   d<height:8>   dev mode: the state root reads at that block see, its own plus the edits made while it
 *                 was the head (what the next block started from; Hardhat's "irregular state", ADR 0009)
 *   m:head        height of the last committed block
 *   m:devEdits    dev-mode state edits not yet in a block (ADR 0009), opaque to this module
 */
import { concatBytes, equalBytes, utf8ToBytes } from '../primitives/index.ts';
import {
  decodeBlock,
  decodeCommit,
  decodeEmptyRange,
  decodeReceipts,
  emptyRangeBlock,
  emptyRangeHash,
  emptyRangeHeightOf,
  encodeBlock,
  encodeCommit,
  encodeEmptyRange,
  encodeReceipts,
  decodeValidatorUpdates,
  encodeValidatorUpdates,
  evidenceKey,
  inEmptyRange,
} from '../types/index.ts';
import type { Block, Commit, EmptyRange, Receipt, Validator } from '../types/index.ts';
import type { KVStore, KVWrite } from './kvStore.ts';

const P_BLOCK = utf8ToBytes('b');
const P_RECEIPTS = utf8ToBytes('r');
const P_COMMIT = utf8ToBytes('c');
const P_HASH = utf8ToBytes('h');
const P_TX = utf8ToBytes('t');
export const STATE_PREFIX = utf8ToBytes('s');
const P_RANGE = utf8ToBytes('e');
const P_EDITED_ROOT = utf8ToBytes('d');
const P_VALIDATOR_UPDATES = utf8ToBytes('v');
const P_EVIDENCE = utf8ToBytes('x');
const K_HEAD = utf8ToBytes('m:head');
const K_DEV_EDITS = utf8ToBytes('m:devEdits');

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
  /** A stored block, or one rebuilt from the empty range that holds `height`. */
  blockByHeight(height: bigint): Block | undefined;
  heightByHash(hash: Uint8Array): bigint | undefined;
  /**
   * A block another writer (the execution worker) stored, which this thread already holds: kept as the
   * stored one when the store's hash index puts it at its height (PERF: decoding a 3,000-transaction
   * block read back ~5 ms after every commit); otherwise nothing is kept and it is read as usual.
   */
  adopt(block: Block): void;
  /** The empty range holding `height`, if any. */
  emptyRangeAt(height: bigint): EmptyRange | undefined;
  receipts(height: bigint): Receipt[] | undefined;
  commit(height: bigint): Commit | undefined;
  txLocation(hash: Uint8Array): TxLocation | undefined;
  /** Writes that store a committed block (and the validator changes its execution returned) and advance the head to it. */
  blockWrites(block: Block, receipts: Receipt[] | Uint8Array, commit: Commit, txHashes: Uint8Array[], validatorUpdates?: readonly Validator[]): KVWrite[];
  /** The validator changes block `height` returned (empty for most blocks). */
  validatorUpdates(height: bigint): Validator[];
  /** The keys (types evidenceKey) of every double-sign evidence committed so far. */
  committedEvidenceKeys(): string[];
  /** The heights whose blocks changed the validator set, ascending; the same array until they change. */
  validatorUpdateHeights(): readonly bigint[];
  /** Drops cached blocks above `height` and re-reads the empty ranges (another writer changed the chain). */
  forgetAbove(height: bigint): void;
  /** Writes that delete a block (and its receipts, commit and tx index) and move the head below it. */
  removeBlockWrites(block: Block, txHashes: Uint8Array[]): KVWrite[];
  /** Writes that store an empty range and make its last block the head. */
  emptyRangeWrites(range: EmptyRange): KVWrite[];
  /** Writes that cut an empty range back to end at `height` (deleting it if it starts above). */
  truncateEmptyRangeWrites(range: EmptyRange, height: bigint): KVWrite[];
  headWrite(height: bigint): KVWrite;
  /** Dev mode: the state root of block `height` with the edits made while it was the head, if any. */
  editedRoot(height: bigint): Uint8Array | undefined;
  editedRootWrite(height: bigint, root: Uint8Array | null): KVWrite;
  /** The encoded pending dev-mode edits (the node owns their format). */
  devEdits(): Uint8Array | undefined;
  devEditsWrite(value: Uint8Array | null): KVWrite;
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
  // few (one per large hardhat_mine), ordered by first height; re-read when another writer may have changed them
  let ranges: EmptyRange[] = readRanges(kv);
  // few (a set changes rarely); re-read with the ranges
  let updateHeights: bigint[] = readUpdateHeights(kv);
  const rangeAt = (height: bigint): EmptyRange | undefined => {
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = ranges[mid] as EmptyRange;
      if (height < r.first) hi = mid - 1;
      else if (height > r.last) lo = mid + 1;
      else return r;
    }
    return undefined;
  };
  const chainStore: ChainStore = {
    kv,
    headHeight() {
      const v = kv.get(K_HEAD);
      return v === undefined ? undefined : readU64(v);
    },
    adopt(block) {
      if (chainStore.heightByHash(block.hash) === block.header.height) blocks.get(block.header.height, () => block);
    },
    blockByHeight(height) {
      const stored = blocks.get(height, () => {
        const v = kv.get(concatBytes(P_BLOCK, u64(height)));
        return v === undefined ? undefined : decodeBlock(v);
      });
      if (stored !== undefined || ranges.length === 0) return stored;
      const range = rangeAt(height);
      return range === undefined ? undefined : emptyRangeBlock(range, height);
    },
    heightByHash(hash) {
      const v = kv.get(concatBytes(P_HASH, hash));
      if (v !== undefined) return readU64(v);
      if (hash.length !== 32 || ranges.length === 0) return undefined;
      const height = emptyRangeHeightOf(hash);
      const range = rangeAt(height);
      return range !== undefined && equalBytes(emptyRangeHash(range, height), hash) ? height : undefined;
    },
    emptyRangeAt: rangeAt,
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
    blockWrites(block, receipts, commit, txHashes, validatorUpdates = []) {
      const h = u64(block.header.height);
      const writes: KVWrite[] = [
        { key: concatBytes(P_BLOCK, h), value: encodeBlock(block) },
        { key: concatBytes(P_RECEIPTS, h), value: receipts instanceof Uint8Array ? receipts : encodeReceipts(receipts) },
        { key: concatBytes(P_COMMIT, h), value: encodeCommit(commit) },
        { key: concatBytes(P_HASH, block.hash), value: h },
        { key: K_HEAD, value: h },
      ];
      if (validatorUpdates.length > 0) {
        writes.push({ key: concatBytes(P_VALIDATOR_UPDATES, h), value: encodeValidatorUpdates(validatorUpdates) });
        // visible to this store's reads as soon as the block is: heights only grow, and a failed write
        // stops the node (the same height is never written with other updates)
        if (!updateHeights.includes(block.header.height)) updateHeights = [...updateHeights, block.header.height];
      }
      for (const e of block.evidence) writes.push({ key: concatBytes(P_EVIDENCE, utf8ToBytes(evidenceKey(e))), value: h });
      txHashes.forEach((txHash, index) => {
        const loc = Buffer.alloc(12);
        loc.writeBigUInt64BE(block.header.height);
        loc.writeUInt32BE(index, 8);
        writes.push({ key: concatBytes(P_TX, txHash), value: new Uint8Array(loc) });
      });
      return writes;
    },
    validatorUpdates(height) {
      if (!updateHeights.includes(height)) return [];
      const bytes = kv.get(concatBytes(P_VALIDATOR_UPDATES, u64(height)));
      return bytes === undefined ? [] : decodeValidatorUpdates(bytes);
    },
    validatorUpdateHeights: () => updateHeights,
    committedEvidenceKeys: () => [...kv.entries(P_EVIDENCE)].map(([key]) => Buffer.from(key.subarray(P_EVIDENCE.length)).toString('utf8')),
    forgetAbove(height) {
      blocks.forgetAbove(height);
      receiptLists.forgetAbove(height);
      ranges = readRanges(kv);
      // a new array only when the heights changed: readers key caches on it (node/validatorSets.ts)
      const fresh = readUpdateHeights(kv);
      if (fresh.length !== updateHeights.length || fresh.some((h, i) => h !== updateHeights[i])) updateHeights = fresh;
    },
    removeBlockWrites(block, txHashes) {
      blocks.forget(block.header.height);
      receiptLists.forget(block.header.height);
      updateHeights = updateHeights.filter((u) => u !== block.header.height);
      const h = u64(block.header.height);
      return [
        { key: concatBytes(P_BLOCK, h), value: null },
        { key: concatBytes(P_RECEIPTS, h), value: null },
        { key: concatBytes(P_COMMIT, h), value: null },
        { key: concatBytes(P_HASH, block.hash), value: null },
        { key: concatBytes(P_EDITED_ROOT, h), value: null },
        { key: concatBytes(P_VALIDATOR_UPDATES, h), value: null },
        ...block.evidence.map((e) => ({ key: concatBytes(P_EVIDENCE, utf8ToBytes(evidenceKey(e))), value: null })),
        ...txHashes.map((t) => ({ key: concatBytes(P_TX, t), value: null })),
        { key: K_HEAD, value: u64(block.header.height - 1n) },
      ];
    },
    emptyRangeWrites(range) {
      return [
        { key: concatBytes(P_RANGE, u64(range.first)), value: encodeEmptyRange(range) },
        { key: K_HEAD, value: u64(range.last) },
      ];
    },
    truncateEmptyRangeWrites(range, height) {
      const key = concatBytes(P_RANGE, u64(range.first));
      if (height < range.first) return [{ key, value: null }];
      return inEmptyRange(range, height) ? [{ key, value: encodeEmptyRange({ ...range, last: height }) }] : [];
    },
    headWrite(height) {
      return { key: K_HEAD, value: u64(height) };
    },
    editedRoot(height) {
      return kv.get(concatBytes(P_EDITED_ROOT, u64(height)));
    },
    editedRootWrite(height, root) {
      return { key: concatBytes(P_EDITED_ROOT, u64(height)), value: root };
    },
    devEdits() {
      return kv.get(K_DEV_EDITS);
    },
    devEditsWrite(value) {
      return { key: K_DEV_EDITS, value };
    },
  };
  return chainStore;
}

function readUpdateHeights(kv: KVStore): bigint[] {
  const out: bigint[] = [];
  for (const [key] of kv.entries(P_VALIDATOR_UPDATES)) out.push(readU64(key, P_VALIDATOR_UPDATES.length));
  return out;
}

function readRanges(kv: KVStore): EmptyRange[] {
  const out: EmptyRange[] = [];
  for (const [, value] of kv.entries(P_RANGE)) out.push(decodeEmptyRange(value));
  return out; // keys are e<first:8>, so entries come ordered by first height
}
