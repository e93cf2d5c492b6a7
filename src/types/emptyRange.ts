/**
 * A run of empty blocks kept as one record instead of one stored block each (dev mode's
 * `hardhat_mine(n)`, ADR 0009): every block in it is a pure function of the record and its height, so a
 * million blocks cost one write and any of them is rebuilt in O(1) when asked for.
 *
 * A block's hash is normally keccak256 of its header, and the header holds the parent's hash, so block k
 * could only be hashed after all blocks before it. A block in a range is therefore hashed with its
 * parentHash field replaced by the range's anchor (the hash of the block before the range), which every
 * header of the range shares. That keeps the commitment to every other field, breaks the chain of
 * dependencies, and the real parentHash in the header still links block k to block k-1. The hash's last
 * 8 bytes are the height, so a hash can be looked up without an index: 24 bytes of keccak remain, far
 * beyond any chance of collision.
 */
import { keccak256 } from '../crypto/index.ts';
import { RLP } from '../encoding/index.ts';
import { ChainError, bigintToBytes, bytesToBigint, concatBytes } from '../primitives/index.ts';
import type { Block } from './block.ts';
import { encodeHeader } from './header.ts';
import type { Header } from './header.ts';

export interface EmptyRange {
  first: bigint;
  last: bigint;
  /** Hash and timestamp of block first-1. */
  anchorHash: Uint8Array;
  anchorTimestamp: bigint;
  /** Block k has timestamp anchorTimestamp + intervalSec * (k - first + 1). */
  intervalSec: bigint;
  /** Empty blocks change no state: every block of the range has the anchor's state root. */
  stateRoot: Uint8Array;
  gasLimit: bigint;
  baseFeePerGas: bigint;
  proposer: Uint8Array;
  validatorsHash: Uint8Array;
}

/** keccak256(RLP("")): the root of the empty transaction and receipt tries. */
const EMPTY_ROOT = keccak256(RLP.encode(new Uint8Array(0)));
const EMPTY_BLOOM = new Uint8Array(256);
const ZERO_HASH = new Uint8Array(32);

export function inEmptyRange(range: EmptyRange, height: bigint): boolean {
  return height >= range.first && height <= range.last;
}

/** The header of block `height` of the range, without its parentHash (the hashing template). */
function template(range: EmptyRange, height: bigint): Header {
  return {
    height,
    timestamp: range.anchorTimestamp + range.intervalSec * (height - range.first + 1n),
    parentHash: range.anchorHash,
    proposer: range.proposer,
    stateRoot: range.stateRoot,
    transactionsRoot: EMPTY_ROOT,
    receiptsRoot: EMPTY_ROOT,
    logsBloom: EMPTY_BLOOM,
    gasUsed: 0n,
    gasLimit: range.gasLimit,
    baseFeePerGas: range.baseFeePerGas,
    // a block without a commit of its parent: keccak(parent seed, index), as prevRandaoFor is for the first
    prevRandao: keccak256(concatBytes(range.anchorHash, u256(height - range.first))),
    validatorsHash: range.validatorsHash,
    lastCommitHash: ZERO_HASH,
    evidenceHash: ZERO_HASH,
  };
}

export function emptyRangeHash(range: EmptyRange, height: bigint): Uint8Array {
  const digest = keccak256(encodeHeader(template(range, height)));
  return concatBytes(digest.subarray(0, 24), u64(height));
}

export function emptyRangeHeader(range: EmptyRange, height: bigint): Header {
  if (!inEmptyRange(range, height)) throw new ChainError('UNKNOWN_BLOCK', `block ${height} is not in the empty range ${range.first}..${range.last}`);
  const parentHash = height === range.first ? range.anchorHash : emptyRangeHash(range, height - 1n);
  return { ...template(range, height), parentHash };
}

export function emptyRangeBlock(range: EmptyRange, height: bigint): Block {
  return { header: emptyRangeHeader(range, height), hash: emptyRangeHash(range, height), transactions: [], lastCommit: null, evidence: [] };
}

/** The height a range block's hash names (its last 8 bytes); the caller checks the hash really is one. */
export function emptyRangeHeightOf(hash: Uint8Array): bigint {
  return bytesToBigint(hash.subarray(24));
}

export function encodeEmptyRange(r: EmptyRange): Uint8Array {
  return RLP.encode([
    bigintToBytes(r.first),
    bigintToBytes(r.last),
    r.anchorHash,
    bigintToBytes(r.anchorTimestamp),
    bigintToBytes(r.intervalSec),
    r.stateRoot,
    bigintToBytes(r.gasLimit),
    bigintToBytes(r.baseFeePerGas),
    r.proposer,
    r.validatorsHash,
  ]);
}

export function decodeEmptyRange(bytes: Uint8Array): EmptyRange {
  const f = RLP.decode(bytes);
  if (!Array.isArray(f) || f.length !== 10 || !f.every((x) => x instanceof Uint8Array)) {
    throw new ChainError('BAD_ENCODING', 'empty range: expected a list of 10 byte strings');
  }
  const at = (i: number): Uint8Array => f[i] as Uint8Array;
  return {
    first: bytesToBigint(at(0)),
    last: bytesToBigint(at(1)),
    anchorHash: at(2),
    anchorTimestamp: bytesToBigint(at(3)),
    intervalSec: bytesToBigint(at(4)),
    stateRoot: at(5),
    gasLimit: bytesToBigint(at(6)),
    baseFeePerGas: bytesToBigint(at(7)),
    proposer: at(8),
    validatorsHash: at(9),
  };
}

function u64(value: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, value);
  return b;
}

function u256(value: bigint): Uint8Array {
  const b = new Uint8Array(32);
  new DataView(b.buffer).setBigUint64(24, value);
  return b;
}
