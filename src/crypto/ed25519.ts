import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { bareHex } from '../primitives/index.ts';

/**
 * Validator and node identity keys: ed25519 in node:crypto (37k signs/s, no dependency). A key is kept as
 * its 32-byte seed; the validator address is the first 20 bytes of SHA-256 of the public key, as in
 * Tendermint/CometBFT.
 */
export interface Ed25519Key {
  seed: Uint8Array;
  publicKey: Uint8Array;
}

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * PERF: parsing a DER key into a KeyObject costs about as much as the signature itself, and a node signs
 * with one key and verifies the same few validators' keys over and over: keep the objects. Bounded, so
 * keys from hostile input cannot grow it without limit.
 */
const KEY_CACHE_LIMIT = 1024;
const privateKeys = new Map<string, KeyObject>();
const publicKeys = new Map<string, KeyObject>();

function cached(cache: Map<string, KeyObject>, bytes: Uint8Array, make: () => KeyObject): KeyObject {
  const id = bareHex(bytes);
  let key = cache.get(id);
  if (key === undefined) {
    if (cache.size >= KEY_CACHE_LIMIT) cache.clear();
    key = make();
    cache.set(id, key);
  }
  return key;
}

function privateKeyObject(seed: Uint8Array): KeyObject {
  return cached(privateKeys, seed, () => createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }));
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  return cached(publicKeys, publicKey, () => createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' }));
}

export function ed25519KeyFromSeed(seed: Uint8Array): Ed25519Key {
  const der = createPublicKey(privateKeyObject(seed)).export({ format: 'der', type: 'spki' });
  return { seed, publicKey: new Uint8Array(der.subarray(SPKI_PREFIX.length)) };
}

export function generateEd25519Key(): Ed25519Key {
  const { privateKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return ed25519KeyFromSeed(new Uint8Array(der.subarray(PKCS8_PREFIX.length)));
}

export function ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, privateKeyObject(seed)));
}

export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, message, publicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}

export function ed25519Address(publicKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(publicKey).digest().subarray(0, 20));
}
