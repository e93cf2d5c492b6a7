/**
 * One pass of changes into a Merkle-Patricia trie: the existing root, a reader of its nodes and a set of
 * key -> value changes (null deletes) give the new root and the nodes it needs that were not there.
 *
 * PERF: @ethereumjs/mpt hashes and stores every node on the path for each put, so a block that touches
 * 3,100 accounts wrote ~19,200 nodes, ~6 versions of each path, most superseded in the same block
 * (docs/adr/0018). Here the changes are sorted and merged into the trie in one walk from the root: each
 * node that changes is decoded once, rebuilt once and hashed once.
 *
 * The result is the trie @ethereumjs/mpt reaches with one put/del per change: a trie over fixed-length keys
 * has exactly one shape for a given key set (a branch has >= 2 children, an extension's child is a
 * branch, leaf and extension paths are as long as they can be), so the same nodes, encoded the same way
 * (a child under 32 bytes inline, the root always by hash). test/unit/state/batchTrieUpdate.test.ts
 * checks it against @ethereumjs/mpt, node bytes included.
 *
 * Keys are the trie's applied keys (already keccak-hashed in a secure trie) and must all have the same
 * length, so that no key is a prefix of another and no branch carries a value (true of the state and
 * storage tries); a branch value read from the trie is an error.
 */
import { keccak256 } from '../crypto/index.ts';
import { RLP } from '../encoding/index.ts';
import { bytesPart } from '../primitives/index.ts';

export interface TrieChange {
  /** The applied key (hashed, for a secure trie). */
  key: Uint8Array;
  /** The new value, or null to delete the key (a missing key's delete changes nothing). */
  value: Uint8Array | null;
}

export interface NewTrieNode {
  hash: Uint8Array;
  encoded: Uint8Array;
}

export interface TrieUpdate {
  root: Uint8Array;
  /** Every node the new root reaches that this pass made, each once (the root always, even under 32 bytes). */
  nodes: NewTrieNode[];
}

/** A node's stored encoding by its hash (undefined when it is missing). */
export type TrieNodeReader = (hash: Uint8Array) => Promise<Uint8Array | undefined>;

/** keccak256(RLP("")): the root of the empty trie. */
export const EMPTY_ROOT = keccak256(RLP.encode(new Uint8Array()));

type Raw = Uint8Array | Raw[];
/** How a parent refers to a committed node: its hash, or the node itself when it encodes under 32 bytes. */
type Ref = Uint8Array | Raw[];

const LEAF = 0;
const EXT = 1;
const BRANCH = 2;
interface Leaf {
  kind: typeof LEAF;
  path: Uint8Array; // nibbles below the node's depth
  value: Uint8Array;
}
interface Ext {
  kind: typeof EXT;
  path: Uint8Array;
  child: Child; // always a branch
}
interface Branch {
  kind: typeof BRANCH;
  children: Array<Child | null>;
}
/** A node not yet committed: it may still change shape (a collapse merges paths) before it is encoded. */
type Node = Leaf | Ext | Branch;
type Child = Ref | Node;

interface Change {
  path: Uint8Array; // the whole key as nibbles
  value: Uint8Array | null;
}

const EMPTY = new Uint8Array();

function isNode(c: Child): c is Node {
  return !(c instanceof Uint8Array) && !Array.isArray(c);
}

function toNibbles(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length * 2);
  for (let i = 0; i < key.length; i++) {
    const b = key[i] as number;
    out[2 * i] = b >> 4;
    out[2 * i + 1] = b & 0x0f;
  }
  return out;
}

/** Hex-prefix encoding of a nibble path (yellow paper appendix C). */
function hexPrefix(nibbles: Uint8Array, leaf: boolean): Uint8Array {
  const odd = nibbles.length & 1;
  const out = new Uint8Array((nibbles.length >> 1) + 1);
  out[0] = ((leaf ? 2 : 0) + odd) << 4;
  let i = 0;
  if (odd) out[0] = (out[0] as number) | (nibbles[i++] as number);
  for (let j = 1; i < nibbles.length; j++, i += 2) out[j] = ((nibbles[i] as number) << 4) | (nibbles[i + 1] as number);
  return out;
}

function decodeHexPrefix(encoded: Uint8Array): { path: Uint8Array; leaf: boolean } {
  const first = encoded[0] as number;
  const flag = first >> 4;
  const odd = flag & 1;
  const path = new Uint8Array((encoded.length - 1) * 2 + odd);
  let i = 0;
  if (odd) path[i++] = first & 0x0f;
  for (let j = 1; j < encoded.length; j++) {
    const b = encoded[j] as number;
    path[i++] = b >> 4;
    path[i++] = b & 0x0f;
  }
  return { path, leaf: (flag & 2) !== 0 };
}

function concatNibbles(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function prepend(nibble: number, path: Uint8Array): Uint8Array {
  const out = new Uint8Array(path.length + 1);
  out[0] = nibble;
  out.set(path, 1);
  return out;
}

function decodeRaw(raw: Raw): Node {
  if (!Array.isArray(raw)) throw new Error('trie node is not a list');
  if (raw.length === 17) {
    const value = raw[16];
    if (!(value instanceof Uint8Array) || value.length !== 0) throw new Error('batch trie update: branch node with a value (keys of unequal length)');
    const children: Array<Child | null> = new Array(16);
    for (let i = 0; i < 16; i++) {
      const c = raw[i] as Raw;
      children[i] = c instanceof Uint8Array && c.length === 0 ? null : c;
    }
    return { kind: BRANCH, children };
  }
  if (raw.length === 2) {
    const key = raw[0];
    const second = raw[1] as Raw;
    if (!(key instanceof Uint8Array) || key.length === 0) throw new Error('invalid trie node key');
    const { path, leaf } = decodeHexPrefix(key);
    if (leaf) {
      if (!(second instanceof Uint8Array)) throw new Error('invalid trie leaf value');
      return { kind: LEAF, path, value: second };
    }
    return { kind: EXT, path, child: second };
  }
  throw new Error(`invalid trie node of ${raw.length} items`);
}

class Pass {
  readonly nodes: NewTrieNode[] = [];
  constructor(
    private readonly read: TrieNodeReader,
    private readonly hash: (data: Uint8Array) => Uint8Array,
  ) {}

  async load(ref: Child): Promise<Node> {
    if (isNode(ref)) return ref;
    if (Array.isArray(ref)) return decodeRaw(ref);
    const encoded = await this.read(ref);
    if (encoded === undefined) throw new Error('Missing node in DB');
    return decodeRaw(RLP.decode(encoded) as Raw);
  }

  /** The node's reference from its parent; stores it when it is 32 bytes or more (always at the top). */
  commit(node: Node, top: boolean): Ref {
    const raw = this.raw(node);
    const encoded = RLP.encode(raw);
    if (encoded.length < 32 && !top) return raw;
    const hash = this.hash(encoded);
    this.nodes.push({ hash, encoded });
    return hash;
  }

  private ref(c: Child | null): Raw {
    if (c === null) return EMPTY;
    return isNode(c) ? this.commit(c, false) : c;
  }

  private raw(node: Node): Raw[] {
    switch (node.kind) {
      case LEAF:
        return [hexPrefix(node.path, true), node.value];
      case EXT:
        return [hexPrefix(node.path, false), this.ref(node.child)];
      case BRANCH: {
        const raw: Raw[] = new Array(17);
        for (let i = 0; i < 16; i++) raw[i] = this.ref(node.children[i] as Child | null);
        raw[16] = EMPTY;
        return raw;
      }
    }
  }

  /** The subtree at `depth` (node, or null when empty) with changes[lo, hi) applied, all of which share its path. */
  async update(node: Node | null, depth: number, changes: Change[], lo: number, hi: number): Promise<Node | null> {
    if (node === null) return build(liveEntries(changes, lo, hi), depth);
    switch (node.kind) {
      case LEAF:
        return build(mergeLeaf(node, depth, changes, lo, hi), depth);
      case EXT: {
        const e = node.path;
        if (sharesPath(changes[lo] as Change, e, depth) && sharesPath(changes[hi - 1] as Change, e, depth)) {
          // sorted: when the first and the last change run through the extension, all of them do
          const child = await this.update(await this.load(node.child), depth + e.length, changes, lo, hi);
          return withPrefix(e, child, undefined);
        }
        // some change leaves the extension: it becomes a branch over its first nibble
        const children: Array<Child | null> = new Array(16).fill(null);
        children[e[0] as number] = e.length === 1 ? node.child : { kind: EXT, path: bytesPart(e, 1), child: node.child };
        return this.updateBranch(children, depth, changes, lo, hi);
      }
      case BRANCH:
        return this.updateBranch(node.children.slice(), depth, changes, lo, hi);
    }
  }

  private async updateBranch(children: Array<Child | null>, depth: number, changes: Change[], lo: number, hi: number): Promise<Node | null> {
    let i = lo;
    while (i < hi) {
      const nibble = (changes[i] as Change).path[depth] as number;
      let j = i + 1;
      while (j < hi && (changes[j] as Change).path[depth] === nibble) j++;
      const current = children[nibble] as Child | null;
      children[nibble] = await this.update(current === null ? null : await this.load(current), depth + 1, changes, i, j);
      i = j;
    }
    let count = 0;
    let only = -1;
    for (let n = 0; n < 16; n++) {
      if (children[n] !== null) {
        count++;
        only = n;
      }
    }
    if (count === 0) return null;
    if (count > 1) return { kind: BRANCH, children };
    // a branch left with one child collapses into it: its nibble joins the child's path
    const single = children[only] as Child;
    const prefix = Uint8Array.of(only);
    return isNode(single) ? withPrefix(prefix, single, undefined) : withPrefix(prefix, await this.load(single), single);
  }
}

/**
 * `prefix` followed by the subtree `child`: the canonical node for both. `unchanged` is the child's reference
 * when the child is a node of the old trie that this pass did not change (a branch is then not re-encoded).
 */
function withPrefix(prefix: Uint8Array, child: Node | null, unchanged: Ref | undefined): Node | null {
  if (child === null) return null;
  switch (child.kind) {
    case LEAF:
      return { kind: LEAF, path: prefix.length === 1 ? prepend(prefix[0] as number, child.path) : concatNibbles(prefix, child.path), value: child.value };
    case EXT:
      return { kind: EXT, path: prefix.length === 1 ? prepend(prefix[0] as number, child.path) : concatNibbles(prefix, child.path), child: child.child };
    case BRANCH:
      return { kind: EXT, path: prefix, child: unchanged ?? child };
  }
}

function sharesPath(change: Change, path: Uint8Array, depth: number): boolean {
  const p = change.path;
  for (let k = 0; k < path.length; k++) if (p[depth + k] !== path[k]) return false;
  return true;
}

interface Entry {
  path: Uint8Array;
  value: Uint8Array;
}

function liveEntries(changes: Change[], lo: number, hi: number): Entry[] {
  const out: Entry[] = [];
  for (let i = lo; i < hi; i++) {
    const c = changes[i] as Change;
    if (c.value !== null) out.push({ path: c.path, value: c.value });
  }
  return out;
}

function compareFrom(a: Uint8Array, b: Uint8Array, from: number): number {
  for (let k = from; k < a.length; k++) {
    const d = (a[k] as number) - (b[k] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/** The entries below a leaf: the changes, and the leaf's own key unless a change replaces or deletes it. */
function mergeLeaf(leaf: Leaf, depth: number, changes: Change[], lo: number, hi: number): Entry[] {
  const full = concatNibbles(bytesPart((changes[lo] as Change).path, 0, depth), leaf.path);
  const out: Entry[] = [];
  let placed = false;
  for (let i = lo; i < hi; i++) {
    const c = changes[i] as Change;
    if (!placed) {
      const cmp = compareFrom(c.path, full, depth);
      if (cmp === 0) placed = true;
      else if (cmp > 0) {
        out.push({ path: full, value: leaf.value });
        placed = true;
      }
    }
    if (c.value !== null) out.push({ path: c.path, value: c.value });
  }
  if (!placed) out.push({ path: full, value: leaf.value });
  return out;
}

/** The node over sorted entries that agree on their first `depth` nibbles (null when there are none). */
function build(entries: Entry[], depth: number): Node | null {
  if (entries.length === 0) return null;
  return buildRange(entries, 0, entries.length, depth);
}

function buildRange(entries: Entry[], lo: number, hi: number, depth: number): Node {
  const first = entries[lo] as Entry;
  if (hi - lo === 1) return { kind: LEAF, path: bytesPart(first.path, depth), value: first.value };
  const last = (entries[hi - 1] as Entry).path;
  let shared = 0;
  while (depth + shared < last.length && first.path[depth + shared] === last[depth + shared]) shared++;
  if (shared > 0) return { kind: EXT, path: bytesPart(first.path, depth, depth + shared), child: buildRange(entries, lo, hi, depth + shared) };
  const children: Array<Child | null> = new Array(16).fill(null);
  let i = lo;
  while (i < hi) {
    const nibble = (entries[i] as Entry).path[depth] as number;
    let j = i + 1;
    while (j < hi && (entries[j] as Entry).path[depth] === nibble) j++;
    children[nibble] = buildRange(entries, i, j, depth + 1);
    i = j;
  }
  return { kind: BRANCH, children };
}

/**
 * Applies `changes` (any order; for a key given twice the later one counts) to the trie at `root`, whose
 * nodes `read` returns. Pure: writes nothing, returns the new root and the nodes to store under their hashes.
 */
export async function applyTrieChanges(
  root: Uint8Array,
  read: TrieNodeReader,
  changes: readonly TrieChange[],
  hash: (data: Uint8Array) => Uint8Array = keccak256,
): Promise<TrieUpdate> {
  if (changes.length === 0) return { root, nodes: [] };
  const keyLength = (changes[0] as TrieChange).key.length;
  const sorted = changes
    .map((c, i) => {
      if (c.key.length !== keyLength || keyLength === 0) throw new Error('batch trie update: keys must be non-empty and of one length');
      return { c, i };
    })
    .sort((a, b) => Buffer.compare(a.c.key, b.c.key) || a.i - b.i);
  const list: Change[] = [];
  for (const { c } of sorted) {
    const value = c.value !== null && c.value.length > 0 ? c.value : null; // an empty value deletes, as in the MPT
    const prev = list[list.length - 1];
    if (prev !== undefined && equalKey(prev, c.key)) {
      prev.value = value; // the later change to a key wins
      continue;
    }
    list.push({ path: toNibbles(c.key), value });
  }
  const pass = new Pass(read, hash);
  const start = equalBytes(root, EMPTY_ROOT) ? null : await pass.load(root);
  const top = await pass.update(start, 0, list, 0, list.length);
  if (top === null) return { root: EMPTY_ROOT, nodes: pass.nodes };
  const newRoot = pass.commit(top, true) as Uint8Array;
  return { root: newRoot, nodes: pass.nodes };
}

/**
 * The value stored under `key` (the applied key) in the trie at `root`, or undefined. PERF: @ethereumjs/mpt's
 * get walks with a promise per node and copies every node it reads into the open checkpoint, which then
 * rewrites it at the commit (docs/adr/0018); this walk only reads.
 */
export async function lookupTrie(root: Uint8Array, key: Uint8Array, read: TrieNodeReader): Promise<Uint8Array | undefined> {
  if (equalBytes(root, EMPTY_ROOT)) return undefined;
  const path = toNibbles(key);
  let depth = 0;
  let ref: Raw = root;
  for (;;) {
    let raw: Raw = ref;
    if (ref instanceof Uint8Array) {
      if (ref.length === 0) return undefined; // an empty branch slot
      const encoded = await read(ref);
      if (encoded === undefined) throw new Error('Missing node in DB');
      if (depth < path.length) {
        const child = branchChild(encoded, path[depth] as number);
        if (child !== undefined) {
          depth++;
          ref = child;
          continue;
        }
      }
      raw = RLP.decode(encoded) as Raw;
    }
    if (!Array.isArray(raw)) throw new Error('trie node is not a list');
    if (raw.length === 17) {
      if (depth === path.length) throw new Error('batch trie update: branch node with a value (keys of unequal length)');
      ref = raw[path[depth++] as number] as Raw;
      continue;
    }
    if (raw.length !== 2 || !(raw[0] instanceof Uint8Array) || raw[0].length === 0) throw new Error(`invalid trie node of ${raw.length} items`);
    const { path: nodePath, leaf } = decodeHexPrefix(raw[0]);
    if (leaf && depth + nodePath.length !== path.length) return undefined;
    for (let i = 0; i < nodePath.length; i++) if (path[depth + i] !== nodePath[i]) return undefined;
    if (leaf) {
      const value = raw[1];
      if (!(value instanceof Uint8Array)) throw new Error('invalid trie leaf value');
      return value;
    }
    depth += nodePath.length;
    ref = raw[1] as Raw;
  }
}

// where the item scanItem read has its payload, and whether it is a list (module state: no allocation per item)
let itemStart = 0;
let itemEnd = 0;
let itemIsList = false;

/** Reads the RLP header of the item at `at` of `b`; false if it runs past the end. */
function scanItem(b: Uint8Array, at: number): boolean {
  const first = b[at];
  if (first === undefined) return false;
  if (first < 0x80) {
    itemStart = at;
    itemEnd = at + 1;
    itemIsList = false;
  } else if (first <= 0xb7 || (first >= 0xc0 && first <= 0xf7)) {
    const list = first >= 0xc0;
    itemStart = at + 1;
    itemEnd = itemStart + first - (list ? 0xc0 : 0x80);
    itemIsList = list;
  } else {
    const list = first >= 0xf8;
    const lengthBytes = first - (list ? 0xf7 : 0xb7);
    let length = 0;
    for (let i = 1; i <= lengthBytes; i++) length = length * 256 + ((b[at + i] as number) ?? 0);
    itemStart = at + 1 + lengthBytes;
    itemEnd = itemStart + length;
    itemIsList = list;
  }
  return itemEnd <= b.length;
}

/**
 * The child at `nibble` of the branch node encoded as `encoded`, or undefined when it is not a branch (the
 * caller then decodes it whole). PERF: a lookup needs one child per branch, and decoding the whole node made
 * 17 views of it per level; the storage reads of an ERC-20 transfer walk several levels (docs/performance.md).
 * Nodes come from our own store, by hash, so they are RLP the trie itself wrote.
 */
function branchChild(encoded: Uint8Array, nibble: number): Raw | undefined {
  if (!scanItem(encoded, 0) || !itemIsList || itemEnd !== encoded.length) return undefined;
  const end = itemEnd;
  let at = itemStart;
  let count = 0;
  let childHeader = 0;
  let childStart = 0;
  let childEnd = 0;
  let childIsList = false;
  while (at < end) {
    if (!scanItem(encoded, at)) return undefined;
    if (count === nibble) {
      childHeader = at;
      childStart = itemStart;
      childEnd = itemEnd;
      childIsList = itemIsList;
    }
    count++;
    at = itemEnd;
  }
  if (at !== end || count !== 17) return undefined;
  // a child under 32 bytes is the node itself, inline
  if (childIsList) return RLP.decode(bytesPart(encoded, childHeader, childEnd)) as Raw;
  return bytesPart(encoded, childStart, childEnd);
}

function equalKey(prev: Change, key: Uint8Array): boolean {
  const p = prev.path;
  for (let i = 0; i < key.length; i++) {
    const b = key[i] as number;
    if (p[2 * i] !== b >> 4 || p[2 * i + 1] !== (b & 0x0f)) return false;
  }
  return true;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
