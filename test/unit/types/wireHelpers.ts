/**
 * Shared by the strict p2p codec tests (consensusMessages, blockSyncMessages): raw frames built field by
 * field to break one field at a time, byte-level mutations for fuzzing, and the strictness oracle.
 */
import assert from 'node:assert/strict';
import { RLP } from '../../../src/encoding/index.ts';
import { ChainError, bigintToBytes, concatBytes, equalBytes } from '../../../src/primitives/index.ts';
import type { Prng } from '../../sim/prng.ts';

export type Fields = (Uint8Array | Fields)[];

export const u = (n: number | bigint): Uint8Array => bigintToBytes(BigInt(n));
export const b = (n: number, fill = 7): Uint8Array => new Uint8Array(n).fill(fill);
export const frame = (kind: number, fields: Fields | Uint8Array): Uint8Array => concatBytes(Uint8Array.of(kind), RLP.encode(fields));

/** A copy of `fields` with the field at `path` (indexes into nested lists) replaced. */
export const set = (fields: Fields, path: number[], value: Uint8Array | Fields): Fields => {
  const [head, ...rest] = path as [number, ...number[]];
  const out = [...fields];
  out[head] = rest.length === 0 ? value : set(out[head] as Fields, rest, value);
  return out;
};

/** Random bytes, mostly led by a kind byte in 0..maxKind so the fuzzer gets past the kind check. */
export function randomFrame(rng: Prng, maxKind: number): Uint8Array {
  const body = rng.bytes(rng.int(0, 120));
  return rng.chance(0.8) && body.length > 0 ? Uint8Array.from([rng.int(0, maxKind), ...body.subarray(1)]) : body;
}

/** 1-3 random edits: bit flips, byte rewrites, deletions, insertions, truncation, appended bytes. */
export function mutate(rng: Prng, valid: Uint8Array): Uint8Array {
  const bytes = Array.from(valid);
  for (let m = rng.int(1, 3); m > 0; m--) {
    const at = rng.int(0, bytes.length - 1);
    switch (rng.int(0, 5)) {
      case 0: bytes[at] = (bytes[at] as number) ^ (1 << rng.int(0, 7)); break;
      case 1: bytes[at] = rng.int(0, 255); break;
      case 2: bytes.splice(at, 1); break;
      case 3: bytes.splice(at, 0, rng.int(0, 255)); break;
      case 4: bytes.length = at; break;
      default: bytes.push(rng.int(0, 255));
    }
  }
  return Uint8Array.from(bytes);
}

export interface StrictCodec<M> {
  encode(m: M): Uint8Array;
  decode(bytes: Uint8Array): M;
  /** The one error code the decoder may throw. */
  code: string;
}

/** Decoding must either succeed canonically (re-encodes to the same bytes) or throw the codec's code. */
export function assertDecodesStrictly<M>(codec: StrictCodec<M>, bytes: Uint8Array, context: string): M | undefined {
  let msg: M;
  try {
    msg = codec.decode(bytes);
  } catch (err) {
    assert.ok(err instanceof ChainError, `${context}: threw a non-ChainError: ${String(err)}`);
    assert.equal(err.code, codec.code, `${context}: ${err.message}`);
    return undefined;
  }
  assert.ok(equalBytes(codec.encode(msg), bytes), `${context}: accepted a non-canonical encoding`);
  return msg;
}

/** Every case throws the codec's code with `field` in its context and message. */
export function assertRejectsFields<M>(codec: StrictCodec<M>, cases: ReadonlyArray<readonly [string, Uint8Array, string]>): void {
  for (const [name, bytes, field] of cases) {
    assert.throws(
      () => codec.decode(bytes),
      (err: unknown) => err instanceof ChainError && err.code === codec.code && err.context['field'] === field && err.message.includes(field),
      name,
    );
  }
}
