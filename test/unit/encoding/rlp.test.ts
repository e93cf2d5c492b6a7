/**
 * Our RLP (src/encoding/rlp.ts) against @ethereumjs/rlp, the reference: the same bytes for any value, and for
 * any input (valid, mutated or hand-made invalid) the same decoded value or a rejection by both. Seeded
 * (fast-check): a failure prints its seed and replays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RLP as Reference } from '@ethereumjs/rlp';
import type { Input } from '@ethereumjs/rlp';
import { RLP, RlpError, pairHead } from '../../../src/encoding/index.ts';

const SEED = 20261127;

/** Byte strings around the encoding's boundaries (1 byte < 0x80, 55/56 bytes, lengths of 2 bytes). */
const bytes = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 3 }),
  fc.uint8Array({ minLength: 50, maxLength: 60 }),
  fc.uint8Array({ minLength: 0, maxLength: 40 }),
  fc.uint8Array({ minLength: 250, maxLength: 300 }),
);

const { value: bytesTree } = fc.letrec<{ value: Input }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, bytes, fc.array(tie('value'), { maxLength: 20 })),
}));

/** Values @ethereumjs/rlp converts before encoding: numbers, bigints, strings, null. */
const scalar = fc.oneof(fc.nat(), fc.bigInt({ min: 0n, max: 2n ** 300n }), fc.string({ maxLength: 70 }), fc.constant(null), fc.uint8Array({ maxLength: 20 }).map((b) => `0x${Buffer.from(b).toString("hex")}`));
const { value: anyTree } = fc.letrec<{ value: Input }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, bytes, scalar, fc.array(tie('value'), { maxLength: 8 })),
}));

/** Both decoders' outcome, as comparable data (an error is only "rejected": messages differ). */
function outcome(decodeWith: (b: Uint8Array) => unknown, input: Uint8Array): unknown {
  try {
    return plain(decodeWith(input));
  } catch {
    return 'rejected';
  }
}

function plain(value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('hex') : (value as unknown[]).map(plain);
}

test('encode gives the reference bytes for nested byte strings and lists', () => {
  fc.assert(
    fc.property(bytesTree, (value) => assert.deepEqual(RLP.encode(value), Reference.encode(value))),
    { seed: SEED, numRuns: 400 },
  );
});

test('pairHead followed by the second item is the reference encoding of the pair', () => {
  fc.assert(
    fc.property(bytes, bytes, (first, second) => {
      const head = pairHead(first, second);
      assert.deepEqual(Buffer.concat([head, second]), Buffer.from(Reference.encode([first, second])));
    }),
    { seed: SEED, numRuns: 600 },
  );
});

test('encode gives the reference bytes for numbers, bigints, strings and null inside lists', () => {
  fc.assert(
    fc.property(anyTree, (value) => assert.deepEqual(RLP.encode(value), Reference.encode(value))),
    { seed: SEED + 1, numRuns: 300 },
  );
});

test('decode inverts encode, as the reference does', () => {
  fc.assert(
    fc.property(bytesTree, (value) => {
      const encoded = Reference.encode(value);
      assert.deepEqual(plain(RLP.decode(encoded)), plain(value));
    }),
    { seed: SEED + 2, numRuns: 400 },
  );
});

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('first' as const), byte: fc.integer({ min: 0x7f, max: 0xff }) }),
);

test('decode accepts and rejects exactly what the reference does on mutated encodings', () => {
  fc.assert(
    fc.property(bytesTree, fc.array(mutation, { minLength: 1, maxLength: 3 }), (value, mutations) => {
      let input = Reference.encode(value);
      for (const m of mutations) {
        if (input.length === 0) break;
        if (m.kind === 'flip') input[m.at % input.length] = (input[m.at % input.length] as number) ^ m.xor;
        else if (m.kind === 'truncate') input = input.slice(0, m.at % input.length);
        else if (m.kind === 'append') input = Uint8Array.from([...input, m.byte]);
        else input[0] = m.byte;
      }
      assert.deepEqual(outcome(RLP.decode, input), outcome((b) => Reference.decode(b), input));
    }),
    { seed: SEED + 3, numRuns: 3000 },
  );
});

const INVALID: Array<[string, number[]]> = [
  ['a single byte below 0x80 with a prefix', [0x81, 0x05]],
  ['a short string in the long form', [0xb8, 0x05, 1, 2, 3, 4, 5]],
  ['a length with a leading zero', [0xb9, 0x00, 0x40, ...new Array(64).fill(1)]],
  ['a string longer than its input', [0x85, 1, 2]],
  ['a list longer than its input', [0xc3, 0x80]],
  ['a short list in the long form', [0xf8, 0x02, 0x80, 0x80]],
  ['bytes after the value', [0x80, 0x80]],
  ['an item running past its list', [0xc2, 0x83, 1, 2, 3]],
  ['a list running past its enclosing list', [0xc2, 0xc2, 0x80]],
  ['a long string length without its bytes', [0xb9, 0x01]],
];

for (const [what, input] of INVALID) {
  test(`decode rejects ${what}, as the reference does`, () => {
    const bytesIn = Uint8Array.from(input);
    assert.throws(() => Reference.decode(bytesIn));
    assert.throws(() => RLP.decode(bytesIn), RlpError);
  });
}

test('decoded items are views of an input over 64 bytes (no copies), and copies of a smaller one', () => {
  const encoded = RLP.encode([new Uint8Array(100).fill(7), [Uint8Array.of(0x80)]]);
  const decoded = RLP.decode(encoded) as [Uint8Array, [Uint8Array]];
  assert.equal(decoded[0].buffer, encoded.buffer);
  assert.equal(decoded[1][0].buffer, encoded.buffer);
  assert.deepEqual(RLP.decode(new Uint8Array()), new Uint8Array());

  // V8 keeps arrays of up to 64 bytes in its heap and a view would move them out (rlp.ts, part): copies
  const small = RLP.encode([new Uint8Array(40).fill(7), [Uint8Array.of(0x80)]]);
  const copied = RLP.decode(small) as [Uint8Array, [Uint8Array]];
  assert.deepEqual(copied, [new Uint8Array(40).fill(7), [Uint8Array.of(0x80)]]);
  small.fill(0);
  assert.deepEqual(copied[0], new Uint8Array(40).fill(7), 'independent of the input');
});
