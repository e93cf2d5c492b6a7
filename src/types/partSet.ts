/**
 * Block parts: a proposed block travels as parts of at most 64 KiB (CometBFT's part size, one p2p frame)
 * so that peers can relay the pieces they have while the rest is still arriving.
 *
 * The part-set hash is a simple binary Merkle root (RFC 6962 / CometBFT's shape: leaf = keccak(0x00 ‖
 * part), inner = keccak(0x01 ‖ left ‖ right), split at the largest power of two below n), and every part
 * carries its Merkle proof. We chose this over keccak(concatenated part hashes) because a receiver can then
 * check each part the moment it arrives against the announced (total, hash) and ban the peer that forged
 * it, instead of learning only after the whole block arrived that some part, from some peer, was wrong.
 */
import { keccak256 } from '../crypto/index.ts';
import { ChainError, concatBytes, equalBytes } from '../primitives/index.ts';

/** CometBFT's BlockPartSizeBytes: one part fits one 64 KiB p2p frame's worth of message. */
export const BLOCK_PART_SIZE = 64 * 1024;
/** 512 parts of 64 KiB = 32 MiB, the block-sync channel's message limit: no block can be larger. */
export const MAX_BLOCK_PARTS = 512;
export const MAX_BLOCK_BYTES = MAX_BLOCK_PARTS * BLOCK_PART_SIZE;

/** What a proposal announces about its block's parts. */
export interface PartSetHeader {
  total: number;
  hash: Uint8Array;
}

export interface Part {
  index: number;
  total: number;
  bytes: Uint8Array;
  /** Sibling hashes from the leaf up to the root (CometBFT's "aunts"). */
  proof: Uint8Array[];
}

const LEAF = new Uint8Array([0]);
const INNER = new Uint8Array([1]);

function leafHash(bytes: Uint8Array): Uint8Array {
  return keccak256(concatBytes(LEAF, bytes));
}

function innerHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return keccak256(concatBytes(INNER, left, right));
}

/** Largest power of two strictly below n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The number of sibling hashes a valid proof for `index` of `total` has: the leaf's depth in the tree. */
export function partProofLength(index: number, total: number): number {
  let depth = 0;
  while (total > 1) {
    const k = splitPoint(total);
    if (index < k) total = k;
    else {
      index -= k;
      total -= k;
    }
    depth++;
  }
  return depth;
}

/** Root and every leaf's proof in one pass. */
function buildTree(leaves: Uint8Array[]): { root: Uint8Array; proofs: Uint8Array[][] } {
  if (leaves.length === 1) return { root: leaves[0] as Uint8Array, proofs: [[]] };
  const k = splitPoint(leaves.length);
  const left = buildTree(leaves.slice(0, k));
  const right = buildTree(leaves.slice(k));
  for (const p of left.proofs) p.push(right.root);
  for (const p of right.proofs) p.push(left.root);
  return { root: innerHash(left.root, right.root), proofs: [...left.proofs, ...right.proofs] };
}

/** The root a proof leads to, or null if the proof has the wrong shape for (index, total). */
function rootFromProof(index: number, total: number, leaf: Uint8Array, proof: Uint8Array[]): Uint8Array | null {
  if (total === 1) return proof.length === 0 ? leaf : null;
  if (proof.length === 0) return null;
  const sibling = proof[proof.length - 1] as Uint8Array;
  const rest = proof.slice(0, -1);
  const k = splitPoint(total);
  if (index < k) {
    const left = rootFromProof(index, k, leaf, rest);
    return left === null ? null : innerHash(left, sibling);
  }
  const right = rootFromProof(index - k, total - k, leaf, rest);
  return right === null ? null : innerHash(sibling, right);
}

function partError(message: string, context: Record<string, unknown> = {}): ChainError {
  return new ChainError('BAD_BLOCK_PART', message, context);
}

/** Split an encoded block into parts of `partSize` bytes (the last one shorter) with their proofs. */
export function splitIntoParts(blockBytes: Uint8Array, partSize: number = BLOCK_PART_SIZE): { header: PartSetHeader; parts: Part[] } {
  if (!Number.isSafeInteger(partSize) || partSize < 1 || partSize > BLOCK_PART_SIZE) throw partError(`partSize must be in 1..${BLOCK_PART_SIZE}`);
  if (blockBytes.length === 0) throw partError('cannot split an empty block');
  const total = Math.ceil(blockBytes.length / partSize);
  if (total > MAX_BLOCK_PARTS) throw partError(`block needs ${total} parts, more than ${MAX_BLOCK_PARTS}`);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < total; i++) chunks.push(blockBytes.slice(i * partSize, (i + 1) * partSize));
  const { root, proofs } = buildTree(chunks.map(leafHash));
  const parts = chunks.map((bytes, index) => ({ index, total, bytes, proof: proofs[index] as Uint8Array[] }));
  return { header: { total, hash: root }, parts };
}

export interface PartSetOptions {
  /** The size every part but the last must have; the protocol's is BLOCK_PART_SIZE. */
  partSize?: number;
  /** Refuse a header whose total * partSize exceeds this: the memory one proposal may pin. */
  maxBytes?: number;
}

/**
 * Reassembles one proposal's block from parts arriving in any order from any peers. Each part is checked
 * against the announced header on arrival; a part that fails throws BAD_BLOCK_PART (the sender is to be
 * banned) and changes nothing. Duplicates are ignored before any hashing: gossip delivers many.
 */
export class PartSet {
  readonly header: PartSetHeader;
  private readonly partSize: number;
  private readonly parts: (Uint8Array | undefined)[];
  private received = 0;

  constructor(header: PartSetHeader, options: PartSetOptions = {}) {
    const partSize = options.partSize ?? BLOCK_PART_SIZE;
    const maxBytes = options.maxBytes ?? MAX_BLOCK_BYTES;
    if (!Number.isSafeInteger(partSize) || partSize < 1 || partSize > BLOCK_PART_SIZE) throw partError(`partSize must be in 1..${BLOCK_PART_SIZE}`);
    if (!Number.isSafeInteger(header.total) || header.total < 1 || header.total > MAX_BLOCK_PARTS) {
      throw partError(`part set total must be in 1..${MAX_BLOCK_PARTS}`, { total: header.total });
    }
    if (header.total * partSize > maxBytes) throw partError(`part set of ${header.total} parts may exceed ${maxBytes} bytes`, { total: header.total });
    if (header.hash.length !== 32) throw partError('part set hash must be 32 bytes');
    this.header = { total: header.total, hash: header.hash.slice() };
    this.partSize = partSize;
    this.parts = new Array<Uint8Array | undefined>(header.total).fill(undefined);
  }

  get count(): number {
    return this.received;
  }

  get isComplete(): boolean {
    return this.received === this.header.total;
  }

  hasPart(index: number): boolean {
    return this.parts[index] !== undefined;
  }

  /** 'complete' when this part was the last one missing; then blockBytes() returns the block. */
  addPart(part: Part): 'added' | 'duplicate' | 'complete' {
    const { total } = this.header;
    if (part.total !== total) throw partError(`part total ${part.total} does not match the announced ${total}`, { index: part.index });
    if (!Number.isSafeInteger(part.index) || part.index < 0 || part.index >= total) throw partError(`part index ${part.index} out of range`, { index: part.index });
    if (this.parts[part.index] !== undefined) return 'duplicate';
    // Exact sizes make the split canonical and bound memory even before the hash is checked.
    const last = part.index === total - 1;
    if (last ? part.bytes.length < 1 || part.bytes.length > this.partSize : part.bytes.length !== this.partSize) {
      throw partError(`part ${part.index} has ${part.bytes.length} bytes`, { index: part.index });
    }
    const root = rootFromProof(part.index, total, leafHash(part.bytes), part.proof);
    if (root === null || !equalBytes(root, this.header.hash)) throw partError(`part ${part.index} does not match the part set hash`, { index: part.index });
    this.parts[part.index] = part.bytes.slice();
    this.received++;
    return this.isComplete ? 'complete' : 'added';
  }

  /** The reassembled block bytes, or null while parts are missing. */
  blockBytes(): Uint8Array | null {
    return this.isComplete ? concatBytes(...(this.parts as Uint8Array[])) : null;
  }
}
