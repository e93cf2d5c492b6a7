/** Byte and hex helpers. Hex strings are always 0x-prefixed and lower case unless a name says otherwise. */
import { ChainError } from './errors.ts';

export type Hex = `0x${string}`;

const HEX_RE = /^0x[0-9a-fA-F]*$/;

export function isHex(value: unknown): value is Hex {
  return typeof value === 'string' && HEX_RE.test(value);
}

export function bytesToHex(bytes: Uint8Array): Hex {
  return `0x${bareHex(bytes)}`;
}

/**
 * Bytes as lowercase hex without the 0x prefix. PERF: one flat string made natively; a hex string built a
 * character pair at a time (as @ethereumjs/util's bytesToUnprefixedHex does) is a rope, and every Map lookup
 * keyed by it walks the rope to hash and compare it (~15% of an execution worker's transfer time).
 */
export function bareHex(bytes: Uint8Array): string {
  return hexSlice !== undefined ? hexSlice.call(bytes, 0, bytes.length) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Node's own hex encoder, called on the array itself. PERF: it reads a small array where V8 keeps it; going
 * through `Buffer.from(bytes.buffer)` first made V8 move the array out of its heap (see SCRATCH below): five
 * mallocs per call against one, measured with a uprobe on malloc. Node has had it on Buffer.prototype
 * (behind `toString('hex')`) since v0.x; the fallback keeps a runtime without it working.
 */
const hexSlice = (Buffer.prototype as unknown as { hexSlice?: (this: Uint8Array, start: number, end: number) => string }).hexSlice;

/**
 * A string that identifies `bytes` as a Map key: one character per byte (latin1), made without an allocation
 * outside the JS heap. PERF: half as long as hex and no malloc for node's hex output; caches keyed by
 * address and slot make a few per transaction. `keyBytes` turns it back.
 */
export function bytesKey(bytes: Uint8Array): string {
  return latin1Slice !== undefined ? latin1Slice.call(bytes, 0, bytes.length) : Buffer.from(bytes).toString('latin1');
}

export function keyBytes(key: string): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  return out;
}

const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, start: number, end: number) => string }).latin1Slice;

export function hexToBytes(hex: string): Uint8Array {
  if (!isHex(hex) || hex.length % 2 !== 0) {
    throw new ChainError('INVALID_HEX', `invalid hex data: ${hex.slice(0, 80)}`, {});
  }
  return checkedHexToBytes(hex);
}

/**
 * `hex` (0x-prefixed, even length, already checked by the caller) as bytes. PERF: a raw transaction's hex was
 * matched against a regular expression twice per eth_sendRawTransaction (parseData, then hexToBytes).
 */
export function checkedHexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array((hex.length - 2) >>> 1);
  if (out.length > IN_HEAP_MAX) {
    Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(hex.slice(2), 'hex');
    return out;
  }
  // an address, a hash, a word: decoded here, so that the array stays in V8's heap (see SCRATCH)
  for (let i = 0; i < out.length; i++) {
    const hi = NIBBLE[hex.charCodeAt(2 + 2 * i)] ?? 255;
    const lo = NIBBLE[hex.charCodeAt(3 + 2 * i)] ?? 255;
    if ((hi | lo) > 15) throw new ChainError('INVALID_HEX', `invalid hex data: ${hex.slice(0, 80)}`, {});
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Each character code's value as a hex digit; 255 for any other code below 128 (and `?? 255` for the rest). */
const NIBBLE = new Uint8Array(128).fill(255);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[65 + i] = 10 + i;
  NIBBLE[97 + i] = 10 + i;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

export function bigintToBytes(value: bigint): Uint8Array {
  if (value === 0n) return new Uint8Array();
  // PERF: gas, prices, nonces and most amounts are below 2^53: their bytes without a hex string and a copy
  if (value > 0n && value <= 0x1f_ffff_ffff_ffffn) {
    let v = Number(value);
    let n = 0;
    for (let t = v; t >= 1; t = Math.floor(t / 256)) n++;
    const out = new Uint8Array(n);
    for (let i = n - 1; i >= 0; i--) {
      out[i] = v % 256;
      v = Math.floor(v / 256);
    }
    return out;
  }
  if (value > 0n && value <= MAX_WORD) {
    writeWordLimbs(value);
    let first = 0;
    while (SCRATCH[first] === 0) first++;
    return SCRATCH.slice(first, 32);
  }
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function bytesToBigint(bytes: Uint8Array): bigint {
  const n = bytes.length;
  if (n === 0) return 0n;
  // PERF: nonces, gas and most values fit 6 bytes (exact below 2^53): no hex string on every decoded field
  if (n <= 6) {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + (bytes[i] as number);
    return BigInt(v);
  }
  if (n <= 32) return limbsToBigint(bytes);
  return BigInt(bytesToHex(bytes));
}

/** 7 to 32 bytes, right-aligned in the scratch word, read as 64-bit limbs from the first one they reach. */
function limbsToBigint(bytes: Uint8Array): bigint {
  const n = bytes.length;
  const start = 32 - n;
  SCRATCH.fill(0, 0, start);
  for (let i = 0; i < n; i++) SCRATCH[start + i] = bytes[i] as number;
  let limb = start >>> 3;
  let v = SCRATCH_VIEW.getBigUint64(limb * 8);
  for (limb++; limb < 4; limb++) v = (v << 64n) | SCRATCH_VIEW.getBigUint64(limb * 8);
  return v;
}

/**
 * PERF: V8 keeps a typed array of up to 64 bytes inside its JS heap. Anything that asks for such an array's
 * `.buffer` (a DataView over it, `Buffer.from(a.buffer)`, hash-wasm's `update`) makes V8 move it out: two
 * mallocs and a copy, and a free on a GC thread later. That was most of ~170 mallocs per ERC-20 transfer in
 * the execution worker (malloc, free and V8's ArrayBuffer sweeper: ~15% of its time). So the 64-bit limb
 * reads and writes go through this one array outside the heap (made from an ArrayBuffer), copied byte by byte.
 * Single-threaded per isolate, and no function here awaits while it holds data in it.
 */
export const IN_HEAP_MAX = 64;
const SCRATCH = new Uint8Array(new ArrayBuffer(32));
const SCRATCH_VIEW = new DataView(SCRATCH.buffer);
const MAX_WORD = (1n << 256n) - 1n;

/** Writes `value` (< 2^256) into the scratch word as four 64-bit limbs. */
function writeWordLimbs(value: bigint): void {
  SCRATCH_VIEW.setBigUint64(24, BigInt.asUintN(64, value));
  SCRATCH_VIEW.setBigUint64(16, BigInt.asUintN(64, value >> 64n));
  SCRATCH_VIEW.setBigUint64(8, BigInt.asUintN(64, value >> 128n));
  SCRATCH_VIEW.setBigUint64(0, value >> 192n);
}

/**
 * `bytes[start, end)`: a view when `bytes` is larger than V8 keeps in its heap, else a copy. PERF: a view of a
 * small array (`subarray`) moves it out of the heap (SCRATCH above); copying a few bytes is cheaper. So the
 * result must be treated as read-only and as possibly sharing memory with `bytes`, as any view.
 */
export function bytesPart(bytes: Uint8Array, start: number, end: number = bytes.length): Uint8Array {
  return bytes.length <= IN_HEAP_MAX ? bytes.slice(start, end) : bytes.subarray(start, end);
}

/** The 32 big-endian bytes of `store` at `offset` as an unsigned integer (the caller checks the bounds). */
export function readWord256(store: Uint8Array, offset: number): bigint {
  for (let i = 0; i < 32; i++) SCRATCH[i] = store[offset + i] as number;
  return (SCRATCH_VIEW.getBigUint64(0) << 192n) | (SCRATCH_VIEW.getBigUint64(8) << 128n) | (SCRATCH_VIEW.getBigUint64(16) << 64n) | SCRATCH_VIEW.getBigUint64(24);
}

/** Writes `value` (0 <= value < 2^256) as 32 big-endian bytes into `store` at `offset` (the caller checks the bounds). */
export function writeWord256(store: Uint8Array, offset: number, value: bigint): void {
  writeWordLimbs(value);
  for (let i = 0; i < 32; i++) store[offset + i] = SCRATCH[i] as number;
}

export function padLeft(bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.length >= length) return bytes;
  const out = new Uint8Array(length);
  out.set(bytes, length - bytes.length);
  return out;
}

export function utf8ToBytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}
