/**
 * RLP with @ethereumjs/rlp's rules and results, without its allocations. PERF: its encoder builds every item
 * twice (a header array and a concatenated copy, per item, with lengths over 55 going through hex strings) and
 * its decoder copies every item out of the input; trie nodes, receipts and transactions go through both
 * thousands of times a block, and together they were ~30% of the execution worker's time for a transfer
 * (docs/performance.md). Here an encoding is measured, then written into one array; a decoded item is a view
 * of the input (a copy when the input is 64 bytes or less: `bytesPart`), so the input must not change while its
 * items are in use.
 *
 * Anything that is not a byte array or a list (numbers, bigints, strings, null) is encoded by @ethereumjs/rlp
 * itself, so its conversions stay the reference. test/unit/encoding/rlp.test.ts checks both directions
 * against @ethereumjs/rlp on random nested values and on mutated encodings (same result, or both reject).
 */
import { RLP as ReferenceRlp } from '@ethereumjs/rlp';
import type { Input, NestedUint8Array } from '@ethereumjs/rlp';
import { bytesPart } from '../primitives/index.ts';

export class RlpError extends Error {
  constructor(message: string) {
    super(`invalid RLP: ${message}`);
    this.name = 'RlpError';
  }
}

function lengthOfLength(n: number): number {
  let bytes = 1;
  while (n >= 256 ** bytes) bytes++;
  return bytes;
}

function headerSize(payload: number): number {
  return payload < 56 ? 1 : 1 + lengthOfLength(payload);
}

/** What pass one learns for pass two: list payload sizes and foreign scalars' encodings, in visiting order. */
interface Plan {
  lists: number[];
  scalars: Uint8Array[];
}

function measure(item: Input, plan: Plan): number {
  if (item instanceof Uint8Array) return item.length === 1 && (item[0] as number) < 0x80 ? 1 : headerSize(item.length) + item.length;
  if (Array.isArray(item)) {
    const slot = plan.lists.length;
    plan.lists.push(0);
    let payload = 0;
    for (let i = 0; i < item.length; i++) payload += measure(item[i] as Input, plan);
    plan.lists[slot] = payload;
    return headerSize(payload) + payload;
  }
  const encoded = ReferenceRlp.encode(item);
  plan.scalars.push(encoded);
  return encoded.length;
}

function writeHeader(out: Uint8Array, at: number, payload: number, offset: number): number {
  if (payload < 56) {
    out[at] = offset + payload;
    return at + 1;
  }
  const bytes = lengthOfLength(payload);
  out[at] = offset + 55 + bytes;
  for (let i = bytes; i > 0; i--, payload = Math.floor(payload / 256)) out[at + i] = payload % 256;
  return at + 1 + bytes;
}

interface Cursor {
  list: number;
  scalar: number;
}

function write(item: Input, out: Uint8Array, at: number, plan: Plan, cursor: Cursor): number {
  if (item instanceof Uint8Array) {
    if (item.length === 1 && (item[0] as number) < 0x80) {
      out[at] = item[0] as number;
      return at + 1;
    }
    at = writeHeader(out, at, item.length, 0x80);
    out.set(item, at);
    return at + item.length;
  }
  if (Array.isArray(item)) {
    at = writeHeader(out, at, plan.lists[cursor.list++] as number, 0xc0);
    for (let i = 0; i < item.length; i++) at = write(item[i] as Input, out, at, plan, cursor);
    return at;
  }
  const encoded = plan.scalars[cursor.scalar++] as Uint8Array;
  out.set(encoded, at);
  return at + encoded.length;
}

export function encode(input: Input): Uint8Array {
  const plan: Plan = { lists: [], scalars: [] };
  const out = new Uint8Array(measure(input, plan));
  write(input, out, 0, plan, { list: 0, scalar: 0 });
  return out;
}

/** A big-endian length of `bytes` bytes at `at`: canonical (no leading zero), and inside the input. */
function readLength(input: Uint8Array, at: number, bytes: number, end: number): number {
  if (at + bytes > end) throw new RlpError('not enough bytes for a length');
  if (input[at] === 0) throw new RlpError('extra zeros');
  let n = 0;
  for (let i = 0; i < bytes; i++) n = n * 256 + (input[at + i] as number);
  return n;
}

/** Decodes one item starting at `at` (before `end`); returns it and where the next one starts. */
function item(input: Uint8Array, at: number, end: number, next: { at: number }): Uint8Array | NestedUint8Array {
  const first = input[at] as number;
  if (first <= 0x7f) {
    next.at = at + 1;
    return bytesPart(input, at, at + 1);
  }
  if (first <= 0xbf) {
    let start = at + 1;
    let length = first - 0x80;
    if (first > 0xb7) {
      length = readLength(input, start, first - 0xb7, end);
      if (length <= 55) throw new RlpError('expected string length to be greater than 55');
      start += first - 0xb7;
    }
    if (start + length > end) throw new RlpError('string longer than its input');
    if (length === 1 && (input[start] as number) < 0x80) throw new RlpError('single byte < 0x80 is not prefixed');
    next.at = start + length;
    return bytesPart(input, start, start + length);
  }
  let start = at + 1;
  let length = first - 0xc0;
  if (first > 0xf7) {
    length = readLength(input, start, first - 0xf7, end);
    if (length < 56) throw new RlpError('encoded list too short');
    start += first - 0xf7;
  }
  const stop = start + length;
  if (stop > end) throw new RlpError('list longer than its input');
  const items: NestedUint8Array = [];
  next.at = start;
  while (next.at < stop) items.push(item(input, next.at, stop, next));
  next.at = stop;
  return items;
}

/** The one value `input` encodes (an empty input decodes to an empty byte array, as in @ethereumjs/rlp). */
export function decode(input: Uint8Array): Uint8Array | NestedUint8Array {
  if (input.length === 0) return new Uint8Array();
  const next = { at: 0 };
  const value = item(input, 0, input.length, next);
  if (next.at !== input.length) throw new RlpError('remainder must be zero');
  return value;
}

/** A byte string that is its own encoding. */
function bare(b: Uint8Array): boolean {
  return b.length === 1 && (b[0] as number) < 0x80;
}

/**
 * The encoding of the list [first, second] up to where `second`'s own bytes start: list header, `first`
 * encoded, `second`'s header (none for one byte under 0x80, which is its own encoding). Head followed by
 * `second` is `encode([first, second])`. PERF: a trie leaf can then be hashed without copying its value
 * into a new array (roots.ts).
 */
export function pairHead(first: Uint8Array, second: Uint8Array): Uint8Array {
  const firstSize = bare(first) ? 1 : headerSize(first.length) + first.length;
  const secondHeader = bare(second) ? 0 : headerSize(second.length);
  const payload = firstSize + secondHeader + second.length;
  const out = new Uint8Array(headerSize(payload) + firstSize + secondHeader);
  let at = writeHeader(out, 0, payload, 0xc0);
  at = write(first, out, at, { lists: [], scalars: [] }, { list: 0, scalar: 0 });
  if (secondHeader > 0) writeHeader(out, at, second.length, 0x80);
  return out;
}

export const RLP = { encode, decode };
