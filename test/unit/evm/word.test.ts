import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readWord, writeWord } from '../../../src/evm/word.ts';
import { bigintToBytes, bytesToBigint, padLeft } from '../../../src/primitives/index.ts';
import { seededRandom } from '../../utils/random.ts';

/** A failure names its seed; SEED=<n> replays it. */
const seed = Number(process.env.SEED ?? 20261127);
const MAX = 2n ** 256n - 1n;
const EDGES = [0n, 1n, 0xffn, 0x100n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 48n - 1n, 2n ** 48n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n, 2n ** 255n, MAX - 1n, MAX];

function randomWord(rand: () => number): bigint {
  const bytes = 1 + Math.floor(rand() * 32);
  let v = 0n;
  for (let i = 0; i < bytes; i++) v = (v << 8n) | BigInt(Math.floor(rand() * 256));
  return v;
}

test('writeWord writes 32 big-endian bytes over whatever was there, at any offset of any view', () => {
  const rand = seededRandom(seed);
  const values = [...EDGES, ...Array.from({ length: 500 }, () => randomWord(rand))];
  const backing = new Uint8Array(200);
  const store = backing.subarray(7, 150); // a view that does not start its buffer
  for (const value of values) {
    backing.fill(0xaa); // stale bytes the word must replace
    const offset = Math.floor(rand() * (store.length - 32));
    writeWord(store, offset, value);
    assert.deepEqual(store.subarray(offset, offset + 32), padLeft(bigintToBytes(value), 32), `value ${value} at ${offset} (seed ${seed})`);
    assert.equal(store[offset - 1] ?? 0xaa, 0xaa, 'nothing before the word changed');
    assert.equal(store[offset + 32], 0xaa, 'nothing after the word changed');
    assert.equal(backing[6], 0xaa, 'nothing outside the view changed');
  }
});

test('readWord reads the 32 bytes at an offset as an unsigned integer', () => {
  const rand = seededRandom(seed);
  const values = [...EDGES, ...Array.from({ length: 500 }, () => randomWord(rand))];
  const backing = new Uint8Array(200);
  const store = backing.subarray(5, 120);
  for (const value of values) {
    backing.fill(0xcc);
    const offset = Math.floor(rand() * (store.length - 32));
    store.set(padLeft(bigintToBytes(value), 32), offset);
    assert.equal(readWord(store, offset), value, `at ${offset} (seed ${seed})`);
    assert.equal(readWord(store, offset), bytesToBigint(store.subarray(offset, offset + 32)));
  }
});

test('a word past the end of the store, or at a bad offset, throws instead of being dropped', () => {
  const store = new Uint8Array(64);
  for (const offset of [33, 64, -1, 1.5]) {
    assert.throws(() => writeWord(store, offset, 1n), RangeError, `write at ${offset}`);
    assert.throws(() => writeWord(store, offset, 2n ** 200n), RangeError, `large write at ${offset}`);
    assert.throws(() => readWord(store, offset), RangeError, `read at ${offset}`);
  }
  writeWord(store, 32, 7n);
  assert.equal(readWord(store, 32), 7n, 'the last word fits');
});
