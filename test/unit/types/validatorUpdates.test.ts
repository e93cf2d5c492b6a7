/** Validator set changes as stored with a block and sent back from the execution worker. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ed25519KeyFromSeed } from '../../../src/crypto/index.ts';
import { RLP } from '../../../src/encoding/index.ts';
import { createValidator, decodeValidatorUpdates, encodeValidatorUpdates } from '../../../src/types/index.ts';

test('validator updates round-trip, with removals (power 0) and the address derived from the key', () => {
  const a = createValidator(ed25519KeyFromSeed(new Uint8Array(32).fill(1)).publicKey, 10n);
  const b = createValidator(ed25519KeyFromSeed(new Uint8Array(32).fill(2)).publicKey, 0n);
  const c = createValidator(ed25519KeyFromSeed(new Uint8Array(32).fill(3)).publicKey, 2n ** 60n);
  assert.deepEqual(decodeValidatorUpdates(encodeValidatorUpdates([a, b, c])), [a, b, c]);
  assert.deepEqual(decodeValidatorUpdates(encodeValidatorUpdates([])), []);
});

test('malformed updates are refused', () => {
  assert.throws(() => decodeValidatorUpdates(RLP.encode(new Uint8Array([1]))), /not a list/);
  assert.throws(() => decodeValidatorUpdates(RLP.encode([[new Uint8Array(31), new Uint8Array([1])]])), /32-byte/);
  assert.throws(() => decodeValidatorUpdates(RLP.encode([[new Uint8Array(32)]])), /32-byte/);
});
