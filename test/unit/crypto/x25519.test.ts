/** X25519 (node:crypto): both sides agree; RFC 7748 §6.1 vector; low-order and malformed keys refused. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateX25519Key, x25519SharedSecret } from '../../../src/crypto/index.ts';

test('x25519: both ends derive the same 32-byte secret', () => {
  const [a, b] = [generateX25519Key(), generateX25519Key()];
  const s1 = x25519SharedSecret(a.privateKey, b.publicKey);
  assert.equal(s1.length, 32);
  assert.deepEqual(s1, x25519SharedSecret(b.privateKey, a.publicKey));
});

test('x25519: RFC 7748 section 6.1 test vector', () => {
  const alicePriv = Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex');
  const bobPub = Buffer.from('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f', 'hex');
  const shared = Buffer.from(x25519SharedSecret(alicePriv, bobPub)).toString('hex');
  assert.equal(shared, '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
});

test('x25519: a low-order public key (all-zero secret) and wrong lengths are refused', () => {
  const a = generateX25519Key();
  assert.throws(() => x25519SharedSecret(a.privateKey, new Uint8Array(32)), { code: 'BAD_X25519_KEY' });
  assert.throws(() => x25519SharedSecret(a.privateKey, new Uint8Array(31)), { code: 'BAD_X25519_KEY' });
});
