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
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

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
  Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(hex.slice(2), 'hex');
  return out;
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

/** 7 to 32 bytes as 64-bit limbs after a head of n mod 8 bytes. PERF: about twice as fast as the hex string. */
function limbsToBigint(bytes: Uint8Array): bigint {
  const n = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, n);
  let i = n % 8;
  let v: bigint;
  if (i > 4) {
    // a head of 5-7 bytes: its top part and a 32-bit read, joined as bigints (a Number holds only 53 bits)
    let top = 0;
    for (let j = 0; j < i - 4; j++) top = top * 256 + (bytes[j] as number);
    v = (BigInt(top) << 32n) | BigInt(view.getUint32(i - 4));
  } else {
    let head = 0;
    for (let j = 0; j < i; j++) head = head * 256 + (bytes[j] as number);
    v = BigInt(head);
  }
  for (; i < n; i += 8) v = (v << 64n) | view.getBigUint64(i);
  return v;
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
