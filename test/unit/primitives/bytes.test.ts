import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bareHex, bigintToBytes, bytesKey, bytesPart, bytesToBigint, checkedHexToBytes, hexToBytes, keyBytes, readWord256, writeWord256 } from '../../../src/primitives/index.ts';

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

describe('checkedHexToBytes on short inputs (decoded in JavaScript, up to 64 bytes)', () => {
  it('agrees with Buffer on mixed-case hex of every length up to 70 bytes (property, seeded)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), fc.boolean(), (bytes, upper) => {
        const hex = Buffer.from(bytes).toString('hex');
        assert.deepEqual(checkedHexToBytes(`0x${upper ? hex.toUpperCase() : hex}`), new Uint8Array(bytes));
      }),
      { seed: 20261128, numRuns: 500 },
    );
  });

  it('refuses a character that is not a hex digit instead of reading it as zero', () => {
    for (const hex of ['0xzz', '0x0g', '0x:0', '0x\u0100\u0100', `0x${'ab'.repeat(31)}a `]) {
      assert.throws(() => checkedHexToBytes(hex), { code: 'INVALID_HEX' }, JSON.stringify(hex));
    }
  });
});

describe('bareHex and bytesKey', () => {
  it('bareHex is Buffer\'s hex, for arrays in the heap, views and large arrays alike', () => {
    const big = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
    for (const bytes of [new Uint8Array(0), Uint8Array.of(0, 255), big.subarray(3, 23), big, big.slice(0, 64)]) {
      assert.equal(bareHex(bytes), Buffer.from(bytes).toString('hex'));
    }
  });

  it('bytesKey is one character per byte, equal keys only for equal bytes, and keyBytes turns it back (property, seeded)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
        const ka = bytesKey(a);
        assert.equal(ka.length, a.length);
        assert.deepEqual(keyBytes(ka), new Uint8Array(a));
        assert.equal(ka === bytesKey(b), Buffer.from(a).equals(Buffer.from(b)));
      }),
      { seed: 20261128, numRuns: 500 },
    );
  });
});

describe('readWord256 and writeWord256', () => {
  it('read and write 32 big-endian bytes at any offset, leaving the bytes around them alone (property, seeded)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), fc.nat({ max: 40 }), (value, offset) => {
        const store = new Uint8Array(offset + 40).fill(0xee);
        writeWord256(store, offset, value);
        assert.equal(Buffer.from(store.subarray(offset, offset + 32)).toString('hex'), value.toString(16).padStart(64, '0'));
        assert.ok(store.subarray(0, offset).every((b) => b === 0xee) && store.subarray(offset + 32).every((b) => b === 0xee));
        assert.equal(readWord256(store, offset), value);
      }),
      { seed: 20261128, numRuns: 500 },
    );
  });
});

describe('bytesPart', () => {
  it('is bytes[start, end): a copy for 64 bytes or less, a view beyond', () => {
    const small = Uint8Array.from({ length: 64 }, (_, i) => i);
    const part = bytesPart(small, 10, 20);
    assert.deepEqual(part, small.slice(10, 20));
    small[10] = 99;
    assert.equal(part[0], 10, 'a copy of a small array');
    assert.deepEqual(bytesPart(small, 60), Uint8Array.of(60, 61, 62, 63), 'to the end by default');
    const large = new Uint8Array(65).fill(1);
    const view = bytesPart(large, 1, 5);
    large[1] = 7;
    assert.equal(view[0], 7, 'a view of a large one');
  });
});
