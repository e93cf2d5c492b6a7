import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bigintToBytes, bytesToBigint, checkedHexToBytes, hexToBytes } from '../../../src/primitives/index.ts';

describe('bytesToBigint', () => {
  it('reads big-endian integers of any length, across the 6-byte and 64-bit-limb paths, also from a view (property, seeded)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat({ max: 7 }), (bytes, offset) => {
        const want = bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
        assert.equal(bytesToBigint(bytes), want);
        const inside = new Uint8Array(offset + bytes.length + 3).fill(0xff);
        inside.set(bytes, offset);
        assert.equal(bytesToBigint(inside.subarray(offset, offset + bytes.length)), want, 'a view at an odd offset');
      }),
      { seed: 20261127, numRuns: 1000 },
    );
  });

  it('round-trips the boundary values', () => {
    for (const v of [0n, 1n, 255n, 256n, 2n ** 48n - 1n, 2n ** 48n, 2n ** 53n, 2n ** 64n - 1n, 2n ** 256n - 1n]) {
      assert.equal(bytesToBigint(bigintToBytes(v)), v);
    }
    assert.equal(bytesToBigint(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), 2n ** 48n - 1n);
  });
});

describe('bigintToBytes', () => {
  it('gives the minimal big-endian bytes, on both sides of the 2^53 fast path (property, seeded)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), fc.integer({ min: 0, max: 2 ** 53 - 1 }), (big, small) => {
        for (const v of [big, BigInt(small)]) {
          const hex = v.toString(16);
          const want = v === 0n ? '' : hex.length % 2 ? `0${hex}` : hex;
          assert.equal(Buffer.from(bigintToBytes(v)).toString('hex'), want);
        }
      }),
      { seed: 20261127, numRuns: 1000 },
    );
    for (const v of [1n, 255n, 256n, 2n ** 52n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n]) assert.equal(bytesToBigint(bigintToBytes(v)), v);
  });
});

describe('checkedHexToBytes', () => {
  it('decodes what hexToBytes accepts into a fresh array of its own', () => {
    for (const hex of ['0x', '0x00', '0xff', '0xDEADbeef', `0x${'ab'.repeat(300)}`]) {
      const bytes = checkedHexToBytes(hex);
      assert.deepEqual(bytes, hexToBytes(hex), hex.slice(0, 20));
      assert.equal(bytes.byteOffset, 0);
      assert.equal(bytes.buffer.byteLength, bytes.length, 'not a view into a shared pool');
    }
  });
});
