/**
 * 256-bit EVM words to and from 32 big-endian bytes in place. PERF: @ethereumjs goes through a hex string
 * and then pads with array spreads (`setLengthLeft(bigIntToBytes(w), 32)`), a few allocations per MSTORE;
 * most words a contract stores (offsets, lengths, amounts, selectors) are below 2^53 and need none, and
 * the others (addresses, hashes) go as four 64-bit limbs.
 */
import { readWord256, writeWord256 } from '../primitives/index.ts';

const MAX_SAFE = 0x1f_ffff_ffff_ffffn;
const TWO_32 = 0x1_0000_0000;

/** Writes `value` (0 <= value < 2^256) as 32 big-endian bytes at `offset`. */
export function writeWord(store: Uint8Array, offset: number, value: bigint): void {
  inBounds(store, offset);
  if (value <= MAX_SAFE) {
    store.fill(0, offset, offset + 24);
    const v = Number(value);
    writeUint32(store, offset + 24, Math.floor(v / TWO_32));
    writeUint32(store, offset + 28, v >>> 0);
    return;
  }
  // PERF: four 64-bit limbs (about twice as fast as a hex string), through primitives' scratch word: a DataView
  // over `store` itself would move a small array out of V8's heap (bytes.ts, SCRATCH)
  writeWord256(store, offset, value);
}

/** `value` as a new 32-byte big-endian array (a storage key, a log topic). */
export function wordBytes(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  writeWord(out, 0, value);
  return out;
}

/** The 32 big-endian bytes at `offset` as an unsigned integer. */
export function readWord(store: Uint8Array, offset: number): bigint {
  inBounds(store, offset);
  // the top 26 bytes zero: the value fits 6 bytes, exact as a Number
  let i = offset;
  const end = offset + 26;
  while (i < end && store[i] === 0) i++;
  if (i === end) {
    let v = 0;
    for (let j = end; j < offset + 32; j++) v = v * 256 + (store[j] as number);
    return BigInt(v);
  }
  return readWord256(store, offset);
}

/** The EVM extends memory before it reads or writes a word; a word past the end is a bug, not a silent no-op. */
function inBounds(store: Uint8Array, offset: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + 32 > store.length) throw new RangeError(`word at ${offset} is outside memory of ${store.length} bytes`);
}

function writeUint32(store: Uint8Array, offset: number, v: number): void {
  store[offset] = v >>> 24;
  store[offset + 1] = (v >>> 16) & 0xff;
  store[offset + 2] = (v >>> 8) & 0xff;
  store[offset + 3] = v & 0xff;
}
