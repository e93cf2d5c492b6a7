import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { keccak256, keccak256Concat } from '../../../src/crypto/index.ts';
import { bytesToHex } from '../../../src/primitives/index.ts';

test('keccak256 of the empty string is the well-known constant', () => {
  assert.equal(bytesToHex(keccak256(new Uint8Array())), '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
});

test('keccak256 agrees with @noble/hashes on every length around the 136-byte rate, and on views into larger buffers', () => {
  let seed = 7;
  const next = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) & 0xff;
  for (let len = 0; len <= 300; len++) {
    const backing = Uint8Array.from({ length: len + 9 }, next);
    const view = backing.subarray(5, 5 + len); // not at offset 0 of its buffer
    assert.equal(bytesToHex(keccak256(view)), bytesToHex(keccak_256(view)), `length ${len}`);
  }
});

test('consecutive hashes do not leak state into each other', () => {
  const a = Uint8Array.from([1, 2, 3]);
  const first = bytesToHex(keccak256(a));
  keccak256(new Uint8Array(1000).fill(9));
  assert.equal(bytesToHex(keccak256(a)), first);
});

test('a digest is its own array: the next hash does not overwrite it', () => {
  const first = keccak256(Uint8Array.from([1]));
  const copy = first.slice();
  keccak256(Uint8Array.from([2]));
  assert.deepEqual(first, copy);
});

test('inputs larger than the hasher\'s 16 KiB working buffer (contract code up to 48 KiB, and more) hash as @noble/hashes does', () => {
  for (const len of [16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 49_152, 200_003]) {
    const data = Uint8Array.from({ length: len }, (_, i) => (i * 131 + 17) & 0xff);
    assert.equal(bytesToHex(keccak256(data)), bytesToHex(keccak_256(data)), `length ${len}`);
  }
});

test('keccak256Concat equals keccak256 of the joined bytes, with head and tail on both sides of 64 bytes (small ones are staged outside the heap)', () => {
  let seed = 11;
  const next = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) & 0xff;
  for (const headLength of [0, 1, 31, 32, 63, 64, 65, 200]) {
    for (const tailLength of [0, 1, 32, 64, 65, 532]) {
      const head = Uint8Array.from({ length: headLength }, next);
      const tail = Uint8Array.from({ length: tailLength }, next);
      const joined = new Uint8Array(headLength + tailLength);
      joined.set(head);
      joined.set(tail, headLength);
      assert.equal(bytesToHex(keccak256Concat(head, tail)), bytesToHex(keccak_256(joined)), `${headLength} + ${tailLength}`);
      // the staging area is reused: the inputs are unchanged and the next hash is independent
      assert.equal(bytesToHex(keccak256(head)), bytesToHex(keccak_256(head)));
    }
  }
});
