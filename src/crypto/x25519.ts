import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { ChainError } from '../primitives/index.ts';

/**
 * Ephemeral X25519 key agreement (node:crypto), used by the p2p handshake. Keys are kept as their raw
 * 32 bytes so callers can put them on the wire and compare them without KeyObjects.
 */
export interface X25519Key {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

export function generateX25519Key(): X25519Key {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return {
    privateKey: new Uint8Array(pkcs8.subarray(PKCS8_PREFIX.length)),
    publicKey: new Uint8Array(spki.subarray(SPKI_PREFIX.length)),
  };
}

/**
 * The shared secret of our private key and the peer's public key. A low-order peer key (which would give
 * an all-zero secret any eavesdropper knows) makes OpenSSL fail; both that and a malformed key become a
 * `BAD_X25519_KEY` ChainError with action 'reject', so the caller drops the connection.
 */
export function x25519SharedSecret(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
  if (privateKey.length !== 32 || peerPublicKey.length !== 32) {
    throw new ChainError('BAD_X25519_KEY', 'x25519 keys are 32 bytes', { privateKeyBytes: privateKey.length, publicKeyBytes: peerPublicKey.length });
  }
  let secret: Buffer;
  try {
    secret = diffieHellman({
      privateKey: createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' }),
      publicKey: createPublicKey({ key: Buffer.concat([SPKI_PREFIX, peerPublicKey]), format: 'der', type: 'spki' }),
    });
  } catch (err) {
    throw new ChainError('BAD_X25519_KEY', `x25519 key agreement failed: ${(err as Error).message}`);
  }
  if (secret.every((b) => b === 0)) throw new ChainError('BAD_X25519_KEY', 'x25519 shared secret is all zero (low-order key)');
  return new Uint8Array(secret);
}
