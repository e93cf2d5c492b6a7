/**
 * Ordered-trie commitments of a block's transactions and receipts, as Ethereum computes them: the root of
 * a Merkle-Patricia trie mapping RLP(index) to each item.
 *
 * PERF: building it through @ethereumjs/mpt cost 220 µs per item (440 ms for a 2,000-transaction block,
 * twice per block). All keys are known up front, so the trie is built bottom-up from the sorted keys in
 * one pass, like geth's StackTrie: 100x less work. test/unit/execution/roots.test.ts checks it against
 * @ethereumjs/mpt on random inputs (the reference path).
 */
import { keccak256, keccak256Concat } from '../crypto/index.ts';
import { RLP, pairHead } from '../encoding/index.ts';
import type { RlpInput } from '../encoding/index.ts';
import { EMPTY_TRIE_ROOT } from '../state/index.ts';
import { bigintToBytes, bytesPart } from '../primitives/index.ts';

/** RLP(index), the key of an ordered trie's item (a number through our RLP would go to @ethereumjs's). */
function indexKey(index: number): Uint8Array {
  return RLP.encode(bigintToBytes(BigInt(index)));
}

interface Entry {
  path: Uint8Array; // key as nibbles
  value: Uint8Array;
  /** The item's position in an OrderedTrie (its identity there); -1 elsewhere. */
  index: number;
}

/**
 * Subtree references already computed, by (depth, first item's index, item count) packed into one number
 * (memoKey): in an append-only ordered trie those three name one set of items for good (see OrderedTrie).
 */
type Memo = Map<number, RlpInput>;

/** Items an OrderedTrie may hold: the memo key packs index and count in 24 bits each. */
const MAX_ORDERED_ITEMS = 2 ** 24;

const EMPTY = new Uint8Array();

function memoKey(depth: number, first: number, count: number): number {
  return (depth * MAX_ORDERED_ITEMS + first) * MAX_ORDERED_ITEMS + count; // depth <= 8 here: under 2^53
}

function toNibbles(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length * 2);
  for (let i = 0; i < key.length; i++) {
    out[2 * i] = (key[i] as number) >> 4;
    out[2 * i + 1] = (key[i] as number) & 0x0f;
  }
  return out;
}

/** Hex-prefix encoding of a nibble path (yellow paper appendix C). */
function hexPrefix(nibbles: Uint8Array, leaf: boolean): Uint8Array {
  const odd = nibbles.length % 2;
  const out = new Uint8Array(Math.floor(nibbles.length / 2) + 1);
  out[0] = ((leaf ? 2 : 0) + odd) << 4;
  let i = 0;
  if (odd) out[0] = (out[0] as number) | (nibbles[i++] as number);
  for (let j = 1; i < nibbles.length; j++, i += 2) out[j] = ((nibbles[i] as number) << 4) | (nibbles[i + 1] as number);
  return out;
}

/** A child reference: the node itself when its encoding is under 32 bytes, its hash otherwise. */
function reference(node: RlpInput): RlpInput {
  const encoded = RLP.encode(node);
  return encoded.length < 32 ? node : keccak256(encoded);
}

/**
 * A leaf's reference. PERF: a leaf's value is a whole transaction or receipt (a receipt carries its 256-byte
 * bloom); hashing the encoding's head and then the value itself saves building a copy of each.
 */
function leafReference(path: Uint8Array, value: Uint8Array): RlpInput {
  const key = hexPrefix(path, true);
  const head = pairHead(key, value);
  if (head.length + value.length < 32) return [key, value];
  return keccak256Concat(head, value);
}

/** The reference to the node of sorted entries [lo, hi) that agree on their first `depth` nibbles (memoised when asked). */
function referenceTo(entries: Entry[], lo: number, hi: number, depth: number, memo: Memo | undefined): RlpInput {
  if (hi - lo === 1) {
    const e = entries[lo] as Entry;
    return leafReference(bytesPart(e.path, depth), e.value);
  }
  if (memo === undefined) return reference(build(entries, lo, hi, depth, memo));
  const key = memoKey(depth, (entries[lo] as Entry).index, hi - lo);
  let ref = memo.get(key);
  if (ref === undefined) memo.set(key, (ref = reference(build(entries, lo, hi, depth, memo))));
  return ref;
}

/** The node for sorted entries [lo, hi) that agree on their first `depth` nibbles. */
function build(entries: Entry[], lo: number, hi: number, depth: number, memo?: Memo): RlpInput {
  const first = entries[lo] as Entry;
  if (hi - lo === 1) return [hexPrefix(bytesPart(first.path, depth), true), first.value];
  // sorted: the first and last differ most
  const last = (entries[hi - 1] as Entry).path;
  let shared = 0;
  while (depth + shared < first.path.length && depth + shared < last.length && first.path[depth + shared] === last[depth + shared]) shared++;
  if (shared > 0) {
    return [hexPrefix(bytesPart(first.path, depth, depth + shared), false), referenceTo(entries, lo, hi, depth + shared, memo)];
  }
  const branch: RlpInput[] = new Array(17).fill(EMPTY);
  let i = lo;
  if (first.path.length === depth) branch[16] = (entries[i++] as Entry).value;
  while (i < hi) {
    const nibble = (entries[i] as Entry).path[depth] as number;
    let j = i + 1;
    while (j < hi && (entries[j] as Entry).path[depth] === nibble) j++;
    branch[nibble] = referenceTo(entries, i, j, depth + 1, memo);
    i = j;
  }
  return branch;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** Root of the trie of `key -> value` (keys unique; values non-empty). */
export function trieRoot(items: ReadonlyArray<{ key: Uint8Array; value: Uint8Array }>): Uint8Array {
  if (items.length === 0) return EMPTY_TRIE_ROOT;
  const entries = [...items].sort((a, b) => compareBytes(a.key, b.key)).map((it) => ({ path: toNibbles(it.key), value: it.value, index: -1 }));
  return keccak256(RLP.encode(build(entries, 0, entries.length, 0)));
}

export function orderedTrieRoot(values: readonly Uint8Array[]): Uint8Array {
  return trieRoot(values.map((value, i) => ({ key: indexKey(i), value })));
}

/**
 * An ordered trie that grows by appending (a block's transactions and receipts while it is built), whose
 * root can be asked for at any point. PERF: the root of 3,000 transactions and their receipts took ~44 ms
 * at the seal, on the critical path after the block's tick (ADR 0018). Items never change once appended,
 * so a subtree's reference is computed once and kept: from RLP(128) on, keys sort in append order, and a
 * root asked for after more appends recomputes only the subtrees they fall in (a few dozen nodes).
 */
export class OrderedTrie {
  /** Sorted by key. */
  private readonly entries: Entry[] = [];
  private readonly memo: Memo = new Map();
  private cached: Uint8Array | undefined;

  get length(): number {
    return this.entries.length;
  }

  push(value: Uint8Array): void {
    const index = this.entries.length;
    if (index >= MAX_ORDERED_ITEMS) throw new RangeError(`an ordered trie holds at most ${MAX_ORDERED_ITEMS} items`);
    const entry = { path: toNibbles(indexKey(index)), value, index };
    // RLP(1..127) = 0x01..0x7f sort before RLP(0) = 0x80, the last of them; every later key sorts last
    if (index >= 1 && index <= 127) this.entries.splice(index - 1, 0, entry);
    else this.entries.push(entry);
    this.cached = undefined;
  }

  root(): Uint8Array {
    if (this.entries.length === 0) return EMPTY_TRIE_ROOT;
    this.cached ??= keccak256(RLP.encode(build(this.entries, 0, this.entries.length, 0, this.memo)));
    return this.cached;
  }
}

